"""`flask channels poll-email` against a real IMAP server on loopback: every mail stored once,
none skipped, a new UIDVALIDITY handled, a broken mail reported without stopping the rest."""
import json

import pytest
import sqlalchemy as sa

from channels.email_imap import MailboxError
from crm.core import schedule
from crm.inbox import mail_poll
from crm.models import ChannelState, MailPollState, Message, Ticket
from tests.support.email_cases import raw
from tests.support.imap_server import ImapServer


def mail_from(n: int, sender: str = "khach{n}@example.vn") -> bytes:
    return (f"From: {sender.format(n=n)}\nSubject: =?utf-8?B?VGjGsCBz4buRIHtufQ==?= {n}\n"
            f"Message-ID: <poll-{n}@example.vn>\n\nThư số {n}: mất điện.\n").encode()


@pytest.fixture
def imap(app, monkeypatch):
    with ImapServer() as server:
        monkeypatch.setitem(app.config, "CHANNELS", {"IMAP_URL": server.url})
        yield server


def stored(session) -> list[str]:
    return list(session.scalars(sa.select(Message.provider_message_id).order_by(Message.id)))


def state(session) -> MailPollState:
    return session.scalar(sa.select(MailPollState))


def test_each_new_mail_is_fetched_once_and_stored(db_session, imap):
    for n in (1, 2, 3):
        imap.mailbox.add(mail_from(n))
    first = mail_poll.poll()
    assert (first["fetched"], first["stored"], first["errors"]) == (3, 3, [])
    assert stored(db_session) == ["poll-1@example.vn", "poll-2@example.vn", "poll-3@example.vn"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 3

    again = mail_poll.poll()
    assert again["fetched"] == 0 and imap.mailbox.fetched == [1, 2, 3]

    imap.mailbox.add(mail_from(4))
    assert mail_poll.poll()["stored"] == 1
    assert imap.mailbox.fetched == [1, 2, 3, 4]
    assert (state(db_session).uidvalidity, state(db_session).last_uid) == (1700000001, 4)


def test_mail_arriving_between_passes_is_not_skipped_even_with_gaps(db_session, imap):
    for n in (1, 2, 3):
        imap.mailbox.add(mail_from(n))
    imap.mailbox.expunge(2)                       # UIDs need not be dense
    mail_poll.poll(limit=1)
    assert stored(db_session) == ["poll-1@example.vn"]
    summary = mail_poll.poll(limit=1)
    assert summary["remaining"] == 0 and stored(db_session)[-1] == "poll-3@example.vn"
    imap.mailbox.add(mail_from(5))
    mail_poll.poll()
    assert imap.mailbox.fetched == [1, 3, 4]
    assert len(stored(db_session)) == 3


def test_a_new_uidvalidity_reads_again_without_storing_twice(db_session, imap):
    for n in (1, 2):
        imap.mailbox.add(mail_from(n))
    mail_poll.poll()
    imap.mailbox.renumber(uidvalidity=1800000000, first_uid=50)
    imap.mailbox.add(mail_from(3))
    summary = mail_poll.poll()
    assert summary["uidvalidity_changed"] and summary["fetched"] == 3
    assert (summary["duplicates"], summary["stored"]) == (2, 1)
    assert stored(db_session) == [f"poll-{n}@example.vn" for n in (1, 2, 3)]
    assert (state(db_session).uidvalidity, state(db_session).last_uid) == (1800000000, 52)


def test_a_broken_mail_is_reported_and_the_rest_go_on(db_session, imap):
    imap.mailbox.add(mail_from(1))
    bad = imap.mailbox.add(raw("no_sender"))
    imap.mailbox.add(raw("broken_mime"))
    imap.mailbox.add(mail_from(4))
    summary = mail_poll.poll()
    assert summary["stored"] == 3
    assert summary["errors"] == [{"uid": bad, "error": "the message has no sender address (From)"}]
    assert state(db_session).last_uid == 4
    assert mail_poll.poll()["fetched"] == 0        # reported, not read again for ever
    channel = db_session.get(ChannelState, "email")
    assert "no sender" in channel.last_error and channel.last_inbound_at is not None


def test_auto_replies_from_the_mailbox_open_no_ticket(db_session, imap):
    imap.mailbox.add(raw("ooo_outlook"))
    imap.mailbox.add(raw("bulk_list"))
    summary = mail_poll.poll()
    assert (summary["stored"], summary["automatic"]) == (2, 2)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_the_command_prints_a_one_line_json_summary(app, db_session, imap):
    imap.mailbox.add(mail_from(1))
    result = app.test_cli_runner().invoke(args=["channels", "poll-email"])
    assert result.exit_code == 0, result.output
    (line,) = result.output.strip().splitlines()
    summary = json.loads(line)
    assert summary["stored"] == 1 and summary["mailbox"].endswith("/INBOX")
    assert "p@ss" not in result.output


def test_wrong_credentials_fail_the_command_without_a_traceback(app, db_session, imap,
                                                                monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS",
                        {"IMAP_URL": imap.url.replace("%40ss", "%40xx")})
    result = app.test_cli_runner().invoke(args=["channels", "poll-email"])
    assert result.exit_code == 1
    assert "AUTHENTICATIONFAILED" in json.loads(result.output)["error"]
    with pytest.raises(MailboxError):
        mail_poll.poll()


def test_without_imap_url_the_command_says_so(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {})
    result = app.test_cli_runner().invoke(args=["channels", "poll-email"])
    assert result.exit_code == 1 and "IMAP_URL" in result.output
    mail_poll.poll_job()                           # the periodic job just does nothing


def test_the_poller_runs_every_minute_only_when_imap_url_is_set():
    from crm import create_app

    names = lambda: [p.name for p in schedule.PERIODIC]   # noqa: E731
    try:
        create_app({"CHANNELS": {}, "REDIS_URL": None})
        assert "poll_email" not in names()
        create_app({"CHANNELS": {"IMAP_URL": "imaps://u:p@mail.example.vn/INBOX"},
                    "REDIS_URL": None})
        (entry,) = [p for p in schedule.PERIODIC if p.name == "poll_email"]
        assert (entry.path, entry.every) == ("crm.inbox.mail_poll.poll_job", 60)
    finally:
        schedule.PERIODIC[:] = [p for p in schedule.PERIODIC if p.name != "poll_email"]
