"""A local SMS gateway speaking the `channels.sms_gateway` MT contract, for outbox tests.

It honours `client_ref` as the real gateway does (a repeated one gets the first answer and
is not sent again) and counts what it was asked and what it delivered, so tests can prove
exactly-once delivery across crashes. `hang_for` makes it take a message (counted as
delivered) and then not answer, as a provider does when the worker dies mid-request.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    def __init__(self):
        self.lock = threading.Lock()
        self.posts: list[dict] = []          #: every request, repeats included
        self.delivered: dict[str, dict] = {}  #: client_ref -> the first payload (sent once)
        self.hang_for: set[str] = set()      #: phone numbers whose first request never answers
        self.hung = threading.Event()
        self.release = threading.Event()
        self.status_for: dict[str, int] = {}  #: phone -> HTTP status to answer (e.g. 400, 503)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway._handle(self, payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/mt"

    def settings(self) -> dict:
        return {"SMS_GATEWAY_URL": self.url, "SMS_GATEWAY_TOKEN": "gw-token",
                "SMS_GATEWAY_SECRET": "gw-secret"}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, handler, payload: dict) -> None:
        ref, to = payload["client_ref"], payload["to"]
        with self.lock:
            self.posts.append(payload)
            status = self.status_for.get(to)
            if status is None and ref not in self.delivered:
                self.delivered[ref] = payload
            hang = status is None and to in self.hang_for
            self.hang_for.discard(to)
            number = list(self.delivered).index(ref) + 1 if ref in self.delivered else 0
        if hang:
            self.hung.set()
            self.release.wait(60)
            return
        body = json.dumps({"id": str(number), "status": "accepted"} if status is None
                          else {"error": f"status {status}"}).encode()
        handler.send_response(status or 200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def refs_sent_to(self, phone: str) -> list[str]:
        return [ref for ref, p in self.delivered.items() if p["to"] == phone.lstrip("+")]
