"""The Zalo OA access token, kept in `zalo_tokens` and refreshed before it expires.

Zalo's refresh token is single-use: each refresh returns a new pair, and the old refresh
token is dead. So a refresh happens under a row lock (SELECT … FOR UPDATE) and the new pair
is written in that same transaction; a second worker waiting on the lock then finds a new
access token and uses it instead of spending the refresh token again.

On PostgreSQL that transaction is our own (a connection of its own, committed at once), so
the caller rolling back can never lose a pair Zalo has already issued. SQLite has a single
writer and no row locks: there the refresh joins the caller's transaction (a savepoint),
which is enough for the zero-setup default with in-process jobs.

ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN give the first pair; after that the row wins, until
an admin sets a different ZALO_REFRESH_TOKEN (a new grant), which replaces the row.
"""
from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from channels.zalo import TokenUnavailable, ZaloOA
from channels.zalo_client import RefreshRefused, ZaloClient, ZaloUnreachable
from crm.core.db import insert_or_nothing
from crm.extensions import db
from crm.models import ZaloToken, utcnow

log = logging.getLogger(__name__)

#: Refresh this long before the access token expires (it lives about 25 hours).
REFRESH_MARGIN = timedelta(minutes=30)


class DbTokens:
    """The token store of `channels.zalo.ZaloOA` in this app (plugged in on import)."""

    def __init__(self, settings: Mapping, client: ZaloClient):
        self.settings, self.client = settings, client
        self.app_id = str(settings.get("ZALO_APP_ID") or "")

    def access_token(self) -> str:
        """The stored token, refreshed first when it expires within REFRESH_MARGIN."""
        with _transaction() as session:
            row = self._row(session)
            token, stale = row.access_token, _due(row) or self._regranted(row)
        if token and not stale:
            return token
        return self.renew(token or "")

    def renew(self, spent: str) -> str:
        """A token other than `spent`: another worker's fresh one, else a refresh of our own."""
        with _transaction() as session:
            row = self._row(session, lock=True)
            if row.access_token and row.access_token != spent and not _due(row):
                return row.access_token
            try:
                return self._refresh(row)
            except TokenUnavailable as exc:
                failure = exc             # raised once row.last_error is committed
        raise failure

    def _refresh(self, row: ZaloToken) -> str:
        """Spend the refresh token and store the new pair in the row (same transaction)."""
        secret = self.settings.get("ZALO_APP_SECRET")
        if not secret or not row.refresh_token:
            row.last_error = "cannot refresh: ZALO_APP_SECRET or the refresh token is missing"
            raise TokenUnavailable(row.last_error)
        try:
            pair = self.client.refresh(self.app_id, secret, row.refresh_token)
        except ZaloUnreachable as exc:
            raise TokenUnavailable(str(exc), retryable=True) from None
        except RefreshRefused as exc:
            log.error("zalo: the refresh token was refused (%s); re-grant the OA", exc)
            row.last_error = f"refresh refused: {exc}"[:500]
            raise TokenUnavailable(row.last_error) from None
        row.access_token, row.refresh_token = pair.access_token, pair.refresh_token
        row.expires_at = utcnow() + timedelta(seconds=pair.expires_in) if pair.expires_in \
            else None
        row.refreshed_at, row.last_error = utcnow(), None
        return row.access_token

    def _regranted(self, row: ZaloToken) -> bool:
        """True when ZALO_REFRESH_TOKEN is not the one the row was filled from."""
        digest = _digest(self.settings.get("ZALO_REFRESH_TOKEN"))
        return digest is not None and row.seed_digest != digest

    def _row(self, session: Session, lock: bool = False) -> ZaloToken:
        """This app's row, created from the settings; replaced after a new grant when locked."""
        digest = _digest(self.settings.get("ZALO_REFRESH_TOKEN"))
        query = sa.select(ZaloToken).where(ZaloToken.app_id == self.app_id) \
            .execution_options(populate_existing=True)
        if lock:
            query = query.with_for_update()
        row = session.scalar(query)
        if row is None:
            session.execute(insert_or_nothing(ZaloToken, {
                "app_id": self.app_id, "access_token": self.settings.get("ZALO_ACCESS_TOKEN"),
                "refresh_token": self.settings.get("ZALO_REFRESH_TOKEN"),
                "seed_digest": digest, "updated_at": utcnow()}, conflict=["app_id"]))
            row = session.scalar(query)
        if lock and self._regranted(row):
            log.info("zalo: a new ZALO_REFRESH_TOKEN was set; it replaces the stored pair")
            row.access_token = self.settings.get("ZALO_ACCESS_TOKEN")
            row.refresh_token = self.settings.get("ZALO_REFRESH_TOKEN")
            row.seed_digest, row.expires_at, row.last_error = digest, None, None
        return row


@contextmanager
def _transaction() -> Iterator[Session]:
    """Our own committed transaction on PostgreSQL; a savepoint of the caller's on SQLite.

    Under tests the session is bound to the test's connection: the transaction is then a
    savepoint on it (committing releases it), so the test still rolls everything back.
    """
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite":
        with db.session.begin_nested():
            yield db.session
        return
    session = Session(bind=bind, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def _due(row: ZaloToken) -> bool:
    return row.expires_at is not None and row.expires_at - utcnow() <= REFRESH_MARGIN


def _digest(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value else None


def install() -> None:
    """Make the Zalo adapter keep its tokens here."""
    ZaloOA.token_store = DbTokens


install()
