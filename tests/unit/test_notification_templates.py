"""Notification templates: defaults for every event × channel, the sandbox, save-time checks."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crm.core.text import plain
from crm.models import AuditEvent, NotificationTemplate
from crm.notifications import template_store, templates
from crm.notifications.template_defaults import DEFAULTS
from crm.notifications.template_variables import EVENTS, VARIABLES, sample_context

CONTRACT_EVENTS = {"ticket_received", "step_done", "appointment", "resolved", "deferred",
                   "resumed", "incident_known", "incident_restored", "planned_outage",
                   "abnormal_consumption", "bill", "csat_survey", "merged"}
#: A production-length link (the test app's PUBLIC_BASE_URL is shorter).
TYPICAL_LINK = "https://cskh.evncpc.vn/status/YC2611-000123"


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_every_contract_event_has_a_default_on_every_channel(ctx):
    assert set(EVENTS) == CONTRACT_EVENTS
    assert set(DEFAULTS) == {(e, c) for e in EVENTS for c in templates.CHANNELS}
    assert all(name in VARIABLES for names in EVENTS.values() for name in names)
    for (event, channel), (subject, body) in DEFAULTS.items():
        templates.check(event, channel, body, subject)      # raises if a default is broken
        assert (subject is not None) == (channel == "email")


@pytest.mark.parametrize("event", sorted(CONTRACT_EVENTS))
def test_sms_defaults_are_unaccented_and_fit_one_segment(ctx, event):
    context = dict(sample_context(event), link_tra_cuu=TYPICAL_LINK)
    subject, body = DEFAULTS[(event, "sms")]
    rendered = templates.render_source(event, "sms", body, subject, context)
    assert rendered.subject is None
    assert rendered.body == plain(rendered.body) and rendered.body.isascii()
    assert len(rendered.body) <= 160, rendered.body


def test_ticket_notices_carry_the_code_the_due_date_and_the_status_link(ctx):
    context = {"ten_khach_hang": "Trần Thị Bình", "ma_phieu": "YC2611-000042",
               "loai_yeu_cau": "Cấp điện mới",
               "han_giai_quyet": datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)}
    for channel in templates.CHANNELS:
        subject, body = DEFAULTS[("ticket_received", channel)]
        text = templates.render_source("ticket_received", channel, body, subject, context).body
        assert "YC2611-000042" in text
        assert "26/11/2026 15:00" in text                     # Vietnam time, dd/mm/yyyy
        assert "http://cskh.test/status/YC2611-000042" in text
    zalo = templates.render_source("ticket_received", "zalo",
                                   DEFAULTS[("ticket_received", "zalo")][1], None, context)
    assert zalo.body.startswith("Kính gửi quý khách Trần Thị Bình,")


def test_a_step_notice_is_the_workflow_sentence_with_the_due_date_and_the_link(ctx):
    context = {"ma_phieu": "YC2611-000042", "loai_yeu_cau": "Cấp điện mới", "buoc": "Khảo sát",
               "chi_tiet": "Phiếu YC2611-000042: Điện lực đã khảo sát ngày 20/11/2026.",
               "han_giai_quyet": "2026-11-26T08:00:00+00:00"}
    chat = templates.render("step_done", "zalo", context).body
    assert "Phiếu YC2611-000042: Điện lực đã khảo sát ngày 20/11/2026." in chat
    assert "Hạn giải quyết: 26/11/2026 15:00." in chat
    assert "http://cskh.test/status/YC2611-000042" in chat
    sms = templates.render("step_done", "sms", context).body
    assert sms == ("Phieu YC2611-000042: Dien luc da khao sat ngay 20/11/2026. "
                   "Tra cuu: http://cskh.test/status/YC2611-000042")
    bare = templates.render("step_done", "sms", {**context, "chi_tiet": None}).body
    assert bare.startswith("Yeu cau YC2611-000042 da xong buoc: Khao sat, han 26/11/2026 15:00.")


def test_a_consumption_warning_after_a_month_at_zero_names_both_figures(ctx):
    context = {"ky": "11/2026", "kwh": 420, "kwh_ky_truoc": 0, "muc_thay_doi": None,
               "ma_phieu": "YC2611-000050"}
    assert templates.render("abnormal_consumption", "sms", context).body.startswith(
        "San luong ky 11/2026: 420 kWh, ky truoc 0 kWh. Dien luc se phuc tra chi so")
    up = templates.render("abnormal_consumption", "zalo", {**context, "muc_thay_doi": -42.4})
    assert "giảm 42 % so với kỳ trước (0 kWh)" in up.body


def test_email_has_a_subject_and_keeps_diacritics(ctx):
    subject, body = DEFAULTS[("resolved", "email")]
    rendered = templates.render_source("resolved", "email", body, subject,
                                       sample_context("resolved"))
    assert rendered.subject == "Yêu cầu YC2611-000123 đã được giải quyết"
    assert "Kết quả: Đã lắp đặt công tơ và cấp điện." in rendered.body
    assert rendered.body.endswith("Trung tâm Chăm sóc khách hàng")


def test_filters_format_json_values_the_vietnamese_way(ctx):
    body = "{{ so_tien|money }} · {{ kwh|number }} · {{ han_thanh_toan|date }} · {{ ky|unaccent }}"
    context = {"ky": "Tháng 11", "kwh": "1250", "so_tien": 1234567,
               "han_thanh_toan": "2026-12-15"}
    rendered = templates.render_source("bill", "zalo", body, None, context)
    assert rendered.body == "1.234.567 đ · 1.250 · 15/12/2026 · Thang 11"
    sms = templates.render_source("abnormal_consumption", "sms",
                                  "{{ muc_thay_doi|percent }} {{ ten_khach_hang }}", None,
                                  {"muc_thay_doi": -35.4, "ten_khach_hang": "Đỗ Thị Hà"})
    assert sms.body == "35 % Do Thi Ha"


def test_optional_variables_may_be_missing_and_print_nothing(ctx):
    rendered = templates.render_source("deferred", "telegram",
                                       "[{{ ly_do }}]{% if hoan_den %}x{% endif %}", None,
                                       {"ma_phieu": "YC2611-000001"})
    assert rendered.body == "[]"


def test_a_required_variable_missing_at_render_raises_template_error(ctx):
    with pytest.raises(templates.TemplateError, match="buoc"):
        templates.render_source("step_done", "zalo", "Xong bước {{ buoc }}", None,
                                {"ma_phieu": "YC2611-000001"})


def test_a_value_a_filter_cannot_read_raises_template_error(ctx):
    with pytest.raises(templates.TemplateError):
        templates.render_source("bill", "zalo", "{{ so_tien|money }}", None,
                                {"so_tien": "mười nghìn"})


@pytest.mark.parametrize("body, reason", [
    ("Chào {{ ten_khach }}", "Biến không tồn tại: ten_khach"),
    ("Chào {{ ten_khach_hang }", "Lỗi cú pháp ở dòng 1"),
    ("{{ kwh|khong_co }}", "khong_co"),
    ("{{ ten_khach_hang.__class__.__mro__ }}", "không"),     # the sandbox refuses it
    ("   ", "không được để trống"),
])
def test_check_refuses_bad_templates_with_the_reason(ctx, body, reason):
    with pytest.raises(templates.TemplateError) as caught:
        templates.check("bill", "sms", body)
    assert reason.lower() in str(caught.value).lower()


def test_a_variable_of_another_event_is_unknown(ctx):
    with pytest.raises(templates.TemplateError, match="so_tien"):
        templates.check("ticket_received", "zalo", "{{ ma_phieu }} {{ so_tien|money }}")


def test_loop_variables_and_jinja_globals_are_not_unknown(ctx):
    templates.check("bill", "telegram",
                    "{% set total = kwh %}{% for i in range(2) %}{{ loop.index }}{% endfor %}"
                    "{{ total }}")


def test_email_needs_a_subject_and_its_variables_are_checked_too(ctx):
    with pytest.raises(templates.TemplateError) as caught:
        templates.check("bill", "email", "{{ so_tien|money }}", "")
    assert caught.value.field == "subject"
    with pytest.raises(templates.TemplateError) as caught:
        templates.check("bill", "email", "{{ so_tien|money }}", "Kỳ {{ thang }}")
    assert caught.value.field == "subject" and "thang" in str(caught.value)


def test_unknown_event_or_channel_is_refused(ctx):
    with pytest.raises(templates.TemplateError):
        templates.check("no_such_event", "sms", "x")
    with pytest.raises(templates.TemplateError):
        templates.check("bill", "fax", "x")


# --- stored templates (database) --------------------------------------------------------


def test_render_uses_the_admins_template_and_reset_restores_the_default(db_session, ctx):
    template_store.save_template("resolved", "sms",
                                 body="Xong yêu cầu {{ ma_phieu }}. Trân trọng!")
    context = {"ma_phieu": "YC2611-000007"}
    assert templates.render("resolved", "sms", context).body == \
        "Xong yeu cau YC2611-000007. Tran trong!"
    assert template_store.reset_template("resolved", "sms") is True
    assert templates.render("resolved", "sms", context).body.startswith(
        "Yeu cau YC2611-000007 da giai quyet xong.")
    actions = [e.action for e in db_session.query(AuditEvent).filter_by(
        entity="notification_template")]
    assert actions == ["created", "reset"]


def test_a_refused_save_keeps_the_template_in_force(db_session, ctx):
    template_store.save_template("bill", "zalo", body="Tiền điện {{ so_tien|money }}")
    with pytest.raises(templates.TemplateError):
        template_store.save_template("bill", "zalo", body="Tiền điện {{ tien }}")
    assert templates.render("bill", "zalo", {"so_tien": 5000}).body == "Tiền điện 5.000 đ"


def test_saving_the_default_text_stores_nothing(db_session, ctx):
    subject, body = DEFAULTS[("bill", "email")]
    assert template_store.save_template("bill", "email", body=body, subject=subject) is None
    assert db_session.query(NotificationTemplate).count() == 0


def test_subjects_of_chat_and_sms_templates_are_not_stored(db_session, ctx):
    row = template_store.save_template("bill", "telegram", body="{{ ky }}",
                                       subject="Tiêu đề")
    assert row.subject is None
    assert templates.render("bill", "telegram", {"ky": "11/2026"}).subject is None


def test_ticket_context_gives_what_ticket_notices_need(db_session, ctx, make):
    ticket = make.ticket(code="YC2611-000555", customer=make.customer(name="Phạm Văn Cường"))
    context = templates.ticket_context(ticket)
    assert context["ma_phieu"] == "YC2611-000555"
    assert context["ten_khach_hang"] == "Phạm Văn Cường"
    assert context["link_tra_cuu"] == "http://cskh.test/status/YC2611-000555"
    assert context["han_giai_quyet"] is None and context["loai_yeu_cau"]
    rendered = templates.render("ticket_received", "sms", context)
    assert rendered.body == ("Da tiep nhan yeu cau YC2611-000555. "
                             "Tra cuu: http://cskh.test/status/YC2611-000555")


def test_a_bill_context_as_the_bills_import_writes_it_renders_on_every_channel(ctx):
    context = {"ma_khach_hang": "PC05AA0000007", "ten_khach_hang": "Võ Thị Mai", "ky": "11/2026",
               "kwh": 312, "so_tien": 812345, "han_thanh_toan": "2026-12-20",
               "ky_truoc": "10/2026", "kwh_ky_truoc": 290, "so_tien_ky_truoc": 750000,
               "ky_nam_truoc": "11/2025", "kwh_ky_nam_truoc": None, "so_tien_ky_nam_truoc": None}
    sms = templates.render_source("bill", "sms", DEFAULTS[("bill", "sms")][1], None, context)
    assert sms.body == ("Tien dien ky 11/2026 KH PC05AA0000007: 812.345 d (312 kWh), han TT "
                        "20/12/2026. Thang truoc 290 kWh.")
    subject, body = DEFAULTS[("bill", "email")]
    email = templates.render_source("bill", "email", body, subject, context)
    assert email.subject == "Thông báo tiền điện kỳ 11/2026"
    assert "Cùng kỳ năm trước" not in email.body            # no reading a year ago


def test_a_csat_context_with_the_ticket_subject_renders(ctx):
    context = {"ma_phieu": "YC2611-000077", "tieu_de": "Mất điện cả xóm", "text": "ignored"}
    subject, body = DEFAULTS[("csat_survey", "zalo")]
    rendered = templates.render_source("csat_survey", "zalo", body, subject, context)
    assert "Yêu cầu YC2611-000077 (Mất điện cả xóm) đã hoàn thành." in rendered.body
