"""Settings, read from the environment (and a `.env` file beside `wsgi.py`).

Every setting has a zero-setup default so `make run` needs no servers: SQLite
under `instance/`, jobs in-process, channels "not configured".
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

#: Provider credentials and endpoints, passed through unchanged to the channel adapters.
CHANNEL_SETTINGS = (
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_API_BASE",
    "ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN", "ZALO_REFRESH_TOKEN",
    "ZALO_API_BASE", "ZALO_OAUTH_BASE",
    # the App Secret (OAuth token refresh) and the ZNS templates for replies and notices
    # Zalo refused (after 7 days, or to a user who does not follow the OA)
    "ZALO_APP_SECRET", "ZALO_ZNS_TEMPLATE_REPLY", "ZALO_ZNS_TEMPLATE_NOTICE",
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE",
    "IMAP_URL", "SMTP_URL", "MAIL_FROM", "INBOUND_EMAIL_TOKEN",
    # the Vietnamese SMS gateway (brandname / short code) beside Twilio
    "SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "SMS_GATEWAY_SECRET", "SMS_GATEWAY_BRANDNAME",
    # the on-premise PBX / CTI connector of the 1900 switchboard
    "PBX_EVENTS_TOKEN",
    # where the IVR's "0: talk to an agent" dials (a phone number or sip: URI)
    "HOTLINE_AGENT_DIAL",
)


def _normalise_db_url(url: str) -> str:
    """Accept the common `postgres://` spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in `instance/`."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Config:
    SECRET_KEY: str = ""
    SQLALCHEMY_DATABASE_URI: str = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = field(default_factory=lambda: {"pool_pre_ping": True})
    REDIS_URL: str | None = None
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    TIMEZONE: str = "Asia/Ho_Chi_Minh"
    BABEL_DEFAULT_LOCALE: str = "vi"
    BABEL_DEFAULT_TIMEZONE: str = "Asia/Ho_Chi_Minh"
    LANGUAGES: tuple = ("vi", "en")
    ATTACHMENT_DIR: str = str(INSTANCE / "attachments")
    MAX_ATTACHMENT_BYTES: int = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH: int = 12 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False
    REMEMBER_COOKIE_HTTPONLY: bool = True
    REMEMBER_COOKIE_SECURE: bool = False
    PERMANENT_SESSION_LIFETIME: int = 12 * 3600
    WTF_CSRF_TIME_LIMIT: int = 12 * 3600
    LOGIN_RATE_LIMIT: str = "5 per minute"
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_HEADERS_ENABLED: bool = True
    #: In-process periodic runner (only without Redis); off in tests.
    RUN_PERIODIC_THREAD: bool = True
    CHANNELS: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Config":
        """Build the settings from the environment, after loading `.env` if present."""
        load_dotenv(ROOT / ".env")
        env = os.environ.get
        cfg = cls()
        cfg.SECRET_KEY = _secret_key()
        cfg.SQLALCHEMY_DATABASE_URI = _normalise_db_url(
            env("DATABASE_URL") or f"sqlite:///{INSTANCE / 'cskh.db'}")
        cfg.REDIS_URL = env("REDIS_URL") or None
        cfg.PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL") or cfg.PUBLIC_BASE_URL).rstrip("/")
        cfg.ATTACHMENT_DIR = env("ATTACHMENT_DIR") or cfg.ATTACHMENT_DIR
        if size := env("MAX_ATTACHMENT_BYTES"):
            cfg.MAX_ATTACHMENT_BYTES = int(size)
            cfg.MAX_CONTENT_LENGTH = int(size) + 2 * 1024 * 1024
        secure = cfg.PUBLIC_BASE_URL.startswith("https://")
        cfg.SESSION_COOKIE_SECURE = cfg.REMEMBER_COOKIE_SECURE = secure
        if cfg.REDIS_URL:
            cfg.RATELIMIT_STORAGE_URI = cfg.REDIS_URL
        cfg.CHANNELS = {name: env(name) or None for name in CHANNEL_SETTINGS}
        return cfg

    def as_dict(self) -> dict:
        return dict(self.__dict__)
