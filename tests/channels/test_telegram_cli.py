"""`flask channels telegram-set-webhook` / `telegram-webhook-info` against a stubbed Bot API."""
from __future__ import annotations

import json

import httpx
import pytest
import respx

from tests.support import telegram as tg


@pytest.fixture
def run(app, monkeypatch):
    def _run(*args, settings=tg.SETTINGS):
        monkeypatch.setitem(app.config, "CHANNELS", dict(settings))
        return app.test_cli_runner().invoke(args=["channels", *args])
    return _run


@respx.mock
def test_set_webhook_registers_our_url_secret_and_update_types(run):
    route = respx.post(f"{tg.API}/setWebhook").mock(
        return_value=httpx.Response(200, json={"ok": True, "result": True,
                                               "description": "Webhook was set"}))
    result = run("telegram-set-webhook", "--drop-pending-updates")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True,
                                         "url": "http://cskh.test/channels/telegram/webhook"}
    assert tg.sent(route.calls[0]) == {
        "url": "http://cskh.test/channels/telegram/webhook", "secret_token": tg.SECRET,
        "allowed_updates": ["message", "callback_query", "my_chat_member"],
        "drop_pending_updates": "true"}


@respx.mock
def test_set_webhook_reports_telegrams_refusal(run):
    respx.post(f"{tg.API}/setWebhook").mock(
        return_value=tg.error(400, "Bad Request: bad webhook: An HTTPS URL must be provided"))
    result = run("telegram-set-webhook")
    assert result.exit_code == 1 and "https url must be provided" in result.output


def test_set_webhook_refuses_a_secret_telegram_would_not_take(run):
    result = run("telegram-set-webhook",
                 settings={**tg.SETTINGS, "TELEGRAM_WEBHOOK_SECRET": "bí mật có dấu"})
    assert result.exit_code == 1 and "TELEGRAM_WEBHOOK_SECRET" in result.output


@pytest.mark.parametrize("command", ["telegram-set-webhook", "telegram-webhook-info"])
def test_without_settings_the_commands_say_what_is_missing(run, command):
    result = run(command, settings={})
    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "error": "TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be set"}


@respx.mock
def test_webhook_info_prints_what_telegram_holds(run):
    respx.post(f"{tg.API}/getWebhookInfo").mock(return_value=httpx.Response(200, json={
        "ok": True, "result": {"url": "https://cskh.example.vn/channels/telegram/webhook",
                               "has_custom_certificate": False, "pending_update_count": 3,
                               "last_error_date": 1772417700,
                               "last_error_message": "Wrong response from the webhook: 500",
                               "max_connections": 40,
                               "allowed_updates": ["message", "callback_query"]}}))
    result = run("telegram-webhook-info")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["url"] == "https://cskh.example.vn/channels/telegram/webhook"
    assert info["pending_update_count"] == 3
    assert info["last_error_message"] == "Wrong response from the webhook: 500"


@respx.mock
def test_webhook_info_reports_an_unreachable_api(run):
    respx.post(f"{tg.API}/getWebhookInfo").mock(side_effect=httpx.ConnectError("down"))
    result = run("telegram-webhook-info")
    assert result.exit_code == 1 and "Telegram" in json.loads(result.output)["error"]
