"""REST API /api/v1: bearer tokens (missing, bad, revoked, district-scoped), JSON errors with
reasons per field, the rate limit, the OpenAPI document, and the `api-token` commands."""
from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa

from crm.api.auth import create_token
from crm.models import ApiToken, Status
from tests.support.tariffs import ensure_seeded
from tests.web.test_auth import rate_limits  # noqa: F401  (the fixture)

ESTIMATE = "/api/v1/bill-estimate"


@pytest.fixture(autouse=True)
def seeded(db_session):
    ensure_seeded(db_session)


@pytest.fixture
def token(db_session):
    _row, value = create_token("cis-test")
    return value


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def test_the_estimate_answers_designs_json(client, token):
    response = client.get(ESTIMATE, headers=bearer(token), query_string={
        "kwh": "350", "from": "2025-10-01", "to": "2025-10-31"})
    body = response.get_json()
    assert response.status_code == 200
    assert list(body)[:6] == ["kwh", "tiers", "subtotal", "vat_rate", "vat", "total"]
    assert (body["subtotal"], body["vat_rate"], body["vat"], body["total"]) == \
        (907_000, 8, 72_560, 979_560)
    assert body["tiers"][0] == {"tier": 1, "kwh": 50, "price": 1984, "amount": 99_200}


def test_post_takes_a_json_body_or_a_form(client, token):
    as_json = client.post(ESTIMATE, headers=bearer(token), json={
        "kwh": 250, "households": 2, "from": "2025-09-16", "to": "2025-10-31"})
    as_form = client.post(ESTIMATE, headers=bearer(token), data={
        "kwh": "250", "households": "2", "from": "2025-09-16", "to": "2025-10-31"})
    assert as_json.status_code == as_form.status_code == 200
    assert as_json.get_json()["total"] == as_form.get_json()["total"] == 542_594


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(client):
    response = client.get(ESTIMATE, query_string={"kwh": "10"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="cskh"'
    assert "Authorization: Bearer" in response.get_json()["error"]
    assert client.get(ESTIMATE, headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_wrong_token_is_401_invalid_token(client, token):
    response = client.get(ESTIMATE, headers=bearer(token + "x"), query_string={"kwh": "10"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.get_json() == {"error": "Token không hợp lệ hoặc đã bị thu hồi."}


def test_a_revoked_token_is_refused_and_use_is_recorded(app, client, token, db_session):
    assert client.get(ESTIMATE, headers=bearer(token), query_string={"kwh": "1"}).status_code == 200
    row = db_session.scalar(sa.select(ApiToken).where(ApiToken.name == "cis-test"))
    assert row.last_used_at is not None
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    code = app.test_cli_runner().invoke(args=["api-token", "revoke", "cis-test"]).exit_code
    assert code == 0
    assert client.get(ESTIMATE, headers=bearer(token), query_string={"kwh": "1"}).status_code == 401


@pytest.mark.parametrize("query, fields", [
    ({}, {"kwh"}),
    ({"kwh": "abc", "households": "-1", "from": "2025-13-01", "to": "hôm nay"},
     {"kwh", "households", "from", "to"}),
    ({"kwh": "10", "households": "0"}, {"households"}),
    ({"kwh": "10", "from": "2025-10-01"}, {"to"}),
    ({"kwh": "10", "from": "2025-10-31", "to": "2025-10-01"}, {"to"}),
    ({"kwh": "10", "from": "2019-10-01", "to": "2019-10-31"}, {"from"}),
    ({"kwh": "99999999999"}, {"kwh"}),
])
def test_bad_parameters_are_400_with_a_reason_per_field(client, token, query, fields):
    response = client.get(ESTIMATE, headers=bearer(token), query_string=query)
    body = response.get_json()
    assert response.status_code == 400
    assert set(body["fields"]) == fields and body["error"]
    assert all(reasons and all(isinstance(r, str) and r for r in reasons)
               for reasons in body["fields"].values())


def test_a_json_body_that_is_not_an_object_or_has_wrong_types_is_400(client, token):
    assert client.post(ESTIMATE, headers=bearer(token), json=[1, 2]).status_code == 400
    response = client.post(ESTIMATE, headers=bearer(token), json={"kwh": 1.5, "households": True})
    assert response.status_code == 400 and set(response.get_json()["fields"]) == {"kwh", "households"}
    broken = client.post(ESTIMATE, headers={**bearer(token), "Content-Type": "application/json"},
                         data="{not json")
    assert broken.status_code == 400


def test_a_ticket_status_is_public_data_only(client, token, make):
    ticket = make.ticket(code="YC2611-000123", status=Status.OPEN)
    response = client.get("/api/v1/tickets/yc2611-000123", headers=bearer(token))
    body = response.get_json()
    assert response.status_code == 200
    assert body["code"] == "YC2611-000123" and body["status"] == "open"
    assert body["district"] == ticket.district.name
    assert ticket.customer.name not in json.dumps(body, ensure_ascii=False)
    assert "YC2611-000123" in body["sentence"]


def test_a_district_token_sees_its_own_district_only(client, make, db_session):
    own, other = make.district(), make.district()
    make.ticket(code="YC2611-000201", ward=make.ward(district=own), district=own)
    make.ticket(code="YC2611-000202", ward=make.ward(district=other), district=other)
    _row, value = create_token("district-token", own)
    assert client.get("/api/v1/tickets/YC2611-000201", headers=bearer(value)).status_code == 200
    hidden = client.get("/api/v1/tickets/YC2611-000202", headers=bearer(value))
    assert hidden.status_code == 404
    assert hidden.get_json()["error"] == "Không tìm thấy phiếu YC2611-000202."


def test_unknown_and_malformed_codes(client, token):
    assert client.get("/api/v1/tickets/YC2611-999999", headers=bearer(token)).status_code == 404
    bad = client.get("/api/v1/tickets/abc", headers=bearer(token))
    assert bad.status_code == 400 and "code" in bad.get_json()["fields"]
    assert client.get("/api/v1/nothing-here", headers=bearer(token)).get_json()["error"]


def test_the_openapi_document_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/bill-estimate", "/tickets/{code}", "/openapi.json"}
    assert set(doc["paths"]["/bill-estimate"]) == {"get", "post"}
    get = doc["paths"]["/bill-estimate"]["get"]
    assert [p["name"] for p in get["parameters"]] == ["kwh", "households", "from", "to"]
    assert {"200", "400", "401", "429"} <= set(get["responses"])
    post = doc["paths"]["/bill-estimate"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == ["kwh"]
    ticket = doc["paths"]["/tickets/{code}"]["get"]
    assert ticket["parameters"][0]["in"] == "path" and "404" in ticket["responses"]
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    refs = [r["content"]["application/json"]["schema"].get("$ref")
            for op in (get, post, ticket) for code, r in op["responses"].items() if code != "200"]
    assert set(refs) == {"#/components/schemas/Error"}


def test_the_api_needs_no_csrf_token(app, client, token):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(ESTIMATE, headers=bearer(token), json={"kwh": 10})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200


@pytest.fixture
def api_limit(app, rate_limits):
    """The login tests' limiter switched on, with a small API limit."""
    app.config["API_RATE_LIMIT"] = "3 per minute"
    yield
    app.config.pop("API_RATE_LIMIT")


def test_too_many_requests_get_429_in_json(client, token, api_limit):
    codes = [client.get(ESTIMATE, headers=bearer(token), query_string={"kwh": "1"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(ESTIMATE, headers=bearer("guess"), query_string={"kwh": "1"})
    assert refused.status_code == 429 and refused.get_json()["error"]


def test_the_token_commands(app, make, db_session):
    make.district(code="PC05ZZ")
    runner = app.test_cli_runner()
    created = runner.invoke(args=["api-token", "create", "cis", "--district", "pc05zz"])
    assert created.exit_code == 0
    value = created.stdout.strip()
    row = db_session.scalar(sa.select(ApiToken).where(ApiToken.name == "cis"))
    assert value.startswith("cskh_") and len(value) > 40
    assert row.token_hash == hashlib.sha256(value.encode()).hexdigest() != value
    assert row.district.code == "PC05ZZ"
    again = runner.invoke(args=["api-token", "create", "cis"])
    assert again.exit_code == 1 and "Đã có token" in again.output
    nowhere = runner.invoke(args=["api-token", "create", "x", "--district", "NOPE"])
    assert nowhere.exit_code == 1 and "NOPE" in nowhere.output
    assert runner.invoke(args=["api-token", "revoke", "không-có"]).exit_code == 1
