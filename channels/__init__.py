"""Channel adapters, one per provider, behind the interface in `channels.base`.

`ADAPTERS` maps a crm channel (sms, email, zalo, ...) to the adapter classes that can
carry it, in order of preference; `for_channel` returns the first one configured.
"""
from __future__ import annotations

from typing import Any, Mapping

from channels.base import ChannelAdapter, NotConfigured

ADAPTERS: dict[str, list[type[ChannelAdapter]]] = {}


def register(cls: type[ChannelAdapter]) -> type[ChannelAdapter]:
    ADAPTERS.setdefault(cls.channel, []).append(cls)
    return cls


def for_channel(channel: str, settings: Mapping[str, Any]) -> ChannelAdapter:
    """The configured adapter for `channel`; raises NotConfigured when there is none."""
    for cls in ADAPTERS.get(channel, []):
        adapter = cls(settings)
        if adapter.is_configured():
            return adapter
    raise NotConfigured(channel)


def by_name(name: str) -> type[ChannelAdapter]:
    """The adapter class registered under `name` (e.g. "twilio_sms"); KeyError if none."""
    for classes in ADAPTERS.values():
        for cls in classes:
            if cls.name == name:
                return cls
    raise KeyError(name)


def status(settings: Mapping[str, Any]) -> dict[str, bool]:
    """{channel: configured?} for the settings page."""
    return {channel: any(cls(settings).is_configured() for cls in classes)
            for channel, classes in ADAPTERS.items()}


# Adapters register themselves on import. For SMS the local gateway comes first: in Vietnam
# it is the one that reaches customers; Twilio is the fallback when no gateway is configured.
from channels import sms_gateway, twilio_sms  # noqa: E402,F401
from channels import email  # noqa: E402,F401
# The hotline: Twilio Voice and the PBX connector (a call carries no text: send() refuses).
from channels import pbx, twilio_voice  # noqa: E402,F401
# The Telegram bot (python-telegram-bot).
from channels import telegram  # noqa: E402,F401
# Zalo Official Account (customer-service messages and ZNS).
from channels import zalo  # noqa: E402,F401
