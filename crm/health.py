"""`GET /healthz`: database and Redis status, for load balancers and monitoring."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from crm.extensions import db

bp = Blueprint("health", __name__)


def _check_database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "ok"
    except Exception as exc:  # report, never raise: this is what monitoring reads
        db.session.rollback()
        return f"error: {type(exc).__name__}"


def _check_redis() -> str:
    redis = current_app.extensions.get("cskh_redis")
    if redis is None:
        return "not configured"
    try:
        redis.ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


@bp.get("/healthz")
def healthz():
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(v in ("ok", "not configured") for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503
