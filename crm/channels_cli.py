"""`flask --app wsgi channels …`: channel commands (one IMAP pass), and the poller's schedule."""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from channels.base import NotConfigured
from channels.email_imap import MailboxError
from crm.core import schedule

# Help texts are plain strings: click renders them with no request to pick a language.
channels_cli = AppGroup("channels", help="Các kênh liên lạc (email, ...).")


@channels_cli.command("poll-email", help="Đọc thư mới trong hộp thư IMAP_URL một lần.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1),
              help="Số thư đọc tối đa trong lần này.")
def poll_email_command(limit: int) -> None:
    """Prints a one-line JSON summary; exits 1 when the mailbox cannot be read or is not set."""
    from crm.inbox import mail_poll

    try:
        summary = mail_poll.poll(limit)
    except NotConfigured:
        click.echo(json.dumps({"error": "IMAP_URL is not set"}))
        raise SystemExit(1)
    except MailboxError as exc:
        click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        raise SystemExit(1)
    click.echo(json.dumps(summary, ensure_ascii=False))


def init_app(app: Flask) -> None:
    app.cli.add_command(channels_cli)
    if app.config["CHANNELS"].get("IMAP_URL"):
        schedule.register("poll_email", "crm.inbox.mail_poll.poll_job", every=60)
