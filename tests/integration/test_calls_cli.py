"""`flask --app wsgi calls extension`: whose desk a PBX extension is on."""
import pytest

from crm.models import AuditEvent, User


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def extension(runner, *args):
    return runner.invoke(args=["calls", "extension", *args])


def test_an_extension_is_set_then_cleared_and_audited(runner, db_session, make):
    user = make.user(username="tongdai9")
    result = extension(runner, "tongdai9", "101")
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.get(User, user.id).phone_extension == "101"
    assert db_session.query(AuditEvent).filter_by(entity="user", entity_id=user.id,
                                                  action="extension_changed").count() == 1
    assert extension(runner, "tongdai9").exit_code == 0
    db_session.expire_all()
    assert db_session.get(User, user.id).phone_extension is None


def test_an_extension_already_on_another_desk_or_a_bad_one_is_refused(runner, db_session, make):
    make.user(username="tongdai8", phone_extension="101")
    user = make.user(username="tongdai9")
    taken = extension(runner, "tongdai9", "101")
    assert taken.exit_code == 1 and "tongdai8" in taken.output
    assert extension(runner, "tongdai9", "10 1").exit_code == 1
    assert extension(runner, "nobody", "102").exit_code == 1
    db_session.expire_all()
    assert db_session.get(User, user.id).phone_extension is None
