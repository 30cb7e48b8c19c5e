"""Kênh liên lạc (channels page): every registered adapter, read-only, for admins.

Shows whether each adapter is configured, the webhook URLs to give its provider, its last
traffic and last error (crm.core.channel_state), and its settings with every credential
cut to its last four characters. Adapters colleagues add appear by themselves: the page
iterates the registry; an adapter may declare `webhook_paths` and `setting_names`, else
they are guessed from its name.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, current_app, render_template
from flask_login import login_required

import channels
from channels.base import ChannelAdapter
from crm.core import channel_state
from crm.core.permissions import roles_required
from crm.models import ChannelState, Role

bp = Blueprint("admin_channels", __name__, url_prefix="/admin")

#: Setting names that hold credentials: only their last four characters are ever shown.
SECRET_WORDS = ("TOKEN", "SECRET", "SID", "KEY", "PASSWORD")


@dataclass(frozen=True)
class AdapterRow:
    name: str
    channel: str
    configured: bool
    sends: bool                           #: the adapter outbound messages of its channel use
    webhook_urls: list[str]
    settings: list[tuple[str, str | None]]
    state: ChannelState | None


@bp.get("/channels")
@login_required
@roles_required(Role.ADMIN)
def index():
    """The channel list; reads only."""
    return render_template("admin/channels.html", rows=adapter_rows())


def adapter_rows() -> list[AdapterRow]:
    settings = current_app.config["CHANNELS"]
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    states = channel_state.states()
    rows = []
    for channel, classes in sorted(channels.ADAPTERS.items()):
        configured = [cls(settings).is_configured() for cls in classes]
        sender = configured.index(True) if True in configured else None
        for position, cls in enumerate(classes):
            rows.append(AdapterRow(
                name=cls.name, channel=channel, configured=configured[position],
                sends=position == sender,
                webhook_urls=[base + path for path in webhook_paths(cls)],
                settings=[(key, shown(key, settings.get(key))) for key in setting_names(cls)],
                state=states.get(cls.name)))
    return rows


def webhook_paths(cls: type[ChannelAdapter]) -> list[str]:
    """The adapter's declared paths, else the app's /channels/<name as a path> routes."""
    if declared := getattr(cls, "webhook_paths", None):
        return list(declared)
    prefixes = {f"/channels/{cls.name.replace('_', sep)}" for sep in ("/", "-")}
    return sorted(rule.rule for rule in current_app.url_map.iter_rules()
                  if any(rule.rule == p or rule.rule.startswith(p + "/") for p in prefixes))


def setting_names(cls: type[ChannelAdapter]) -> list[str]:
    """The adapter's declared settings, else those starting with its name's first word."""
    if declared := getattr(cls, "setting_names", None):
        return list(declared)
    prefix = cls.name.split("_")[0].upper() + "_"
    return sorted(key for key in current_app.config["CHANNELS"] if key.startswith(prefix))


def shown(name: str, value: str | None) -> str | None:
    """What the page may print of a setting: "…1234" for credentials, URLs without userinfo."""
    if not value:
        return None
    if any(word in name for word in SECRET_WORDS):
        return "…" + value[-4:] if len(value) >= 12 else "…"
    parts = urlsplit(value)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return value
