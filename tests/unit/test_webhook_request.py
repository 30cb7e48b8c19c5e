"""The request a webhook verifies is the one the provider signed."""
from crm.webhooks import bearer_token, secret_matches, webhook_request


def test_form_posts_keep_both_the_raw_body_and_the_parsed_form(app):
    with app.test_request_context("/channels/x?a=1", method="POST",
                                  data={"Body": "xin chào", "From": "+84905000001"}):
        seen = webhook_request()
    assert seen.url == "http://cskh.test/channels/x?a=1"      # PUBLIC_BASE_URL, not the host
    assert seen.body == b"Body=xin+ch%C3%A0o&From=%2B84905000001"
    assert seen.form == {"Body": "xin chào", "From": "+84905000001"}


def test_json_posts_have_no_form(app):
    with app.test_request_context("/channels/x", method="POST", json={"a": 1}):
        seen = webhook_request()
    assert seen.body == b'{"a": 1}' or seen.body == b'{"a":1}'
    assert seen.form == {}


def test_secrets_and_bearer_tokens(app):
    assert secret_matches("abc", "abc") and not secret_matches("abd", "abc")
    assert not secret_matches("", "") and not secret_matches("x", None)
    with app.test_request_context("/", headers={"Authorization": "Bearer  t0k "}):
        assert bearer_token() == "t0k"
    with app.test_request_context("/", headers={"Authorization": "Basic xyz"}):
        assert bearer_token() is None
