"""The last inbound, outbound and error of each channel adapter, for the admin's channel page.

Called from webhooks and the send job in their own transactions: these helpers flush, never
commit and never raise (bookkeeping must not fail a delivery). Traffic times are written at
most once a minute per adapter, so a burst of webhooks does not queue on one hot row.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from crm.core.db import insert_or_nothing
from crm.extensions import db
from crm.models import ChannelState, utcnow

log = logging.getLogger(__name__)

#: A traffic time this fresh is left alone.
RESOLUTION = timedelta(minutes=1)


def record_inbound(name: str) -> None:
    """Note that adapter `name` just received something."""
    _safely(name, _touch, "last_inbound_at")


def record_outbound(name: str) -> None:
    """Note that adapter `name` just sent something."""
    _safely(name, _touch, "last_outbound_at")


def record_error(name: str, text: str | None) -> None:
    """Keep the adapter's latest error (500 characters at most) and when it happened."""
    _safely(name, _update, {"last_error": (text or "?")[:500], "last_error_at": utcnow()})


def states() -> dict[str, ChannelState]:
    """Every recorded adapter's state, by adapter name."""
    return {row.adapter: row for row in db.session.scalars(sa.select(ChannelState))}


def _touch(name: str, column: str) -> None:
    now, stale = utcnow(), utcnow() - RESOLUTION
    field = getattr(ChannelState, column)
    db.session.execute(
        sa.update(ChannelState)
        .where(ChannelState.adapter == name, sa.or_(field.is_(None), field < stale))
        .values({column: now}).execution_options(synchronize_session=False))


def _update(name: str, values: dict) -> None:
    db.session.execute(sa.update(ChannelState).where(ChannelState.adapter == name)
                       .values(values).execution_options(synchronize_session=False))


def _safely(name: str, write, arg) -> None:
    """Create the adapter's row if needed, then write, inside a savepoint; errors are logged."""
    try:
        with db.session.begin_nested():
            db.session.execute(insert_or_nothing(ChannelState, {"adapter": name[:50]},
                                                 conflict=["adapter"]))
            write(name[:50], arg)
    except SQLAlchemyError:
        log.exception("could not record the state of channel %s", name)
