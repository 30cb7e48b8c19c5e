"""Two quick messages of one customer, handled by two workers at once, take turns on the
conversation row (SELECT … FOR UPDATE) instead of both starting from the same step."""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest
import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from crm.bot.flows import FLOWS
from crm.extensions import db
from crm.inbox.ingest import ingest
from crm.models import BotConversation, Direction, Message, utcnow
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="row locks need PostgreSQL")


def _message(external_id: str, text: str = "", **kw) -> InboundMessage:
    return InboundMessage(channel="telegram", external_id=external_id, received_at=utcnow(),
                          sender=ContactRef("telegram", "88001", "Lan"), text=text, **kw)


def test_the_second_message_waits_for_the_first_and_continues_its_flow(app, committed_db,
                                                                      monkeypatch):
    with app.app_context():                      # the contact exists: both find it
        ingest(_message("tg-1", "Xin chào"))
        db.session.commit()
    started, release, errors = threading.Event(), threading.Event(), []
    flow = FLOWS["connection"]

    def slow_start(turn):
        flow.start(turn)
        started.set()                            # the first worker holds the row lock now
        release.wait(10)
    monkeypatch.setitem(FLOWS, "connection", dataclasses.replace(flow, start=slow_start))

    def worker(inbound):
        with app.app_context():
            try:
                ingest(inbound)
                db.session.commit()
            except Exception as exc:             # reported by the test, not lost in a thread
                db.session.rollback()
                errors.append(exc)
    first = threading.Thread(target=worker, args=(_message(
        "tg-2", "Cấp điện mới", kind="postback", meta={"payload": "menu:connection"}),))
    second = threading.Thread(target=worker, args=(_message("tg-3", "Lê Thị Hoa"),))
    first.start()
    assert started.wait(10)
    second.start()
    time.sleep(0.3)                              # give the second a chance to (wrongly) run
    release.set()
    first.join(20), second.join(20)
    assert errors == [] and not first.is_alive() and not second.is_alive()
    with app.app_context():
        conv = db.session.scalar(sa.select(BotConversation))
        assert (conv.flow, conv.step, conv.data["name"]) == ("connection", "phone",
                                                             "Lê Thị Hoa")
        bodies = db.session.scalars(sa.select(Message.body).where(
            Message.direction == Direction.OUTBOUND).order_by(Message.id)).all()
        assert bodies[-1].startswith("Bước 2/5")
