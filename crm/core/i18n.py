"""Locale and time-zone selection for Flask-Babel: Vietnamese unless the user chose English."""
from flask import current_app, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if (lang := session.get("lang")) in languages:
        return lang
    if current_user and getattr(current_user, "locale", None) in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"] if request else "vi"


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
