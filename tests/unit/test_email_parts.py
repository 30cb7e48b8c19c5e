"""The e-mail adapter's pieces without a database: charsets, quotes, machines, outbound."""
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

import pytest

from channels.base import ContactRef, OutboundMessage, WebhookRequest
from channels.email import EmailAdapter
from channels.email_auto import classify
from channels.email_imap import MailboxError, parse_url
from channels.email_quotes import html_quote_start, quote_start
from channels.email_send import build_message
from channels.email_text import decode_bytes, html_to_text


@pytest.mark.parametrize("data,charset,expected", [
    ("Điện lực".encode(), "utf-8", "Điện lực"),
    ("Điện lực".encode(), None, "Điện lực"),                      # undeclared: UTF-8 first
    ("Điện lực".encode(), "us-ascii", "Điện lực"),                # mislabelled 8-bit
    ("Café".encode("latin-1"), "iso-8859-1", "Café"),
    (b"Vi\xea\xf2t", "windows-1258", "Việt"),                     # tone mark after the letter
    (b"Vi\xea\xf2t", "CP1258", "Việt"),
    ("Điện".encode("utf-16"), "utf-16", "Điện"),
    (b"\xff\xfe\xfd", "x-unknown-8bit", "ÿþý"),
    (b"ok \xff", "utf-8", "ok \ufffd"),
    (b"a\x00b\x07c", "utf-8", "abc"),
])
def test_decoding_never_raises_and_gives_nfc(data, charset, expected):
    assert decode_bytes(data, charset) == expected


def test_html_becomes_readable_text():
    html = ("<style>p{}</style><p>Xin chào</p><p>Mất&nbsp;điện <b>hai</b> lần</p>"
            "<ul><li>Một</li><li>Hai</li></ul><script>x()</script>")
    assert html_to_text(html) == "Xin chào\n\nMất điện hai lần\n\n- Một\n\n- Hai"


@pytest.mark.parametrize("text,new", [
    ("Cảm ơn.\n\nOn Mon, 23 Nov 2026 at 08:00, CSKH <cskh@pc05.vn> wrote:\n> cũ", "Cảm ơn."),
    ("Cảm ơn.\n\nOn Mon, 23 Nov 2026 at 08:00, CSKH Điện lực\n<cskh@pc05.vn> wrote:\n> cũ",
     "Cảm ơn."),
    ("Dạ.\nVào 08:00 Th 2, 23 thg 11, CSKH <cskh@pc05.vn> đã viết:\n> cũ", "Dạ."),
    ("Ok\n-----Original Message-----\nFrom: x", "Ok"),
    ("Ok\n________________________________\nFrom: CSKH\nSent: Monday\nTo: An", "Ok\n____"),
    ("Ok\nTừ: CSKH\nĐã gửi: Thứ Hai", "Ok"),
    ("Trả lời\n> trích\n> dẫn\n", "Trả lời"),
])
def test_the_new_part_of_a_reply_is_found(text, new):
    at = quote_start(text)
    assert at is not None and text[:at].strip().startswith(new)


@pytest.mark.parametrize("text", [
    "Không có trích dẫn.", "> trích dẫn ở đầu\n\ncâu trả lời ở dưới",
    "On Mon X wrote:\n> chỉ có phần cũ", "",
])
def test_no_history_or_nothing_new_means_no_fold(text):
    assert quote_start(text) is None


def test_html_history_starts_at_the_attribution_or_the_blockquote():
    gmail = ('<div>Mới.</div><div class="gmail_quote"><div>On Mon, CSKH &lt;c@x.vn&gt; '
             "wrote:<br></div><blockquote>Cũ</blockquote></div>")
    at = html_quote_start(gmail)
    assert gmail[:at] == "<div>Mới.</div>" and "wrote:" in gmail[at:]
    quoted = "<p>Mới</p><blockquote><p>Cũ</p></blockquote>"
    assert quoted[:html_quote_start(quoted)] == "<p>Mới</p>"
    assert html_quote_start("<p>Chỉ có mới</p>") is None
    assert html_quote_start("<blockquote>Chỉ có cũ</blockquote>") is None


def _headers(raw: bytes):
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    return msg, (lambda name: msg.get(name, ""))


@pytest.mark.parametrize("headers,kind", [
    ("Auto-Submitted: auto-generated", "auto_reply"),
    ("Auto-Submitted: no", None),
    ("Precedence: bulk", "bulk"),
    ("Precedence: auto_reply", "auto_reply"),
    ("X-Autorespond: yes", "auto_reply"),
    ("List-Unsubscribe: <mailto:u@x>", "bulk"),
    ("Return-Path: <>", "auto_reply"),
    ("Return-Path: <a@x.vn>", None),
    ("X-Auto-Response-Suppress: OOF, AutoReply", "auto_reply"),
    ("X-Auto-Response-Suppress: RN", None),
])
def test_machine_headers_are_recognised(headers, kind):
    msg, get = _headers(f"From: a@x.vn\n{headers}\n\nx".encode())
    found = classify(get, msg, "a@x.vn", "Chào")
    assert (found[0] if found else None) == kind


