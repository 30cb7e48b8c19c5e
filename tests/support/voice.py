"""Twilio Voice and PBX requests as the providers send them: signed with twilio's own
RequestValidator, or carrying the PBX bearer token."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"
API_BASE = "https://twilio-gateway.test"
AGENT_DIAL = "+842873001234"
PBX_TOKEN = "pbx-connector-token"
BASE_URL = "http://cskh.test"           #: the test app's PUBLIC_BASE_URL
HOTLINE = "+842873009999"

SETTINGS = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE": API_BASE, "HOTLINE_AGENT_DIAL": AGENT_DIAL,
            "PBX_EVENTS_TOKEN": PBX_TOKEN}


def signature(url: str, form: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def twilio_post(client, path_or_url: str, form: dict, *, token: str = AUTH_TOKEN, headers=None):
    """POST `form` to a path (or an absolute URL the TwiML gave) signed like Twilio does."""
    parts = urlsplit(path_or_url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    url = BASE_URL + path
    return client.post(path, data=form, headers={
        "X-Twilio-Signature": signature(url, form, token), **(headers or {})})


def call_form(call_sid: str, caller: str, **extra) -> dict:
    return {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": caller, "To": HOTLINE,
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
            **extra}


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data())


def said(root: ET.Element) -> str:
    """Everything <Say> says, in order, in one string."""
    return " ".join(say.text or "" for say in root.iter("Say"))


def pbx_post(client, event: dict, *, token: str | None = PBX_TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post("/channels/pbx/events", json=event, headers=headers)
