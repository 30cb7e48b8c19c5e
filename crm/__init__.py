"""CSKH: omnichannel customer care and CRM ticketing for a power utility."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from crm.config import ROOT, Config

BLUEPRINTS = (
    "crm.auth.views", "crm.inbox.views", "crm.tickets.views", "crm.customers.views",
    "crm.tickets.intake", "crm.tickets.steps_views", "crm.tickets.links_views",
    "crm.incidents.views", "crm.routing.views", "crm.alerts.views", "crm.admin.views",
    "crm.health", "crm.households.views", "crm.households.ticket_views",
    "crm.planned_outages.views", "crm.billing.views", "crm.api.views",
    "crm.webhooks.email",
    "crm.webhooks.sms", "crm.admin.channels", "crm.consumption.views",
    "crm.webhooks.voice", "crm.calls.views",
    "crm.webhooks.zalo",
    "crm.webhooks.telegram",
    "crm.bot.views",
    "crm.csat.views", "crm.billing.bills_views",
    "crm.notifications.views",
    "crm.notifications.template_admin", "crm.notifications.status_page",
)
CLI = ("crm.auth.cli", "crm.seed", "workflows.sla.cli", "crm.planned_outages.cli",
       "crm.households.cli", "crm.billing.cli", "crm.api.cli", "crm.channels_cli",
       "crm.consumption.cli", "crm.calls.cli",
       "crm.telegram_cli", "crm.billing.bills_cli")


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app; nothing here touches the database (workers fork after this)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.from_mapping(Config.from_env().as_dict())
    app.config.update(MIGRATIONS_DIR=ROOT / "migrations", TRANSLATIONS_DIR=ROOT / "translations")
    if config:
        app.config.update(config)
    Path(app.config["ATTACHMENT_DIR"]).mkdir(parents=True, exist_ok=True)

    import crm.models  # noqa: F401  (every table known to Alembic and the ORM)
    from crm import extensions, web
    from crm.core import db as _sqlite_setup, queue, schedule  # noqa: F401

    extensions.init_app(app)
    queue.init_app(app)
    web.init_app(app)
    _register(app)
    schedule.init_app(app)
    return app


def _register(app: Flask) -> None:
    import importlib

    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in CLI:
        importlib.import_module(name).init_app(app)
