"""`flask bill estimate` on the tariff seeded by migration 0008, the tariff services (audit,
no overlaps, the current table closed by a new one), a customer's prefill and the bot text."""
from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from crm.billing import answers, queries, services
from crm.billing.estimate import EstimateError
from crm.models import AuditEvent, Contract, Reading, TariffVersion, VatRate
from tests.support.tariffs import ensure_seeded

PRICES_2025 = [1984, 2050, 2380, 2998, 3350, 3460]
BOUNDS = [50, 100, 200, 300, 400]


@pytest.fixture
def seeded(db_session):
    ensure_seeded(db_session)
    return db_session


@pytest.fixture
def cli(app, seeded):
    runner = app.test_cli_runner()

    def run(*args):
        result = runner.invoke(args=list(args))
        return result.exit_code, result.output
    return run


def test_the_migration_seeds_three_price_tables_and_the_vat_periods(seeded):
    versions = seeded.scalars(sa.select(TariffVersion).order_by(TariffVersion.valid_from)).all()
    assert [(v.valid_from, v.valid_to) for v in versions] == [
        (date(2023, 11, 9), date(2024, 10, 10)), (date(2024, 10, 11), date(2025, 5, 9)),
        (date(2025, 5, 10), None)]
    assert [t.price for t in versions[0].tiers] == [1806, 1866, 2167, 2729, 3050, 3151]
    assert [t.price for t in versions[-1].tiers] == PRICES_2025
    assert [t.up_to_kwh for t in versions[-1].tiers] == BOUNDS + [None]
    rates = seeded.scalars(sa.select(VatRate).order_by(VatRate.valid_from)).all()
    assert [(r.valid_from, r.valid_to, r.percent) for r in rates] == [
        (date(2023, 7, 1), date(2026, 12, 31), 8), (date(2027, 1, 1), None, 10)]


def test_the_cli_prints_the_worked_example_exactly(cli):
    """250 kWh, 2 households, read on 15/09/2025 and then on 31/10/2025 (month-end reading).

    Period 16/09–31/10/2025 = 46 days = 1 month + 16 days = 1 + 16/30 = 23/15 months.
    Quotas × 2 households × 23/15: tiers 1–2: 50 × 2 × 23/15 = 153.33 → 153 kWh;
    tiers 3–5: 100 × 2 × 23/15 = 306.67 → 307 kWh. Prices from 10/05/2025.
    Tier 1: 153 × 1,984 = 303,552; tier 2: 97 × 2,050 = 198,850. Subtotal 502,402.
    VAT 8 % (in force on 31/10/2025): 40,192.16 → 40,192. Total 542,594.
    """
    code, output = cli("bill", "estimate", "--kwh", "250", "--households", "2",
                       "--from", "2025-09-16", "--to", "2025-10-31")
    lines = ('[{"tier": 1, "kwh": 153, "price": 1984, "amount": 303552}, '
             '{"tier": 2, "kwh": 97, "price": 2050, "amount": 198850}]')
    assert code == 0
    assert output == (
        '{"kwh": 250, "tiers": ' + lines + ', "subtotal": 502402, "vat_rate": 8, '
        '"vat": 40192, "total": 542594, "households": 2, "from": "2025-09-16", '
        '"to": "2025-10-31", "days": 46, "parts": [{"from": "2025-09-16", "to": "2025-10-31", '
        '"days": 46, "tariff_from": "2025-05-10", "kwh": 250, '
        '"quotas": [153, 153, 307, 307, 307, null], "tiers": ' + lines + ', '
        '"subtotal": 502402}]}\n')


def test_the_cli_splits_a_period_across_the_price_change(cli):
    code, output = cli("bill", "estimate", "--kwh", "300", "--from", "16/04/2025",
                       "--to", "15/05/2025")
    result = json.loads(output)
    assert code == 0
    assert [p["tariff_from"] for p in result["parts"]] == ["2024-10-11", "2025-05-10"]
    assert (result["subtotal"], result["vat"], result["total"]) == (712_340, 56_987, 769_327)


@pytest.mark.parametrize("args, reason", [
    (["--kwh", "-5"], "--kwh"),
    (["--kwh", "nhiều"], "--kwh"),
    (["--households", "2"], "--kwh"),
    (["--kwh", "10", "--households", "0"], "--households"),
    (["--kwh", "10", "--from", "2025-10-01"], "Cần nhập cả ngày bắt đầu và ngày kết thúc"),
    (["--kwh", "10", "--from", "2025-10-31", "--to", "2025-10-01"], "không được trước"),
    (["--kwh", "10", "--from", "2025-02-30", "--to", "2025-03-31"], "--from"),
    (["--kwh", "10", "--from", "2020-01-01", "--to", "2020-01-31"], "01/01/2020"),
    (["--kwh", "5000000"], "1.000.000"),
])
def test_bad_input_is_a_usage_error_without_a_traceback(cli, args, reason):
    code, output = cli("bill", "estimate", *args)
    assert code == 2
    assert reason in output and "Traceback" not in output


