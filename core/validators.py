"""Validation of phone numbers (with `phonenumbers`) and Chinese ID documents."""

import datetime
import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PHONE_REGION = "CN"


def normalize_phone(raw: str) -> str:
    """Return the phone number as staff dial it (mainland: 13812345678, 075512345678), or raise.

    Accepts spaces, dashes, brackets and a +86/0086 prefix. Numbers from other regions are
    kept in international form (+852...). Only numbers `phonenumbers` deems valid pass.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("请填写电话号码"), code="phone_required")
    if text.startswith("00"):
        text = "+" + text[2:]
    normalized = _normalized(text)
    if normalized is _UNPARSABLE:
        raise ValidationError(
            _("电话号码“%(value)s”格式不正确") % {"value": raw}, code="phone_invalid"
        )
    if normalized is _INVALID:
        raise ValidationError(
            _("电话号码“%(value)s”不是有效号码") % {"value": raw}, code="phone_invalid"
        )
    return normalized


_UNPARSABLE, _INVALID = object(), object()


# The residents who call are the same few thousand numbers: parsing one with phonenumbers costs
# more than the rest of checking an intake's fields (issue #3), and the answer never changes.
@functools.lru_cache(maxsize=8192)
def _normalized(text: str):
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return _UNPARSABLE
    if not phonenumbers.is_valid_number(number):
        return _INVALID
    if number.country_code == 86:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CODES = "10X98765432"


def resident_id_card_check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of a 居民身份证 number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CODES[total % 11]


def normalize_resident_id_card(raw: str) -> str:
    """Validate an 18-character mainland ID card number (format, birth date, check digit)."""
    value = (raw or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_("身份证号码应为18位(最后一位可为X)"), code="id_number_format")
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效"), code="id_number_birth") from None
    if birth > datetime.date.today() or birth.year < 1900:
        raise ValidationError(_("身份证号码中的出生日期无效"), code="id_number_birth")
    if resident_id_card_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位不正确,请核对"), code="id_number_checksum")
    return value


def normalize_other_id_document(raw: str) -> str:
    """Passports and travel permits: 5–20 letters and digits."""
    value = re.sub(r"\s", "", (raw or "")).upper()
    if not re.fullmatch(r"[A-Z0-9]{5,20}", value):
        raise ValidationError(_("证件号码应为5至20位字母或数字"), code="id_number_format")
    return value


def mask_id_number(value: str) -> str:
    """What staff without need see: the first 4 and last 4 characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[0] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
