import pytest

from crm.core.phones import InvalidPhone, national, normalise_phone


@pytest.mark.parametrize("written", [
    "0905123456", "0905 123 456", "090-512-3456", "84905123456", "+84905123456",
    "+84 905 123 456", "0084905123456", "(+84) 905.123.456",
])
def test_every_vietnamese_form_of_a_mobile_number_becomes_e164(written):
    assert normalise_phone(written) == "+84905123456"


@pytest.mark.parametrize("old, new", [
    ("01652345678", "+84352345678"),     # Viettel 0165 → 035
    ("01202345678", "+84702345678"),     # MobiFone 0120 → 070
    ("01232345678", "+84832345678"),     # VinaPhone 0123 → 083
    ("+841862345678", "+84562345678"),   # Vietnamobile 0186 → 056
    ("841992345678", "+84592345678"),    # Gmobile 0199 → 059
])
def test_old_eleven_digit_mobile_numbers_are_converted(old, new):
    assert normalise_phone(old) == new


def test_landlines_keep_their_area_code():
    assert normalise_phone("028 3822 1234") == "+842838221234"


@pytest.mark.parametrize("bad", ["", "abc", "12345", "0905", "+1 555", "0905123456789"])
def test_unusable_numbers_are_refused(bad):
    with pytest.raises(InvalidPhone):
        normalise_phone(bad)


def test_national_form_is_what_staff_read_aloud():
    assert national("+84905123456") == "0905 123 456"