def test_a_new_table_closes_the_current_one_the_day_before_and_is_audited(seeded):
    current = seeded.scalar(sa.select(TariffVersion).where(TariffVersion.valid_to.is_(None)))
    prices = [p + 100 for p in PRICES_2025]
    new = services.save_tariff(None, valid_from=date(2026, 7, 1), valid_to=None,
                               note="  Giá mới  ", bounds=BOUNDS, prices=prices)
    assert current.valid_to == date(2026, 6, 30)
    assert [t.price for t in new.tiers] == prices and new.note == "Giá mới"
    events = seeded.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "tariff_version").order_by(AuditEvent.id)).all()
    assert [(e.entity_id, e.action) for e in events] == [(current.id, "updated"),
                                                        (new.id, "created")]
    assert events[0].changes == {"valid_to": [None, "2026-06-30"]}
    assert events[1].changes["tiers"][1][0] == [50, 2084]
    assert queries.estimate_bill(10, on=date(2026, 7, 1))["tiers"][0]["price"] == 2084


def test_overlapping_dates_are_refused(seeded):
    with pytest.raises(services.TariffError) as caught:
        services.save_tariff(None, valid_from=date(2025, 1, 1), valid_to=date(2025, 1, 31),
                             note=None, bounds=BOUNDS, prices=PRICES_2025)
    assert caught.value.field == "valid_from" and "11/10/2024" in str(caught.value)
    with pytest.raises(services.TariffError):
        services.save_vat_rate(None, valid_from=date(2026, 1, 1), valid_to=None, percent=10,
                               note=None)


@pytest.mark.parametrize("bounds, prices, field", [
    ([50, 100, 100, 300, 400], PRICES_2025, "tiers-2-up_to"),
    ([50, 40, 200, 300, 400], PRICES_2025, "tiers-1-up_to"),
    ([0, 100, 200, 300, 400], PRICES_2025, "tiers-0-up_to"),
    ([50, 100, 200, 300, None], PRICES_2025, "tiers-4-up_to"),
    (BOUNDS, [1984, 0, 2380, 2998, 3350, 3460], "tiers-1-price"),
    (BOUNDS, [1984, 2050, 2380, 2998, 3350, -1], "tiers-5-price"),
    (BOUNDS, [1984, 2050, 2380, 2998, 3350, None], "tiers-5-price"),
])
def test_tiers_need_increasing_bounds_and_positive_prices(seeded, bounds, prices, field):
    with pytest.raises(services.TariffError) as caught:
        services.save_tariff(None, valid_from=date(2030, 1, 1), valid_to=None, note=None,
                             bounds=bounds, prices=prices)
    assert caught.value.field == field


def test_an_edit_may_keep_its_own_dates(seeded):
    current = seeded.scalar(sa.select(TariffVersion).where(TariffVersion.valid_to.is_(None)))
    services.save_tariff(current, valid_from=current.valid_from, valid_to=None, note="sửa",
                         bounds=BOUNDS, prices=PRICES_2025)
    event = seeded.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "tariff_version")).one()
    assert event.changes == {"note": ["Giá bán lẻ điện sinh hoạt từ 10/05/2025", "sửa"]}


def test_the_customer_prefill_uses_the_latest_reading_and_the_contract(make, seeded):
    customer = make.customer()
    seeded.add_all([
        Contract(customer=customer, number="HD-BILL-1", households=3),
        Reading(customer_id=customer.id, period="2025-09", kwh=180, read_on=date(2025, 9, 15)),
        Reading(customer_id=customer.id, period="2025-10", kwh=260, read_on=date(2025, 10, 31)),
    ])
    seeded.flush()
    figures = queries.customer_figures(customer)
    assert (figures.kwh, figures.households, figures.period_from, figures.period_to) == \
        (260, 3, date(2025, 9, 16), date(2025, 10, 31))
    nobody = queries.customer_figures(make.customer())
    assert (nobody.kwh, nobody.households, nobody.period_from) == (None, 1, None)


def test_the_bot_sentence_gives_the_total_and_the_vat_in_vietnamese(seeded):
    text = answers.estimate_text(350, period_from=date(2025, 10, 1), period_to=date(2025, 10, 31))
    assert text == ("Tiền điện ước tính cho 350 kWh từ 01/10/2025 đến 31/10/2025: 979.560 đ "
                    "(gồm 72.560 đ thuế GTGT 8%).")
    assert "2 hộ" in answers.estimate_text(350, households=2, period_from=date(2025, 10, 1),
                                           period_to=date(2025, 10, 31))
    assert answers.estimate_text(-1).startswith("Không tính được tiền điện")


def test_an_empty_tariff_table_is_a_clear_error(seeded):
    seeded.execute(sa.delete(TariffVersion))
    with pytest.raises(EstimateError) as caught:
        queries.estimate_bill(100, on=date(2025, 10, 1))
    assert "01/10/2025" in str(caught.value)


def test_an_edit_of_the_prices_replaces_the_tiers_and_audits_old_and_new(seeded):
    current = seeded.scalar(sa.select(TariffVersion).where(TariffVersion.valid_to.is_(None)))
    prices = [p + 1 for p in PRICES_2025]
    services.save_tariff(current, valid_from=current.valid_from, valid_to=None,
                         note=current.note, bounds=BOUNDS, prices=prices)
    seeded.expire_all()
    assert [t.price for t in current.tiers] == prices
    event = seeded.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "tariff_version")).one()
    assert event.changes["tiers"][0][0] == [50, 1984]
    assert event.changes["tiers"][1][0] == [50, 1985]
