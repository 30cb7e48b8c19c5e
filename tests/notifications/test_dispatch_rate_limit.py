"""A rate limit per provider: sends per second per channel adapter, shared by dispatchers."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
import sqlalchemy as sa

from crm.core import settings
from crm.core.timefmt import LOCAL_TZ
from crm.models import DeliveryStatus, Message, Notification, NotificationStatus
from crm.notifications import dispatch, outbox, rate_limit
from tests.notifications.conftest import GATEWAY, commit, customer_with

LIMIT = 3
_phones = count(1)


def accept_all(stub):
    """The gateway takes every MT; its id is the client_ref (so repeats would show)."""
    def answer(request):
        return 200, {}, json.dumps({"id": json.loads(request.body)["client_ref"],
                                    "status": "accepted"})
    stub.add_callback("POST", GATEWAY["SMS_GATEWAY_URL"], callback=answer)


def write_notices(make, db_session, n, *, urgent=True, prefix="n"):
    notices = []
    for i in range(n):
        customer = customer_with(make, db_session, phone=f"+8490511{next(_phones):04d}")
        notices.append(outbox.notify(customer, "bill", {"text": f"Tien dien so {i}"},
                                     key=f"{prefix}:{i}", urgent=urgent))
    return notices


def statuses(notices):
    return sorted(str(n.status) for n in notices)


def test_one_drain_sends_the_limit_and_queues_the_rest_for_the_next_second(
        db_session, make, provider, daytime):
    settings.put(rate_limit.SETTING, {"sms_gateway": LIMIT})
    accept_all(provider)
    notices = write_notices(make, db_session, 3 * LIMIT)
    before = daytime()
    commit(db_session)                       # the dispatch job runs once, in-process
    after = daytime()

    sent = [n for n in notices if n.status == NotificationStatus.SENT]
    held = [n for n in notices if n.status == NotificationStatus.QUEUED]
    assert len(sent) == LIMIT and len(held) == 2 * LIMIT
    assert len(provider.calls) == LIMIT
    # Due when the next one-second window opens, not counted as an attempt, same message,
    # and no failed message left in any thread.
    windows = {n.next_attempt_at for n in held}
    assert len(windows) == 1
    [opens] = windows
    assert opens.microsecond == 0 and before < opens <= after + timedelta(seconds=1)
    assert {n.attempts for n in held} == {0} and {n.claimed_until for n in held} == {None}
    assert {n.message.status for n in held} == {DeliveryStatus.QUEUED}
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message).where(
        Message.status == DeliveryStatus.FAILED)) == 0

    # Not due before the window opens; then the next LIMIT go, with the messages made first.
    keys = {n.id: n.message_id for n in held}
    assert dispatch.drain(now=opens - timedelta(milliseconds=1)) == 0
    assert dispatch.drain(now=opens) == 2 * LIMIT     # claimed: LIMIT sent, LIMIT held again
    db_session.expire_all()
    assert statuses(notices).count(str(NotificationStatus.SENT)) == 2 * LIMIT
    assert dispatch.drain(now=opens + timedelta(seconds=1)) == LIMIT
    db_session.expire_all()
    assert statuses(notices) == [str(NotificationStatus.SENT)] * (3 * LIMIT)
    assert {n.id: n.message_id for n in held} == keys
    assert {n.attempts for n in notices} == {1}
    refs = [json.loads(call.request.body)["client_ref"] for call in provider.calls]
    assert sorted(refs) == sorted(f"message-{n.message_id}" for n in notices)   # once each


def test_a_limit_of_zero_or_an_adapter_left_out_is_unlimited(db_session, make, provider):
    accept_all(provider)
    for limits in ({"sms_gateway": 0}, {"zalo_oa": 1}):
        settings.put(rate_limit.SETTING, limits)
        notices = write_notices(make, db_session, 5, prefix=str(limits))
        commit(db_session)
        assert statuses(notices) == [str(NotificationStatus.SENT)] * 5


def test_a_notice_held_back_in_the_evening_waits_for_the_end_of_quiet_hours(
        db_session, make, provider):
    settings.put(rate_limit.SETTING, {"sms_gateway": 1})
    accept_all(provider)
    evening = datetime(2026, 11, 23, 20, 59, 59, 500000, tzinfo=LOCAL_TZ).astimezone(
        timezone.utc)
    calm = write_notices(make, db_session, 2, urgent=False, prefix="calm")
    outage = write_notices(make, db_session, 1, urgent=True, prefix="outage")
    db_session.execute(sa.update(Notification).values(next_attempt_at=evening))
    db_session.info.pop("pending_jobs", None)         # drained below, at 20:59:59.5
    db_session.commit()
    assert dispatch.drain(now=evening) == 3
    db_session.expire_all()
    first, second = calm
    assert first.status == NotificationStatus.SENT      # the oldest id goes first
    assert second.status == NotificationStatus.QUEUED
    assert second.next_attempt_at.astimezone(LOCAL_TZ) == datetime(2026, 11, 24, 7, 0,
                                                                   tzinfo=LOCAL_TZ)
    assert outage[0].next_attempt_at == datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)


def test_a_budget_used_by_another_dispatcher_holds_everything_back(
        app, db_session, make, provider, redis_conn, monkeypatch):
    """With Redis the window's count is shared: another process already sent the limit."""
    settings.put(rate_limit.SETTING, {"sms_gateway": LIMIT})
    accept_all(provider)
    notices = write_notices(make, db_session, 2)
    db_session.info.pop("pending_jobs", None)
    db_session.commit()
    monkeypatch.setitem(app.extensions, "cskh_redis", redis_conn)
    now = dispatch.utcnow()
    window = rate_limit.window_of(now)
    assert rate_limit.RedisCounter(redis_conn).take("sms_gateway", LIMIT, LIMIT, window) == LIMIT
    assert dispatch.drain(now=now) == 2
    db_session.expire_all()
    assert statuses(notices) == [str(NotificationStatus.QUEUED)] * 2
    assert len(provider.calls) == 0
    assert dispatch.drain(now=rate_limit.window_start(window + 1)) == 2
    db_session.expire_all()
    assert statuses(notices) == [str(NotificationStatus.SENT)] * 2


