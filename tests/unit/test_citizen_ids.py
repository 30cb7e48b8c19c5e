"""Citizen ID numbers as typed: 12 digits with a province code, masked to the last four."""
import pytest

from crm.households.citizen_ids import InvalidCitizenId, mask, normalise


@pytest.mark.parametrize("typed, stored", [
    ("001099012345", "001099012345"),
    (" 001 099 012 345 ", "001099012345"),
    ("079.188.004.321", "079188004321"),
    ("096-300-000-001", "096300000001"),
])
def test_a_typed_citizen_id_is_stored_as_its_twelve_digits(typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize("typed", ["00109901234", "0010990123456", "00109901234A", "",
                                   None, "123456789", "００１０９９０１２３４５"])
def test_anything_but_twelve_digits_is_refused(typed):
    with pytest.raises(InvalidCitizenId) as refused:
        normalise(typed)
    assert str(refused.value) == "format"


@pytest.mark.parametrize("typed", ["000099012345", "097099012345", "999099012345"])
def test_the_first_three_digits_must_be_a_province_code(typed):
    with pytest.raises(InvalidCitizenId) as refused:
        normalise(typed)
    assert str(refused.value) == "province"


def test_the_mask_keeps_the_last_four_digits_only():
    assert mask("001099012345") == "****2345"
    assert mask(None) == mask("") == ""
