"""`planned_for` / `planned_at`: a customer's, a ward's or a feeder's planned outages."""
import pytest
from flask_babel import force_locale

from crm.models import PlannedOutageStatus
from crm.planned_outages.lookup import PlannedOutageInfo, planned_at, planned_for
from tests.support.planned_outages import at, day, outage, with_meter, world


@pytest.fixture
def w(make):
    return world(make)


def ids(infos):
    return [i.outage_id for i in infos]


def test_a_customer_sees_the_outages_of_their_ward_in_the_window(make, db_session, w):
    customer = make.customer(ward=w.ward)
    soon = outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16))
    later = outage(db_session, w.district, wards=[w.ward, w.ward2], start=at(9, 8), end=at(9, 12))
    outage(db_session, w.district, wards=[w.ward2], start=at(2, 8), end=at(2, 16))   # not theirs
    assert ids(planned_for(customer=customer)) == [soon.id]
    assert ids(planned_for(customer=customer.id, days=14)) == [soon.id, later.id]
    assert ids(planned_for(customer=customer, start=day(9), days=1)) == [later.id]


def test_a_customer_on_a_feeder_sees_feeder_outages_wherever_they_live(make, db_session, w):
    customer = make.customer(ward=w.far_ward)
    with_meter(db_session, customer, feeder="471e12", station="TBA-07")
    by_feeder = outage(db_session, w.district, feeders=["471E12"], start=at(1, 8), end=at(1, 9))
    by_station = outage(db_session, w.district, feeders=["TBA-07"], start=at(3, 8), end=at(3, 9))
    outage(db_session, w.district, feeders=["472E05"], start=at(3, 8), end=at(3, 9))
    infos = planned_for(customer=customer)
    assert ids(infos) == [by_feeder.id, by_station.id]
    assert infos[0].area == "khu vực xuất tuyến/trạm 471E12"


def test_lookup_by_ward_and_by_feeder_code(db_session, w):
    ward_cut = outage(db_session, w.district, wards=[w.ward2], start=at(1, 8), end=at(1, 16))
    feeder_cut = outage(db_session, w.district, feeders=["471E12"], start=at(1, 8), end=at(1, 16))
    assert ids(planned_for(ward=w.ward2)) == [ward_cut.id]
    assert ids(planned_for(ward=w.ward2.id)) == [ward_cut.id]
    assert ids(planned_for(feeder=" 471 e12 ")) == [feeder_cut.id]
    assert planned_for(ward=w.far_ward) == [] and planned_for() == []


def test_cancelled_outages_are_never_announced(db_session, w):
    outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16),
           status=PlannedOutageStatus.CANCELLED)
    assert planned_for(ward=w.ward) == []


def test_an_outage_already_under_way_is_included(db_session, w):
    going = outage(db_session, w.district, wards=[w.ward], start=at(-1, 20), end=at(0, 23, 59))
    outage(db_session, w.district, wards=[w.ward], start=at(-1, 8), end=at(-1, 16))   # over
    assert ids(planned_for(ward=w.ward)) == [going.id]


def test_planned_at_finds_the_outage_going_on_at_a_moment(db_session, w):
    cut = outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16))
    assert ids(planned_at(at=at(1, 9), ward=w.ward)) == [cut.id]
    assert planned_at(at=at(1, 16), ward=w.ward) == []
    assert planned_at(at=at(1, 7, 59), ward=w.ward) == []


def test_the_sentence_is_vietnamese_with_local_times(make, db_session, w):
    customer = make.customer(ward=w.ward2)
    outage(db_session, w.district, wards=[w.ward, w.ward2], start=at(4, 8), end=at(4, 16),
           reason="bảo dưỡng đường dây")
    (info,) = planned_for(customer=customer)
    assert isinstance(info, PlannedOutageInfo)
    assert info.sentence() == (f"Lịch tạm ngừng cấp điện: 08:00–16:00 ngày {day(4):%d/%m/%Y} "
                               "tại Phường Thanh Khê, lý do: bảo dưỡng đường dây")
    assert info.vietnamese() == info.sentence()


def test_the_sentence_names_both_days_of_an_overnight_outage_and_many_wards(make, db_session, w):
    wards = [w.ward, w.ward2] + [make.ward(district=w.district, name=f"Phường {n}")
                                 for n in ("A", "B")]
    cut = outage(db_session, w.district, wards=wards, feeders=["471E12"], start=at(2, 22),
                 end=at(3, 5), reason="đấu nối trạm mới")
    (info,) = planned_for(feeder="471E12")
    assert info.when() == f"từ 22:00 ngày {day(2):%d/%m/%Y} đến 05:00 ngày {day(3):%d/%m/%Y}"
    assert info.area == "khu vực xuất tuyến/trạm 471E12"        # the asker's own feeder
    db_session.expire(cut)
    assert PlannedOutageInfo.of(cut).area == (
        "Phường A, Phường B, Phường Hải Châu, 1 phường/xã khác, khu vực xuất tuyến/trạm 471E12")


def test_the_sentence_follows_the_ui_language(app, db_session, w):
    outage(db_session, w.district, wards=[w.ward], start=at(4, 8), end=at(4, 16))
    (info,) = planned_for(ward=w.ward)
    with app.test_request_context(), force_locale("en"):
        english = info.sentence()
    assert "Phường Hải Châu" in english
    assert info.vietnamese().startswith("Lịch tạm ngừng cấp điện")
