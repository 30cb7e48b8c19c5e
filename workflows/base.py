"""The shape every ticket type shares: steps, the fields each step needs, results, notices.

A type is declared, not programmed: `steps` in order, `step_fields` (what must be filled to
enter a step), `result_choices` (how a ticket can end) and `notices` (what the customer is
told). `crm.tickets.steps` enforces them and `crm.tickets.steps_views` builds forms from them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from flask_babel import lazy_gettext as _l

#: The kinds of value a step can ask for (each maps to one form input and one stored form).
KINDS = frozenset({"text", "textarea", "date", "datetime", "number", "choice", "phone"})
#: Names the step form uses itself, so a field may not take them.
RESERVED = frozenset({"step", "csrf_token", "result", "note"})

#: Where a ticket's result is kept in `ticket.details`, next to one entry per step.
RESULT_KEY = "result"

YES_NO = (("yes", _l("Có")), ("no", _l("Không")))


@dataclass(frozen=True)
class Field:
    """One value a step records, e.g. `Field("meter_serial", _l("Số công tơ"))`."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    #: "past": a date/time something happened (not in the future); "future": an appointment
    when: str | None = None
    minimum: float | None = None          #: numbers: the smallest value accepted
    only_for: tuple[str, ...] = ()        #: subtypes that ask for it (empty: every subtype)

    def __post_init__(self):
        if self.kind not in KINDS or self.name in RESERVED or not self.name.isidentifier():
            raise ValueError(f"bad field {self.name!r} of kind {self.kind!r}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"field {self.name!r}: choices go with kind 'choice' only")

    def choice_label(self, value) -> str:
        return str(dict(self.choices).get(value, value if value is not None else ""))


@dataclass(frozen=True)
class Result:
    """How a ticket can end; the first of a type's results is the one its last step gives."""

    code: str
    label: str
    note_required: bool = False           #: e.g. a refusal must say why




class Workflow:
    name: ClassVar[str]
    title: ClassVar[str]
    #: subtype key → label; empty when the type has none
    subtypes: ClassVar[dict[str, str]] = {}
    #: ordered step keys → labels; the first is where every ticket starts
    steps: ClassVar[dict[str, str]] = {"received": _l("Tiếp nhận")}
    #: step → the fields that must be filled to ENTER it (optional ones are marked so)
    step_fields: ClassVar[dict[str, tuple[Field, ...]]] = {}
    #: steps that may be passed over on the way forward (e.g. no appointment needed)
    skippable: ClassVar[frozenset[str]] = frozenset()
    #: how a ticket ends; the first is given by reaching the last step
    result_choices: ClassVar[tuple[Result, ...]] = (
        Result("done", _l("Đã giải quyết")),
        Result("cancelled", _l("Khách hàng hủy yêu cầu"), note_required=True))
    #: step → the sentence telling the customer it is done (placeholders: {ma_phieu} and
    #: the step's field names); the notice template adds the due date and the status link
    notices: ClassVar[dict[str, str]] = {}
    #: outages and similar: handled first, shown first
    default_priority: ClassVar[str] = "normal"

    def check(self) -> None:
        """Raise ValueError when the declaration contradicts itself (run at import)."""
        steps = set(self.steps)
        problems = [f"unknown step {k!r}" for k in
                    (set(self.step_fields) | self.skippable) - steps]
        problems += [f"notice for unknown {k!r}" for k in set(self.notices) - steps]
        problems += [f"step {k!r} is a reserved name" for k in steps & {RESULT_KEY}]
        if len(self.steps) < 2 or not self.result_choices or self.last_step() in self.skippable:
            problems.append("needs two steps, a result, and a last step that is not skippable")
        for step in self.steps:
            names = [f.name for f in self.step_fields.get(step, ())]
            if len(names) != len(set(names)):
                problems.append(f"step {step!r} repeats a field")
        if problems:
            raise ValueError(f"workflow {self.name}: " + "; ".join(problems))

    def first_step(self) -> str:
        return next(iter(self.steps))

    def last_step(self) -> str:
        return list(self.steps)[-1]

    def step_title(self, key: str | None) -> str:
        return str(self.steps.get(key, key or ""))

    def subtype_title(self, key: str | None) -> str:
        return str(self.subtypes.get(key, key or ""))

    def fields_for(self, step: str, subtype: str | None = None) -> tuple[Field, ...]:
        """The fields entering `step` asks for, for a ticket of this subtype."""
        return tuple(f for f in self.step_fields.get(step, ())
                     if not f.only_for or subtype in f.only_for)

    def next_steps(self, current: str | None) -> list[str]:
        """The steps a ticket at `current` may enter: the next one, and past skippable ones."""
        keys = list(self.steps)
        index = keys.index(current) if current in self.steps else 0
        allowed = []
        for key in keys[index + 1:]:
            allowed.append(key)
            if key not in self.skippable:
                break
        return allowed

    def success(self) -> Result:
        return self.result_choices[0]

    def result(self, code: str | None) -> Result | None:
        return next((r for r in self.result_choices if r.code == code), None)

    def notice(self, step: str) -> str | None:
        """The type's sentence telling the customer `step` is done, if it sends one."""
        return self.notices.get(step)

    def on_created(self, ticket) -> None:
        """Called once the new ticket is flushed (its clock started): type-specific set-up."""

    def on_status_changed(self, ticket, old_status) -> None:
        """Called after every status change, in the same transaction."""

    def validate_subtype(self, subtype: str | None) -> str | None:
        """The subtype to store; ValueError when the type needs one and it is wrong."""
        if not self.subtypes:
            return None
        if subtype not in self.subtypes:
            raise ValueError(subtype)
        return subtype
