"""`flask --app wsgi households rehash`: recompute the citizen ID digests.

The digests are keyed from SECRET_KEY; after SECRET_KEY changes, the old digests no longer
match new entries, so duplicates would go unnoticed until this is run once.
"""
from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from crm.extensions import db
from crm.households.citizen_ids import digest
from crm.models import Household

BATCH = 1000


households_cli = AppGroup("households", help="Sổ hộ dùng chung công tơ.")


def init_app(app: Flask) -> None:
    app.cli.add_command(households_cli)


@households_cli.command("rehash", help="Tính lại mã băm số CCCD sau khi đổi SECRET_KEY.")
def rehash() -> None:
    """Rewrite every digest that differs from the current key's, in batches; commits."""
    changed, last_id = 0, 0
    while True:
        rows = db.session.scalars(sa.select(Household).where(Household.id > last_id)
                                  .order_by(Household.id).limit(BATCH)).all()
        if not rows:
            break
        for household in rows:
            value = digest(household.citizen_id)
            if household.citizen_id_digest != value:
                household.citizen_id_digest = value
                changed += 1
        last_id = rows[-1].id
        db.session.commit()
    click.echo(json.dumps({"changed": changed}))
