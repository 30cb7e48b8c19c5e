"""The alerts' POST forms: nothing to fill in, but each carries its CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm


class MarkReadForm(FlaskForm):
    """Mark one alert, or all of them, read."""
