"""Jobs that tests enqueue: small, importable by dotted path, with a visible effect."""
from crm.extensions import db
from crm.models import Customer

RUNS: list[str] = []


def set_customer_note(customer_id: int, note: str) -> None:
    db.session.get(Customer, customer_id).note = note


def count_run(name: str) -> None:
    RUNS.append(name)


def explode() -> None:
    raise RuntimeError("boom")
