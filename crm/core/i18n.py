"""Locale and time-zone selection for Flask-Babel: Vietnamese unless the user chose English."""
from flask import current_app, has_request_context, session
from flask_login import current_user


def select_locale() -> str:
    """The session's choice, else the user's saved one, else Vietnamese (also outside requests)."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    languages = current_app.config["LANGUAGES"]
    if (lang := session.get("lang")) in languages:
        return lang
    if getattr(current_user, "locale", None) in languages:
        return current_user.locale
    return default


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