@pytest.mark.parametrize("subject,kind", [
    ("Trả lời tự động: Phiếu YC", "auto_reply"), ("Re: Out of Office", "auto_reply"),
    ("Automatic reply: x", "auto_reply"), ("Undeliverable: x", "bounce"),
    ("Hỏi về trả lời tự động", None), ("Mất điện", None),
])
def test_vacation_and_bounce_subjects_are_recognised(subject, kind):
    msg, get = _headers(b"From: a@x.vn\n\nx")
    found = classify(get, msg, "a@x.vn", subject)
    assert (found[0] if found else None) == kind
    assert classify(get, msg, "Postmaster@x.vn", "Mất điện")[0] == "bounce"


def outbound(**kw):
    values = dict(to=ContactRef("email", "an@example.vn"), text="Chào <anh>\n\nĐã xử lý.",
                  idempotency_key="message-77", subject="[YC2512-000042] Mất\nđiện",
                  in_reply_to="an-2@mail.example.vn",
                  meta={"references": ["first@x.vn", "an-2@mail.example.vn"]})
    values.update(kw)
    return OutboundMessage(**values)


def test_an_outbound_mail_has_our_headers_and_utf8_text():
    mail, message_id = build_message(outbound(), "CSKH <cskh@pc05.vn>",
                                     now=datetime(2026, 11, 23, 2, tzinfo=timezone.utc))
    assert message_id.startswith("YC2512-000042.m77.") and message_id.endswith("@pc05.vn")
    assert mail["Message-ID"] == f"<{message_id}>"
    assert mail["Subject"] == "[YC2512-000042] Mất điện"            # no header injection
    assert mail["References"] == "<first@x.vn> <an-2@mail.example.vn>"
    assert mail["Date"] == "Mon, 23 Nov 2026 02:00:00 +0000"
    assert "&lt;anh&gt;" in mail.get_body(("html",)).get_content()
    wire = mail.as_bytes()
    assert b"[YC2512-000042]" in wire and all(b < 128 for b in wire)   # 7-bit on the wire


def test_two_sends_of_one_message_get_different_ids():
    first, _ = build_message(outbound(), "cskh@pc05.vn")
    second, _ = build_message(outbound(), "cskh@pc05.vn")
    assert first["Message-ID"] != second["Message-ID"]


def test_a_bad_address_is_a_permanent_failure_without_any_connection():
    adapter = EmailAdapter({"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "cskh@pc05.vn"})
    result = adapter.send(outbound(to=ContactRef("email", "not-an-address")))
    assert not result.ok and not result.retryable


def test_the_relay_token_is_checked_exactly():
    adapter = EmailAdapter({"INBOUND_EMAIL_TOKEN": "s3cret"})
    request = lambda header: WebhookRequest("http://x/", {"Authorization": header}, b"")  # noqa
    assert adapter.verify(request("Bearer s3cret"))
    assert not adapter.verify(request("Bearer s3cre")) and not adapter.verify(request("s3cret"))
    assert not EmailAdapter({}).verify(request("Bearer "))
    assert not adapter.is_configured()
    assert EmailAdapter({"SMTP_URL": "smtp://h", "MAIL_FROM": "a@b.vn"}).is_configured()


def test_imap_urls_carry_tls_port_credentials_and_mailbox():
    s = parse_url("imaps://cskh%40pc05.vn:p%40ss@mail.pc05.vn/H%E1%BB%99p%20th%C6%B0")
    assert (s.tls, s.port, s.user, s.password, s.mailbox) == (
        True, 993, "cskh@pc05.vn", "p@ss", "Hộp thư")
    assert parse_url("imap://u:p@h").port == 143 and parse_url("imap://u:p@h").mailbox == "INBOX"
    assert "p@ss" not in s.key
    with pytest.raises(MailboxError):
        parse_url("https://mail.pc05.vn")


def test_a_mail_nested_too_deep_for_the_parser_is_kept_as_headers_and_text():
    from channels.email_parse import parse_message

    levels = 1500
    raw = ("From: a@example.vn\nSubject: sâu\nContent-Type: multipart/mixed; boundary=b0\n\n"
           + "".join(f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n"
                     for i in range(levels))
           + f"--b{levels}\nContent-Type: text/plain\n\nnội dung\n").encode()
    message = parse_message(raw)
    assert message.subject == "sâu" and message.meta["unreadable_mime"]
    assert message.text.rstrip().endswith("nội dung")


def test_unterminated_image_tags_are_counted_without_quadratic_work():
    from channels.email_text import remote_images

    assert remote_images("<img " * 50000) == 0
    assert remote_images('<img alt=x src="http://t.example/a.gif"><IMG SRC=//cdn/x>') == 2
