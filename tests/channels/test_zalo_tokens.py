"""Zalo access tokens kept in the database: refreshed before expiry, after Zalo says expired,
and the single-use refresh token never spent twice, even by two workers at once."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
import sqlalchemy as sa
from responses import matchers

import channels
from channels.base import ContactRef, OutboundMessage
from crm.extensions import db
from crm.models import ZaloToken, utcnow
from crm.zalo.tokens import DbTokens
from tests.conftest import IS_POSTGRES

APP_ID = "3608465248940903967"
SETTINGS = {"ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": "app-secret",
            "ZALO_OA_SECRET_KEY": "oa-secret", "ZALO_ACCESS_TOKEN": "access-1",
            "ZALO_REFRESH_TOKEN": "refresh-1"}
CS_URL = "https://openapi.zalo.me/v3.0/oa/message/cs"
OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
USER = "246845883529197922"


class SingleUseOAuth:
    """Zalo's OAuth endpoint: each refresh token works once and yields the next pair."""

    def __init__(self, valid=("refresh-1",), on_refresh=None):
        self.valid, self.issued, self.on_refresh = set(valid), 0, on_refresh
        self.lock = threading.Lock()

    def __call__(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        assert request.headers["secret_key"] == "app-secret"
        assert (form["app_id"], form["grant_type"]) == (APP_ID, "refresh_token")
        if self.on_refresh:
            self.on_refresh()
        with self.lock:
            if form["refresh_token"] not in self.valid:
                return 200, {}, json.dumps({"error": -14014, "error_name": "Invalid parameter",
                                            "error_description": "Invalid refresh token"})
            self.valid.discard(form["refresh_token"])
            self.issued += 1
            n = self.issued + 1
            self.valid.add(f"refresh-{n}")
        return 200, {}, json.dumps({"access_token": f"access-{n}", "refresh_token": f"refresh-{n}",
                                    "expires_in": "90000"})


def zalo(**settings):
    return channels.by_name("zalo_oa")({**SETTINGS, **settings})


def send(adapter=None):
    return (adapter or zalo()).send(OutboundMessage(to=ContactRef("zalo", USER), text="Chào",
                                                    idempotency_key="message-1"))


def ok_cs(token: str):
    return responses.post(CS_URL, json={"error": 0, "data": {"message_id": f"sent-with-{token}"}},
                          match=[matchers.header_matcher({"access_token": token})])


def store(session, **values) -> ZaloToken:
    values = {"access_token": "access-1", "refresh_token": "refresh-1", **values}
    row = ZaloToken(app_id=APP_ID, seed_digest=hashlib.sha256(b"refresh-1").hexdigest(),
                    **values)
    session.add(row)
    session.flush()
    return row


def row(session) -> ZaloToken:
    session.expire_all()
    return session.get(ZaloToken, APP_ID)


@responses.activate
def test_the_settings_pair_is_stored_and_used_on_first_send(db_session):
    ok_cs("access-1")
    assert send().external_id == "sent-with-access-1"
    stored = row(db_session)
    assert (stored.access_token, stored.refresh_token, stored.expires_at) == \
        ("access-1", "refresh-1", None)


@responses.activate
def test_a_token_about_to_expire_is_refreshed_before_sending(db_session):
    store(db_session, expires_at=utcnow() + timedelta(minutes=5))
    oauth = SingleUseOAuth()
    responses.add_callback(responses.POST, OAUTH_URL, callback=oauth)
    ok_cs("access-2")
    assert send().external_id == "sent-with-access-2"
    stored = row(db_session)
    assert (stored.access_token, stored.refresh_token) == ("access-2", "refresh-2")
    assert timedelta(hours=24) < stored.expires_at - utcnow() <= timedelta(seconds=90000)
    assert [c.request.url for c in responses.calls] == [OAUTH_URL, CS_URL]


@responses.activate
def test_a_fresh_token_is_used_as_it_is(db_session):
    store(db_session, expires_at=utcnow() + timedelta(hours=20))
    ok_cs("access-1")
    assert send().ok and len(responses.calls) == 1


@responses.activate
def test_an_expired_token_error_refreshes_once_and_retries(db_session):
    store(db_session)                     # expiry unknown: used until Zalo refuses it
    responses.post(CS_URL, json={"error": -216, "message": "Access token is invalid"},
                   match=[matchers.header_matcher({"access_token": "access-1"})])
    oauth = SingleUseOAuth()
    responses.add_callback(responses.POST, OAUTH_URL, callback=oauth)
    ok_cs("access-2")
    result = send()
    assert result.ok and result.external_id == "sent-with-access-2"
    assert oauth.issued == 1 and row(db_session).refresh_token == "refresh-2"


@responses.activate
def test_a_refused_refresh_token_keeps_the_pair_and_says_so(db_session):
    store(db_session, expires_at=utcnow() - timedelta(minutes=1))
    responses.add_callback(responses.POST, OAUTH_URL, callback=SingleUseOAuth(valid=()))
    result = send()
    assert not result.ok and not result.retryable and "Invalid refresh token" in result.error
    stored = row(db_session)
    assert stored.refresh_token == "refresh-1" and "refresh refused" in stored.last_error


@responses.activate
def test_an_unreachable_oauth_host_is_retryable(db_session):
    store(db_session, expires_at=utcnow() - timedelta(minutes=1))
    responses.post(OAUTH_URL, status=503)
    result = send()
    assert not result.ok and result.retryable
    assert row(db_session).refresh_token == "refresh-1"


@responses.activate
def test_the_stored_pair_wins_over_the_settings_after_a_refresh(db_session):
    store(db_session, access_token="access-7", refresh_token="refresh-7",
          expires_at=utcnow() + timedelta(hours=20))
    ok_cs("access-7")
    assert send().ok


@responses.activate
def test_a_new_grant_in_the_settings_replaces_the_stored_pair(db_session):
    store(db_session, access_token="access-7", refresh_token="refresh-7",
          expires_at=utcnow() + timedelta(hours=20))
    ok_cs("access-new")
    assert send(zalo(ZALO_ACCESS_TOKEN="access-new", ZALO_REFRESH_TOKEN="refresh-new")).ok
    stored = row(db_session)
    assert (stored.access_token, stored.refresh_token) == ("access-new", "refresh-new")


@responses.activate
def test_zns_token_errors_refresh_too(db_session):
    store(db_session)
    zns_url = "https://business.openapi.zalo.me/message/template"
    responses.post(zns_url, json={"error": -124, "message": "Access token invalid"},
                   match=[matchers.header_matcher({"access_token": "access-1"})])
    responses.add_callback(responses.POST, OAUTH_URL, callback=SingleUseOAuth())
    responses.post(zns_url, json={"error": 0, "data": {"msg_id": "zns-1"}},
                   match=[matchers.header_matcher({"access_token": "access-2"})])
    result = zalo().send(OutboundMessage(to=ContactRef("zalo", "+84912345678"), text="",
                                         idempotency_key="message-9",
                                         meta={"zns": {"template_id": "t1", "params": {}}}))
    assert result.ok and result.external_id == "zns-1"


def _wait_for_a_lock_waiter(app, seconds=10):
    """Hold the refresh open until another backend waits on our row lock (or give up)."""
    with app.app_context(), db.engine.connect() as conn:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            waiting = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar()
            if waiting:
                return
            time.sleep(0.05)


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks need PostgreSQL")
def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(app, committed_db):
    committed_db.add(ZaloToken(app_id=APP_ID, access_token="access-1", refresh_token="refresh-1",
                               seed_digest=hashlib.sha256(b"refresh-1").hexdigest(),
                               expires_at=utcnow() + timedelta(minutes=1)))
    committed_db.commit()
    oauth = SingleUseOAuth(on_refresh=lambda: _wait_for_a_lock_waiter(app))
    barrier, tokens, errors = threading.Barrier(2), [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                tokens.append(DbTokens(SETTINGS, zalo().client()).access_token())
            except Exception as exc:      # reported by the test, not lost in a thread
                errors.append(exc)
            finally:
                db.session.remove()

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, OAUTH_URL, callback=oauth)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == [] and tokens == ["access-2", "access-2"]
    assert oauth.issued == 1
    stored = row(committed_db)
    assert (stored.access_token, stored.refresh_token, stored.last_error) == \
        ("access-2", "refresh-2", None)
