"""The bot's flows: each is a menu entry with a start and named steps.

A flow module registers a `Flow` at import; the menu shows them in registration order.
`start(turn)` runs when the customer picks the flow (its button, its SMS keyword typed
bare, or a phrase of `phrases` in free text); then the step the conversation is at gets
every later message until the flow ends (`state.go(conv, None)`). A step returns False
when it did not understand the answer (it has asked again); the brain counts those and
hands the conversation to an agent when they pile up.

Adding an intent is one module: write `start` and its steps, `register(Flow(...))`, and
import the module at the bottom of this file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from crm.bot.turn import Turn

Step = Callable[[Turn], bool]


@dataclass(frozen=True)
class Flow:
    name: str
    label: object                          #: the menu button's text (lazy, Vietnamese)
    start: Callable[[Turn], None]
    steps: dict[str, Step] = field(default_factory=dict)
    #: steps answered with buttons: a typed number or label picks a button there
    choice_steps: frozenset[str] = frozenset()
    keyword: str | None = None             #: the SMS keyword command it stands for
    phrases: tuple[str, ...] = ()          #: folded phrases that start it from free text


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def by_keyword(command: str) -> Flow | None:
    return next((f for f in FLOWS.values() if f.keyword == command), None)


def by_phrase(folded: str) -> Flow | None:
    """The flow whose phrase occurs in the folded text as whole words (longest wins)."""
    haystack = f" {folded} "
    found = [(len(p), f) for f in FLOWS.values() for p in f.phrases if f" {p} " in haystack]
    return max(found, key=lambda pair: pair[0])[1] if found else None


# The menu, in this order.
from crm.bot.flows import outage, status, connection, lookups, rating  # noqa: E402,F401
