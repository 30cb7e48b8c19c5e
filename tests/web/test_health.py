"""`GET /healthz`: what load balancers and monitoring read."""
import pytest
from redis import Redis
from sqlalchemy.exc import OperationalError

from crm.extensions import db


@pytest.fixture
def use_redis(app):
    """Put a Redis connection where the app looks for it, and put back what was there."""
    saved = app.extensions.get("cskh_redis")

    def use(conn):
        app.extensions["cskh_redis"] = conn
    yield use
    if saved is None:
        app.extensions.pop("cskh_redis", None)
    else:
        app.extensions["cskh_redis"] = saved


def test_healthz_is_ok_with_the_database_and_no_redis_configured(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_reports_a_reachable_redis_as_ok(client, use_redis, redis_conn):
    use_redis(redis_conn)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_is_503_degraded_when_redis_refuses_connections(client, use_redis):
    use_redis(Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["redis"].startswith("error")


def test_healthz_is_503_degraded_when_the_database_fails(client, monkeypatch):
    def broken(*_args, **_kw):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))
    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "error: OperationalError"
