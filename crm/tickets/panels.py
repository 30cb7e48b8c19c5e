"""Panels of the ticket page that features add without editing the page itself.

A feature registers a template and a function giving its context; the ticket page renders
every registered panel that has something to show (the function returns None otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import render_template
from markupsafe import Markup

Context = Callable[..., dict | None]     #: (ticket, user) -> template context, or None


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Context
    column: str = "side"                 #: "main" (under the header) or "side"
    order: int = 50


PANELS: dict[str, Panel] = {}


def register(name: str, template: str, context: Context, *, column: str = "side",
             order: int = 50) -> None:
    """Add (or replace) a panel; called at import by the module that owns it."""
    if column not in ("main", "side"):
        raise ValueError(column)
    PANELS[name] = Panel(name, template, context, column, order)


def render(ticket, user) -> dict[str, list[Markup]]:
    """{"main": [...], "side": [...]}: each panel's HTML, in order."""
    out: dict[str, list[Markup]] = {"main": [], "side": []}
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(ticket, user)
        if context is not None:
            out[panel.column].append(Markup(render_template(panel.template, ticket=ticket,
                                                            **context)))
    return out
