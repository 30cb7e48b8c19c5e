"""`flask --app wsgi create-user`: one account per success, nothing saved on any refusal."""
import pytest
import sqlalchemy as sa

from crm.models import Role, User

GOOD_PASSWORD = "mot-mat-khau-du-dai"


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


@pytest.fixture
def district(make):
    return make.district(code="PC09AA", name="Điện lực Thử Nghiệm")


def create_user(runner, *args, **kw):
    return runner.invoke(args=["create-user", *args], **kw)


def user_named(session, username):
    return session.scalar(sa.select(User).where(User.username == username))


def user_count(session):
    return session.scalar(sa.select(sa.func.count()).select_from(User))


def test_create_user_adds_a_district_staff_account_that_can_log_in(runner, db_session,
                                                                   district):
    result = create_user(runner, "dl.pc09aa", "--role", "district_staff", "--district",
                         "pc09aa", "--password", GOOD_PASSWORD, "--full-name", "Lê Văn Tám",
                         "--email", "Tam.Le@Example.com")
    assert result.exit_code == 0, result.output
    assert "dl.pc09aa" in result.output and "PC09AA" in result.output
    user = user_named(db_session, "dl.pc09aa")
    assert user.role == Role.DISTRICT_STAFF and user.district_id == district.id
    assert user.full_name == "Lê Văn Tám" and user.email == "tam.le@example.com"
    assert user.check_password(GOOD_PASSWORD)


def test_create_user_asks_for_the_password_twice_when_it_is_not_given(runner, db_session):
    result = create_user(runner, "giamsat2", "--role", "supervisor",
                         input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output
    user = user_named(db_session, "giamsat2")
    assert user.role == Role.SUPERVISOR and user.district_id is None
    assert user.check_password(GOOD_PASSWORD)


def test_two_different_passwords_at_the_prompt_save_nothing(runner, db_session):
    result = create_user(runner, "tongdai9", "--role", "agent",
                         input=f"{GOOD_PASSWORD}\nmot-mat-khau-khac-han\n")
    assert result.exit_code == 1
    assert user_named(db_session, "tongdai9") is None


def test_an_unknown_district_code_is_refused(runner, db_session, district):
    before = user_count(db_session)
    result = create_user(runner, "dl.x", "--role", "district_staff", "--district", "PC99ZZ",
                         "--password", GOOD_PASSWORD)
    assert result.exit_code == 1
    assert "Không có Điện lực mã PC99ZZ" in result.output
    assert user_count(db_session) == before


def test_district_staff_without_a_district_is_refused(runner, db_session):
    before = user_count(db_session)
    result = create_user(runner, "dl.y", "--role", "district_staff", "--password",
                         GOOD_PASSWORD)
    assert result.exit_code == 1 and "--district" in result.output
    assert user_count(db_session) == before


def test_a_short_password_is_refused(runner, db_session):
    result = create_user(runner, "tongdai8", "--role", "agent", "--password", "ngan123")
    assert result.exit_code == 1 and "ít nhất 10 ký tự" in result.output
    assert user_named(db_session, "tongdai8") is None


def test_an_existing_username_is_refused_and_left_unchanged(runner, db_session, make):
    existing = make.user(username="tongdai7", role=Role.AGENT)
    result = create_user(runner, "tongdai7", "--role", "admin", "--password", GOOD_PASSWORD)
    assert result.exit_code == 1 and "tongdai7 đã tồn tại" in result.output
    db_session.expire_all()
    assert user_named(db_session, "tongdai7").role == Role.AGENT
    assert user_named(db_session, "tongdai7").id == existing.id


def test_an_unknown_role_is_a_usage_error(runner, db_session):
    result = create_user(runner, "ai-do", "--role", "boss", "--password", GOOD_PASSWORD)
    assert result.exit_code == 2
    assert user_named(db_session, "ai-do") is None
