"""The migrations build exactly the schema the models describe, on either database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm.core.db import is_modelled
from crm.extensions import db


def test_migrations_match_the_models(db_session):
    context = MigrationContext.configure(db_session.connection(),
                                         opts={"include_object": is_modelled})
    assert compare_metadata(context, db.metadata) == []
