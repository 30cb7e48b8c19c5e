"""The pooled HTTP session: keep-alive connections reused across messages and threads, a new
session in a forked worker, and on the wire the same request `requests.post` sends."""
from __future__ import annotations

import json
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from channels import http_pool
from channels.base import ContactRef, OutboundMessage
from channels.sms_gateway import SmsGateway


class Gateway:
    """A loopback MT endpoint speaking keep-alive HTTP/1.1; counts connections and requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[tuple[dict, bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with gateway.lock:
                    gateway.connections += 1

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with gateway.lock:
                    gateway.requests.append((dict(self.headers.items()), body))
                    number = len(gateway.requests)
                answer = json.dumps({"id": str(number), "status": "accepted"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mt"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    fake = Gateway()
    http_pool._sessions.clear()          # this test's connections only
    yield fake
    http_pool._sessions.clear()
    fake.close()


def adapter(gateway):
    return SmsGateway({"SMS_GATEWAY_URL": gateway.url, "SMS_GATEWAY_TOKEN": "tok",
                       "SMS_GATEWAY_SECRET": "secret"})


def message(n):
    return OutboundMessage(to=ContactRef("phone", "+84905123456"), text=f"Thong bao {n}",
                           idempotency_key=f"message-{n}")


def test_messages_one_after_another_share_one_connection(gateway):
    results = [adapter(gateway).send(message(n)) for n in range(5)]
    assert [r.external_id for r in results] == [f"gw-mt-{n}" for n in range(1, 6)]
    assert gateway.connections == 1 and len(gateway.requests) == 5


def test_sending_threads_share_the_pool(gateway):
    sms = adapter(gateway)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(sms.send, [message(n) for n in range(40)]))
    assert all(r.ok for r in results) and len(gateway.requests) == 40
    assert gateway.connections <= 8


def test_a_forked_worker_makes_its_own_session(gateway):
    sms = adapter(gateway)
    assert sms.send(message(1)).ok
    parent_session = http_pool.session()
    pid = os.fork()
    if pid == 0:                                    # the child: never returns
        ok = http_pool.session() is not parent_session and sms.send(message(2)).ok
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert gateway.connections == 2                 # the child did not write on ours
    assert http_pool.session() is parent_session and sms.send(message(3)).ok
    assert gateway.connections == 2


def test_post_json_sends_what_requests_post_sends(gateway):
    payload = {"to": "84905123456", "text": "Tiền điện tháng 11", "brandname": None,
               "client_ref": "message-9"}
    headers = {"Authorization": "Bearer tok"}
    requests.post(gateway.url, json=payload, headers=headers, timeout=5)
    http_pool.post_json(gateway.url, payload, headers=headers, timeout=5)
    (plain_headers, plain_body), (pooled_headers, pooled_body) = gateway.requests
    assert pooled_body == plain_body and json.loads(pooled_body) == payload
    assert pooled_headers == plain_headers


def test_an_unreachable_gateway_is_still_a_retryable_result():
    with socket.socket() as bound:              # bound, not listening: connections refused
        bound.bind(("127.0.0.1", 0))
        sms = SmsGateway({"SMS_GATEWAY_URL": f"http://127.0.0.1:{bound.getsockname()[1]}/mt",
                          "SMS_GATEWAY_TOKEN": "tok", "SMS_GATEWAY_SECRET": "secret"})
        result = sms.send(message(1))
    assert not result.ok and result.retryable and "unreachable" in result.error