def test_the_redis_counter_is_shared_by_two_limiters(redis_conn):
    first, second = rate_limit.RedisCounter(redis_conn), rate_limit.RedisCounter(redis_conn)
    window = 1_795_000_000
    assert first.take("sms_gateway", 3, 5, window) == 3
    assert second.take("sms_gateway", 3, 5, window) == 2
    assert first.take("sms_gateway", 1, 5, window) == 0
    assert second.take("zalo_oa", 4, 5, window) == 4           # per adapter
    assert first.take("sms_gateway", 4, 5, window + 1) == 4    # a new window
    assert int(redis_conn.get(rate_limit.KEY.format(adapter="sms_gateway", window=window))) == 5
    assert 0 < redis_conn.ttl(rate_limit.KEY.format(adapter="sms_gateway", window=window)) \
        <= rate_limit.KEY_TTL_SECONDS


def test_the_local_counter_keeps_one_window_per_adapter():
    counter = rate_limit.LocalCounter()
    assert counter.take("sms_gateway", 4, 5, 100) == 4
    assert counter.take("sms_gateway", 4, 5, 100) == 1
    assert counter.take("sms_gateway", 4, 5, 101) == 4
    assert set(counter.counts) == {("sms_gateway", 101)}       # past windows forgotten


def test_the_defaults_cover_every_notice_adapter(db_session):
    assert set(rate_limit.limits()) == set(rate_limit.adapter_names())
    assert all(limit > 0 for limit in rate_limit.limits().values())


@pytest.mark.parametrize("value, words", [
    (["sms_gateway", 10], "bảng"),
    ({"smsgateway": 10}, "Không có kênh gửi tên smsgateway"),
    ({"sms_gateway": -1}, "từ 0 đến 100.000"),
    ({"sms_gateway": 100_001}, "từ 0 đến 100.000"),
    ({"sms_gateway": 2.5}, "số nguyên"),
    ({"sms_gateway": True}, "số nguyên"),
    ({"sms_gateway": "nhanh"}, "số nguyên"),
    ({"sms_gateway": None}, "số nguyên"),
])
def test_a_bad_setting_is_refused_with_the_reason_and_nothing_is_stored(db_session, value,
                                                                         words):
    with pytest.raises(rate_limit.RateLimitError, match=words):
        rate_limit.set_limits(value)
    assert rate_limit.limits() == settings.DEFAULTS[rate_limit.SETTING]


def test_a_good_setting_is_stored_as_numbers(db_session):
    assert rate_limit.set_limits({"sms_gateway": "50", "zalo_oa": 0}) == {"sms_gateway": 50,
                                                                          "zalo_oa": 0}
    assert rate_limit.limits() == {"sms_gateway": 50, "zalo_oa": 0}


def test_a_bad_value_stored_around_the_check_keeps_the_default_and_sending_goes_on(
        db_session, make, provider):
    settings.put(rate_limit.SETTING, {"sms_gateway": "nhanh", "twilio_sms": 5})
    assert rate_limit.limits() == {"sms_gateway": 300, "twilio_sms": 5}
    settings.put(rate_limit.SETTING, "300")
    assert rate_limit.limits() == settings.DEFAULTS[rate_limit.SETTING]
    accept_all(provider)
    notices = write_notices(make, db_session, 2)
    commit(db_session)
    assert statuses(notices) == [str(NotificationStatus.SENT)] * 2
