"""Every .eml of our test set parses to what a person reading it would expect."""
import unicodedata

import pytest

from channels.base import BadPayload
from channels.email_parse import parse_message
from tests.support.email_cases import CASES, FIXTURES, REFUSED, builder, raw


def test_the_set_has_every_file_in_the_table_and_at_least_thirty():
    on_disk = {p.stem for p in FIXTURES.glob("*.eml")}
    assert on_disk == {c.file for c in CASES} | set(REFUSED)
    assert len(on_disk) >= 30


def test_the_files_on_disk_are_what_the_builder_writes():
    for name, data in builder.FILES.items():
        assert raw(name) == data, f"{name}.eml is stale: run tests/fixtures/email/build.py"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_each_mail_parses_to_what_it_says(case):
    message = parse_message(raw(case.file))
    assert message.channel == "email"
    assert message.sender.address == case.sender
    assert message.sender.display_name == case.name
    assert message.subject == case.subject
    for fragment in case.text_has:
        assert fragment in message.text
    assert bool(message.html) == case.html
    assert [(a.filename, a.content_type) for a in message.attachments] == list(case.attachments)
    assert message.meta.get("automatic") == case.automatic
    quote_at = message.meta.get("quote_at")
    assert (message.text[:quote_at].strip() if quote_at else None) == case.shown
    for key, value in case.meta:
        assert message.meta[key] == value
    for text in (message.text, message.subject or "", message.sender.display_name or ""):
        assert unicodedata.is_normalized("NFC", text)
        assert "\ufffd" not in text or case.file in ("unknown_charset", "viscii_body")


@pytest.mark.parametrize("name,reason", REFUSED.items())
def test_a_mail_without_a_sender_is_refused_with_the_reason(name, reason):
    with pytest.raises(BadPayload, match=reason):
        parse_message(raw(name))


def test_message_id_is_the_external_id_and_replies_give_their_thread_hints():
    message = parse_message(raw("gmail_reply_vi"))
    assert message.external_id == "gmail_reply_vi@fixtures.example.vn"
    assert message.meta["in_reply_to"] == [builder.OUR_ID]
    assert builder.OUR_ID in message.thread_hint and "[YC2512-000001]" in message.thread_hint


def test_a_mail_without_message_id_gets_a_stable_hash_of_its_bytes():
    first, again = parse_message(raw("no_message_id")), parse_message(raw("no_message_id"))
    assert first.external_id.startswith("sha256:") and first.external_id == again.external_id


def test_tone_marks_of_windows_1258_and_macos_become_single_characters():
    text = parse_message(raw("windows1258_body")).text
    assert "ế" in text and "\u0301" not in text
    assert parse_message(raw("nfd_name")).sender.display_name == "Nguyễn Thị Ngọc"


def test_a_dsn_names_the_failed_mail_recipient_and_reason():
    bounce = parse_message(raw("bounce_dsn")).meta["bounce"]
    assert bounce["original_message_id"] == builder.BOUNCED_ID
    assert bounce["recipient"] == builder.AN and bounce["status"] == "5.1.1"
    assert bounce["permanent"] and "User unknown" in bounce["reason"]
    assert not parse_message(raw("bounce_delayed")).meta["bounce"]["permanent"]
    plain = parse_message(raw("bounce_plain_mailer_daemon")).meta["bounce"]
    assert plain["original_message_id"] == builder.BOUNCED_ID and plain["permanent"]


def test_broken_mime_keeps_what_is_readable_and_lists_the_defects():
    message = parse_message(raw("broken_mime"))
    assert "CloseBoundaryNotFoundDefect" in message.meta["defects"]
    assert message.attachments[0].data.startswith(b"%PDF")


def test_a_ten_megabyte_mail_is_read_whole():
    data = builder.huge_mail()
    assert len(data) >= 10 * 1024 * 1024 - 64 * 1024
    message = parse_message(data)
    assert message.text == "Gửi bản scan." and message.subject == "Bản scan hồ sơ rất lớn"
    (pdf,) = message.attachments
    assert pdf.filename == "ho-so.pdf" and pdf.data.startswith(b"%PDF") and len(pdf.data) > 7_000_000


@pytest.mark.parametrize("body", [b"", b"   \r\n", b"\x00\xff\xfe garbage", b"no headers at all"])
def test_garbage_is_refused_not_crashed_on(body):
    with pytest.raises(BadPayload):
        parse_message(body)
