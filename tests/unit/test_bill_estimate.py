"""The residential bill estimate as arithmetic: quotas × households, pro-rating by days, a
period split at a price change, the 401+ tier, VAT rounding (crm/billing/estimate.py)."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from crm.billing.estimate import (EstimateError, Tariff, Vat, add_months, apportion, estimate,
                                  months_in)

BOUNDS = (50, 100, 200, 300, 400, None)
OLD = Tariff(date(2024, 10, 11), date(2025, 5, 9),
             tuple(zip(BOUNDS, (1893, 1956, 2271, 2860, 3197, 3302))))
NEW = Tariff(date(2025, 5, 10), None, tuple(zip(BOUNDS, (1984, 2050, 2380, 2998, 3350, 3460))))
TARIFFS = (OLD, NEW)
VAT_8 = (Vat(date(2023, 7, 1), None, 8),)
ON = date(2025, 10, 31)


def bill(kwh, **kw):
    kw.setdefault("tariffs", TARIFFS)
    kw.setdefault("vat_rates", VAT_8)
    kw.setdefault("on", ON)
    return estimate(kwh, **kw)


def lines(result):
    return [(line["tier"], line["kwh"], line["price"], line["amount"]) for line in result["tiers"]]


def test_a_whole_month_fills_the_tiers_in_order():
    result = bill(350)
    assert lines(result) == [(1, 50, 1984, 99_200), (2, 50, 2050, 102_500),
                             (3, 100, 2380, 238_000), (4, 100, 2998, 299_800),
                             (5, 50, 3350, 167_500)]
    assert (result["subtotal"], result["vat_rate"], result["vat"], result["total"]) == \
        (907_000, 8, 72_560, 979_560)


def test_two_households_double_every_quota():
    """350 kWh for two households: 100 + 100 + 150 of the 200 at tier 3, nothing above."""
    result = bill(350, households=2)
    assert result["parts"][0]["quotas"] == [100, 100, 200, 200, 200, None]
    assert lines(result) == [(1, 100, 1984, 198_400), (2, 100, 2050, 205_000),
                             (3, 150, 2380, 357_000)]
    assert result["subtotal"] == 760_400 < bill(350)["subtotal"]


def test_the_tier_above_400_kwh_takes_everything_left():
    result = bill(1000)
    assert lines(result)[-1] == (6, 600, 3460, 2_076_000)
    assert sum(line["kwh"] for line in result["tiers"]) == 1000


def test_zero_kwh_is_a_zero_bill_with_no_lines():
    result = bill(0, period_from=date(2025, 10, 1), period_to=date(2025, 10, 31))
    assert result["tiers"] == [] and (result["subtotal"], result["vat"], result["total"]) == (0, 0, 0)


def test_a_whole_calendar_month_keeps_full_quotas_however_long_it_is():
    for start, end in [(date(2025, 2, 1), date(2025, 2, 28)), (date(2025, 9, 16), date(2025, 10, 15)),
                       (date(2025, 10, 1), date(2025, 10, 31))]:
        assert bill(120, period_from=start, period_to=end)["parts"][0]["quotas"][:2] == [50, 50]


def test_a_short_period_shrinks_the_quotas_by_days_over_30():
    """20/10–31/10 is 12 days: 50 × 12/30 = 20 and 100 × 12/30 = 40 kWh."""
    result = bill(100, period_from=date(2025, 10, 20), period_to=date(2025, 10, 31))
    assert result["days"] == 12
    assert result["parts"][0]["quotas"] == [20, 20, 40, 40, 40, None]
    assert lines(result) == [(1, 20, 1984, 39_680), (2, 20, 2050, 41_000), (3, 40, 2380, 95_200),
                             (4, 20, 2998, 59_960)]


def test_the_month_the_reading_day_moves_to_month_end_is_longer_than_a_month():
    """Read on 15/09, then on 31/10: 16/09–31/10 is one month and 16 days, 1 + 16/30 months.

    Tier 1: 50 × 46/30 = 76.67 → 77 kWh; tiers 3–5: 100 × 46/30 = 153.33 → 153 kWh.
    """
    result = bill(200, period_from=date(2025, 9, 16), period_to=date(2025, 10, 31))
    assert result["days"] == 46
    assert result["parts"][0]["quotas"] == [77, 77, 153, 153, 153, None]
    assert lines(result) == [(1, 77, 1984, 152_768), (2, 77, 2050, 157_850),
                             (3, 46, 2380, 109_480)]


def test_a_period_across_10_05_2025_is_split_by_days():
    """16/04–15/05/2025 is one month of 30 days: 24 days at the old prices, 6 at the new.

    300 kWh → 300 × 24/30 = 240 old and 60 new; quotas 24/30 and 6/30 of a month:
    old 40/40/80/80/80, new 10/10/20/20/20.
    Old: 40×1893 + 40×1956 + 80×2271 + 80×2860 = 75,720 + 78,240 + 181,680 + 228,800 = 564,440
    New: 10×1984 + 10×2050 + 20×2380 + 20×2998 = 19,840 + 20,500 + 47,600 + 59,960 = 147,900
    Subtotal 712,340; VAT 8 % = 56,987.2 → 56,987; total 769,327.
    """
    result = bill(300, period_from=date(2025, 4, 16), period_to=date(2025, 5, 15))
    old, new = result["parts"]
    assert (old["from"], old["to"], old["days"], old["kwh"], old["tariff_from"]) == \
        ("2025-04-16", "2025-05-09", 24, 240, "2024-10-11")
    assert (new["from"], new["to"], new["days"], new["kwh"], new["tariff_from"]) == \
        ("2025-05-10", "2025-05-15", 6, 60, "2025-05-10")
    assert old["quotas"] == [40, 40, 80, 80, 80, None]
    assert new["quotas"] == [10, 10, 20, 20, 20, None]
    assert (old["subtotal"], new["subtotal"]) == (564_440, 147_900)
    assert (result["subtotal"], result["vat"], result["total"]) == (712_340, 56_987, 769_327)
    assert result["tiers"] == old["tiers"] + new["tiers"]


def test_the_split_kwh_always_add_up_to_the_reading():
    for kwh in (0, 1, 7, 299, 301, 12_345):
        result = bill(kwh, period_from=date(2025, 4, 11), period_to=date(2025, 5, 12))
        assert sum(part["kwh"] for part in result["parts"]) == kwh
        assert sum(line["kwh"] for line in result["tiers"]) == kwh


def test_vat_is_rounded_half_up_on_the_subtotal():
    one_tier = (Tariff(date(2025, 1, 1), None, ((None, 1805),)),)
    ten = (Vat(date(2025, 1, 1), None, 10),)
    # 1 kWh: 1,805 × 10 % = 180.5 → 181 (half-up, not to even)
    assert bill(1, tariffs=one_tier, vat_rates=ten)["vat"] == 181
    # 3 kWh: 5,415 × 10 % = 541.5 → 542; 1 kWh at 8 %: 1,984 × 8 % = 158.72 → 159
    assert bill(3, tariffs=one_tier, vat_rates=ten)["vat"] == 542
    assert bill(1)["vat"] == 159
    # 7 kWh at 8 %: 13,888 × 8 % = 1,111.04 → 1,111
    assert bill(7)["vat"] == 1_111


def test_the_vat_rate_is_the_one_in_force_on_the_reading_day():
    rates = (Vat(date(2023, 7, 1), date(2026, 12, 31), 8), Vat(date(2027, 1, 1), None, 10))
    result = bill(100, vat_rates=rates, period_from=date(2026, 12, 16),
                  period_to=date(2027, 1, 15))
    assert result["vat_rate"] == 10
    assert bill(100, vat_rates=rates, on=date(2026, 12, 31))["vat_rate"] == 8


def test_without_a_period_the_prices_of_the_given_day_apply():
    assert bill(10, on=date(2025, 5, 9))["tiers"][0]["price"] == 1893
    assert bill(10, on=date(2025, 5, 10))["tiers"][0]["price"] == 1984
    result = bill(10)
    assert (result["from"], result["to"], result["days"]) == (None, None, None)


@pytest.mark.parametrize("first, last, months", [
    (date(2025, 10, 1), date(2025, 10, 31), Fraction(1)),
    (date(2025, 2, 1), date(2025, 2, 28), Fraction(1)),
    (date(2025, 9, 16), date(2025, 10, 15), Fraction(1)),
    (date(2025, 10, 16), date(2025, 11, 15), Fraction(1)),
    (date(2025, 10, 20), date(2025, 10, 31), Fraction(12, 30)),
    (date(2025, 9, 16), date(2025, 10, 31), 1 + Fraction(16, 30)),
    (date(2025, 10, 16), date(2025, 11, 14), Fraction(30, 30)),
    (date(2025, 1, 1), date(2025, 3, 31), Fraction(3)),
    (date(2025, 1, 1), date(2025, 1, 1), Fraction(1, 30)),
])
def test_months_are_whole_calendar_months_plus_days_over_30(first, last, months):
    assert months_in(first, last) == months


def test_adding_months_clamps_to_a_shorter_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 2) == date(2026, 1, 15)


def test_apportioned_kwh_round_half_up_and_the_last_part_takes_the_rest():
    assert apportion(300, [24, 6]) == [240, 60]
    assert apportion(101, [15, 15]) == [51, 50]
    assert apportion(10, [1, 1, 1]) == [3, 3, 4]


@pytest.mark.parametrize("kwargs, field", [
    (dict(kwh=-1), "kwh"),
    (dict(kwh=1.5), "kwh"),
    (dict(kwh=True), "kwh"),
    (dict(kwh=1_000_001), "kwh"),
    (dict(kwh=10, households=0), "households"),
    (dict(kwh=10, households=101), "households"),
    (dict(kwh=10, period_from=date(2025, 10, 1)), "to"),
    (dict(kwh=10, period_to=date(2025, 10, 1)), "from"),
    (dict(kwh=10, period_from=date(2025, 10, 2), period_to=date(2025, 10, 1)), "to"),
    (dict(kwh=10, period_from=date(2024, 1, 1), period_to=date(2025, 3, 1)), "to"),
    (dict(kwh=10, period_from=date(2024, 10, 1), period_to=date(2024, 10, 31)), "from"),
    (dict(kwh=10, on=date(2020, 1, 1)), "from"),
    (dict(kwh=10, vat_rates=()), "to"),
])
def test_bad_input_names_the_field(kwargs, field):
    kwh = kwargs.pop("kwh")
    with pytest.raises(EstimateError) as caught:
        bill(kwh, **kwargs)
    assert caught.value.field == field and str(caught.value)
