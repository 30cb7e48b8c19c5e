"""Fixtures: one throw-away database per run, built by the migrations; a rolled-back
transaction per test; real Redis on a private database number; no network, no SMTP."""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session

from crm import create_app
from crm.config import _normalise_db_url
from crm.extensions import db
from tests import factories

BASE_URL = os.environ.get("DATABASE_URL", "")
IS_POSTGRES = BASE_URL.startswith(("postgres", "postgresql"))


def _create_database(tmp_dir: Path) -> tuple[str, callable]:
    """A new, empty database for this run, and the function that drops it."""
    if not IS_POSTGRES:
        return f"sqlite:///{tmp_dir / 'test.db'}", lambda: None
    server = sa.make_url(_normalise_db_url(BASE_URL))
    name = f"cskh_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = _create_database(tmp_path_factory.mktemp("db"))
    yield url
    drop()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RUN_PERIODIC_THREAD": False,
        "SERVER_NAME": "cskh.test",
        "PUBLIC_BASE_URL": "http://cskh.test",
        "ATTACHMENT_DIR": str(tmp_path_factory.mktemp("attachments")),
        "CHANNELS": {},
    })
    app.extensions.pop("cskh_redis", None)
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return app


class ConnectionBoundSession(Session):
    """Flask-SQLAlchemy's session picks an engine per table; the test's must use its connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def db_session(app):
    """The test's session, inside a transaction that is rolled back afterwards.

    Code under test may commit: commits release a savepoint of the outer transaction.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": ConnectionBoundSession})
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


#: Tables the migrations fill with reference data; committed tests get them back afterwards
#: (parents before children).
REFERENCE_TABLES = ("sla_policies", "tariff_versions", "tariff_tiers", "vat_rates")


@pytest.fixture
def committed_db(app):
    """For tests that need other connections to see their data: truncates every table after."""
    with app.app_context():
        with db.engine.connect() as conn:
            saved = {name: [dict(r._mapping) for r in conn.execute(
                db.metadata.tables[name].select())] for name in REFERENCE_TABLES}
        yield db.session
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.exec_driver_sql(f"DELETE FROM {table}")
            for name, rows in saved.items():
                if rows:
                    conn.execute(db.metadata.tables[name].insert(), rows)
                if rows and conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                                         f" (SELECT max(id) FROM {name}))")


@pytest.fixture(scope="session")
def refused_port():
    """A loopback port bound by nobody listening: every connection to it is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def notice_channels(app, monkeypatch, refused_port):
    """Every notice channel configured (Zalo, the SMS gateway, e-mail, Telegram).

    Notices only go on channels whose adapter is configured, and the test app configures
    none: tests that expect a notice to be written use this. Every provider address is a
    loopback port that refuses connections, so a notice the dispatcher does try fails as
    retryable and stays queued; tests that check what was sent stub the provider instead.
    """
    dead = f"http://127.0.0.1:{refused_port}"
    settings = {
        "SMS_GATEWAY_URL": f"{dead}/mt", "SMS_GATEWAY_TOKEN": "gw-token",
        "SMS_GATEWAY_SECRET": "gw-secret",
        "SMTP_URL": f"smtp://127.0.0.1:{refused_port}", "MAIL_FROM": "CSKH <cskh@pc05.vn>",
        "ZALO_APP_ID": "zalo-app", "ZALO_OA_SECRET_KEY": "zalo-oa-secret",
        "ZALO_ACCESS_TOKEN": "zalo-token", "ZALO_API_BASE": dead, "ZALO_OAUTH_BASE": dead,
        "TELEGRAM_BOT_TOKEN": "123:telegram", "TELEGRAM_WEBHOOK_SECRET": "tg-secret",
        "TELEGRAM_API_BASE": dead,
    }
    monkeypatch.setitem(app.config, "CHANNELS", settings)
    return settings


@pytest.fixture
def make(db_session):
    """The factories, bound to the test session: `make.customer(name=...)`."""
    return factories.Factories(db_session)


class RequestScopedClient(FlaskClient):
    """Each request gets its own app context, `g` and session, as in production.

    The test's pending changes are flushed first (the request's session shares the test's
    connection, so it sees them) and the test's objects are expired afterwards, so they
    show what the request committed.
    """

    def open(self, *args, **kwargs):
        db.session.flush()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app, db_session):
    app.test_client_class = RequestScopedClient
    return app.test_client()


@pytest.fixture
def login(client):
    """Log a user in through the real login form: `login(user)`."""
    def _login(user, password=factories.PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user
    return _login


@pytest.fixture
def redis_conn():
    """Real Redis (REDIS_URL) on database 15, flushed around the test; skipped without Redis."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    from redis import Redis

    conn = Redis.from_url(url, db=15)
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any connection outside loopback fails the test: providers are stubbed at the HTTP layer."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") \
                and not host.startswith("/"):
            raise RuntimeError(f"network access to {address!r} in a test")
        return real_connect(sock, address)
    monkeypatch.setattr(socket.socket, "connect", guarded)
