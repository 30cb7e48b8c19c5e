"""Login, logout, the language switch and the session cookie."""
import re

import pytest
from flask import url_for

from crm.config import Config
from crm.extensions import limiter
from tests.factories import PASSWORD

WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


def inbox_url(app) -> str:
    with app.test_request_context():
        return url_for("inbox.index")


def post_login(client, username, password=PASSWORD, query="", **kw):
    return client.post("/login" + query, data={"username": username, "password": password}, **kw)


def fresh_get(app, client, path):
    """GET in its own app context, as in production; the test's context would otherwise
    carry `g` (the loaded user, the chosen locale) over from the previous request."""
    with app.app_context():
        return client.get(path)


def logged_in_user_id(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def rate_limits(app):
    """Flask-Limiter switched on with empty in-memory counters, and off again afterwards.

    The test app starts with it off, so `init_app` stopped early and set up no storage;
    running it again here finishes that. The limiter is put in the app's registry first so
    it does not add request hooks to an app that has already served requests: the login
    view's decorators check the limits themselves.
    """
    saved = {key: app.config.get(key) for key in ("RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI")}
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    limiter.reset()
    yield limiter
    limiter.reset()
    limiter.enabled = False
    app.config.update(saved)


def test_a_correct_login_redirects_to_the_inbox(app, client, make):
    user = make.user()
    response = post_login(client, user.username)
    assert response.status_code == 302
    assert response.location == inbox_url(app)
    assert logged_in_user_id(client) == str(user.id)


def test_a_wrong_password_gets_401_with_the_vietnamese_message(client, make):
    user = make.user()
    response = post_login(client, user.username, "sai-mat-khau-roi")
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(client, db_session):
    response = post_login(client, "khong-ton-tai")
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)


def test_an_inactive_user_cannot_log_in(client, make):
    user = make.user(is_active_account=False)
    response = post_login(client, user.username)
    assert response.status_code == 401
    assert logged_in_user_id(client) is None


def test_an_empty_form_is_a_400_not_a_crash(client, db_session):
    assert client.post("/login", data={}).status_code == 400


def test_next_is_honoured_for_a_local_path(client, make):
    user = make.user()
    response = post_login(client, user.username, query="?next=/customers/42")
    assert response.status_code == 302 and response.location == "/customers/42"


@pytest.mark.parametrize("target", ["//evil.example", "http://evil.example",
                                    "https://evil.example/login", "javascript:alert(1)"])
def test_next_pointing_to_another_site_is_ignored(app, client, make, target):
    user = make.user()
    response = post_login(client, user.username, query=f"?next={target}")
    assert response.status_code == 302 and response.location == inbox_url(app)


def test_logout_needs_a_post(client, login, make):
    user = login(make.user())
    assert client.get("/logout").status_code == 405
    assert logged_in_user_id(client) == str(user.id)
    response = client.post("/logout")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert logged_in_user_id(client) is None


def test_a_post_without_a_csrf_token_is_refused_when_csrf_is_on(client, make, csrf_on):
    user = make.user()
    response = post_login(client, user.username)
    assert response.status_code == 400
    assert "thiếu mã bảo vệ (CSRF)" in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None


def test_the_login_form_carries_a_working_csrf_token(client, make, csrf_on):
    user = make.user()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 302


def test_the_sixth_failed_login_within_a_minute_is_refused_with_429(client, make, rate_limits):
    user = make.user()
    for _ in range(5):
        assert post_login(client, user.username, "sai-mat-khau-roi").status_code == 401
    response = post_login(client, user.username, "sai-mat-khau-roi")
    assert response.status_code == 429
    assert "Bạn thao tác quá nhanh" in response.get_data(as_text=True)


def test_one_username_is_limited_even_from_many_addresses(client, make, rate_limits):
    user, other = make.user(), make.user()
    for n in range(5):
        response = post_login(client, user.username, "sai-mat-khau-roi",
                              environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        assert response.status_code == 401
    blocked = post_login(client, user.username, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert blocked.status_code == 429
    allowed = post_login(client, other.username, environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert allowed.status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make):
    user = make.user()
    response = post_login(client, user.username)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_when_the_public_url_is_https(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cskh.example.vn/")
    config = Config.from_env()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.PUBLIC_BASE_URL == "https://cskh.example.vn"


def test_cookies_are_not_secure_on_plain_http(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    config = Config.from_env()
    assert not config.SESSION_COOKIE_SECURE and not config.REMEMBER_COOKIE_SECURE


def test_the_language_switch_turns_pages_english_for_the_session(app, client, db_session):
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)
    response = client.post("/lang/en", data={"next": "/login"})
    assert response.status_code == 302 and response.location == "/login"
    assert '<html lang="en">' in fresh_get(app, client, "/login").get_data(as_text=True)
    other_browser = app.test_client()
    assert '<html lang="vi">' in fresh_get(app, other_browser, "/login").get_data(as_text=True)


def test_an_unknown_language_is_ignored(app, client, db_session):
    client.post("/lang/fr", data={"next": "/login"})
    assert '<html lang="vi">' in fresh_get(app, client, "/login").get_data(as_text=True)


@pytest.mark.parametrize("stale_id", ["999999", "abc"])
def test_a_session_naming_a_missing_user_is_treated_as_logged_out(app, client, login, make,
                                                                   stale_id):
    login(make.user())
    assert fresh_get(app, client, "/login").status_code == 302   # logged in: to the inbox
    with client.session_transaction() as session:
        session["_user_id"] = stale_id
    response = fresh_get(app, client, "/login")
    assert response.status_code == 200   # the login form, not a redirect to the inbox


def test_a_user_deactivated_after_login_is_logged_out(app, client, login, make, db_session):
    user = login(make.user())
    user.is_active_account = False
    db_session.flush()
    assert fresh_get(app, client, "/login").status_code == 200
