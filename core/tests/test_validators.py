"""Phone and ID validation (issue #2: phone validated with phonenumbers, ID numbers checked)."""

import pytest
from django.core.exceptions import ValidationError

from core.testing import VALID_ID_CARD, VALID_ID_CARD_2
from core.validators import (
    mask_id_number,
    normalize_other_id_document,
    normalize_phone,
    normalize_resident_id_card,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0755-26880000", "075526880000"),
        ("(010) 6512 3456", "01065123456"),
        ("+852 9123 4567", "+85291234567"),
    ],
)
def test_phone_numbers_are_normalised_as_staff_dial_them(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["1381234567", "23812345678", "12345", "abc", "138123456789"])
def test_invalid_phone_numbers_are_refused_in_chinese(typed):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(typed)
    assert "电话号码" in exc.value.messages[0]


def test_empty_phone_is_refused():
    with pytest.raises(ValidationError, match="请填写电话号码"):
        normalize_phone("  ")


def test_valid_id_cards_pass_and_lower_case_x_is_upper_cased():
    assert normalize_resident_id_card(VALID_ID_CARD.lower()) == VALID_ID_CARD
    assert normalize_resident_id_card(VALID_ID_CARD_2) == VALID_ID_CARD_2


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("11010519491231002", "18位"),  # 17 digits
        ("1101051949123100XX", "18位"),
        ("110105194913310026", "出生日期"),  # month 13
        ("110105194912310021", "校验位"),  # wrong check digit
    ],
)
def test_bad_id_cards_say_why(typed, reason):
    with pytest.raises(ValidationError) as exc:
        normalize_resident_id_card(typed)
    assert reason in exc.value.messages[0]


def test_passport_numbers_are_letters_and_digits():
    assert normalize_other_id_document("e 1234 5678") == "E12345678"
    with pytest.raises(ValidationError):
        normalize_other_id_document("E12-345")


def test_masked_id_keeps_first_and_last_four():
    assert mask_id_number(VALID_ID_CARD) == "1101**********002X"
    assert mask_id_number("") == ""
