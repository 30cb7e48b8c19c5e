"""`flask --app wsgi channels telegram-set-webhook` and `channels telegram-webhook-info`.

Telegram only delivers to the URL a bot registered with setWebhook; these commands register
ours (PUBLIC_BASE_URL + /channels/telegram/webhook, with TELEGRAM_WEBHOOK_SECRET and the
update types we take) and show what Telegram holds (pending updates, its last delivery
error). Both print one line of JSON and exit 1 when the bot is not configured or Telegram
refuses.
"""
from __future__ import annotations

import json
import re

import click
from flask import Flask, current_app
from telegram.error import TelegramError

from channels.telegram import WEBHOOK_PATH, TelegramBot
from crm.channels_cli import channels_cli

#: What Telegram accepts as a secret_token.
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _bot() -> TelegramBot:
    bot = TelegramBot(current_app.config["CHANNELS"])
    if not bot.is_configured():
        _fail("TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be set")
    return bot


def _fail(error: str) -> None:
    click.echo(json.dumps({"error": error}, ensure_ascii=False))
    raise SystemExit(1)


@channels_cli.command("telegram-set-webhook",
                      help="Đăng ký webhook của bot Telegram (PUBLIC_BASE_URL + "
                           f"{WEBHOOK_PATH}).")
@click.option("--drop-pending-updates", is_flag=True,
              help="Bỏ các cập nhật Telegram đang giữ chưa gửi.")
def set_webhook_command(drop_pending_updates: bool) -> None:
    bot = _bot()
    if not SECRET_FORMAT.match(bot.settings["TELEGRAM_WEBHOOK_SECRET"]):
        _fail("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + WEBHOOK_PATH
    try:
        bot.set_webhook(url, drop_pending_updates=drop_pending_updates)
    except TelegramError as exc:
        _fail(f"Telegram: {exc.message}")
    click.echo(json.dumps({"ok": True, "url": url}))


@channels_cli.command("telegram-webhook-info",
                      help="Xem webhook Telegram đang giữ (getWebhookInfo).")
def webhook_info_command() -> None:
    try:
        info = _bot().webhook_info()
    except TelegramError as exc:
        _fail(f"Telegram: {exc.message}")
    click.echo(json.dumps(info, ensure_ascii=False, default=str))


def init_app(app: Flask) -> None:
    """Nothing to set up: the commands joined the `channels` group when this was imported."""
