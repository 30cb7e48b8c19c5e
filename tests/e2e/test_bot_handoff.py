"""A Telegram customer asks the bot for a person: the chat shows in the inbox with the bot's
transcript, an agent answers in the browser, and the (stub) Bot API receives the answer."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD
from tests.support import telegram as tg

pytestmark = pytest.mark.e2e


class _BotApi(BaseHTTPRequestHandler):
    """Answers sendMessage like the Bot API and keeps what was posted."""

    sent: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        fields = {k: v[0] for k, v in parse_qs(body).items()}
        if not fields and body:
            fields = json.loads(body)
        if self.path.endswith("/sendMessage"):
            self.sent.append(fields)
        answer = {"ok": True, "result": {"message_id": len(self.sent) + 100, "date": 0,
                                         "chat": {"id": tg.CHAT_ID, "type": "private"},
                                         "text": fields.get("text", "")}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def bot_api(live_app):
    """A Bot API stub on loopback, and the live app pointed at it for this test."""
    _BotApi.sent = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BotApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    saved = live_app.config["CHANNELS"]
    live_app.config["CHANNELS"] = {**saved, **tg.SETTINGS,
                                   "TELEGRAM_API_BASE": f"http://127.0.0.1:{server.server_port}"}
    yield _BotApi.sent
    live_app.config["CHANNELS"] = saved
    server.shutdown()


def _post(live_server, update: dict) -> None:
    if "message" in update:
        update["message"]["date"] = int(time.time())      # sent now, not in the past
    response = requests.post(f"{live_server}{tg.WEBHOOK}", json=update, timeout=10,
                             headers={"X-Telegram-Bot-Api-Secret-Token": tg.SECRET})
    assert response.status_code == 200


def _wait_for(sent: list, count: int, page) -> None:
    for _ in range(50):
        if len(sent) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the Bot API got {len(sent)} messages, not {count}")


def test_a_handed_off_telegram_chat_is_answered_from_the_inbox(page, live_server, bot_api):
    _post(live_server, tg.text("Xin chào", update_id=990001))
    _post(live_server, tg.text("Hóa đơn tháng này sao cao vậy?", update_id=990002))
    _post(live_server, tg.button_press("menu:agent", update_id=990003))
    _wait_for(bot_api, 3, page)
    handed = bot_api[-1]["text"]
    assert handed.startswith("Đã chuyển cuộc trò chuyện cho nhân viên")
    code = re.search(r"YC\d{4}-\d{6}", handed).group(0)

    page.goto("/login")
    page.fill("#username", "tongdai1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.goto("/inbox?channel=telegram")
    page.locator("tr.ticket-row", has_text=code).get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator("article.msg.inbound", has_text="sao cao vậy")).to_be_visible()
    expect(page.locator("article.msg.outbound", has_text="trợ lý tự động").first).to_be_visible()

    page.fill("#reply-body", "Chào chị Lan, em là Hà, em kiểm tra hóa đơn ngay ạ.")
    page.get_by_role("button", name="Gửi trả lời").click()
    _wait_for(bot_api, 4, page)
    assert bot_api[3]["chat_id"] == str(tg.CHAT_ID)
    assert bot_api[3]["text"] == "Chào chị Lan, em là Hà, em kiểm tra hóa đơn ngay ạ."

    page.get_by_role("button", name="Trả lại cho trợ lý tự động").click()
    _wait_for(bot_api, 5, page)
    assert bot_api[4]["text"].startswith("Trợ lý tự động tiếp tục hỗ trợ")
    assert "menu:outage" in bot_api[4]["reply_markup"]
    expect(page.get_by_role("button", name="Trả lại cho trợ lý tự động")).to_have_count(0)
