"""A live server on its own committed database (the demo data), driven by Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from crm import create_app
from tests.conftest import _create_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
DEMO_PASSWORD = "CskhDemo@2026"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    url, drop = _create_database(tmp_path_factory.mktemp("e2e"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "RATELIMIT_ENABLED": False,
                      "RUN_PERIODIC_THREAD": False, "CHANNELS": {},
                      "ATTACHMENT_DIR": str(tmp_path_factory.mktemp("e2e-files"))})
    app.extensions.pop("cskh_redis", None)
    runner = app.test_cli_runner()
    for args in (["db", "upgrade", "heads"], ["seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        from crm.extensions import db
        db.engine.dispose()
    drop()


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _no_network():
    """The browser talks to the live server on loopback only (its flags block the rest)."""
    yield
