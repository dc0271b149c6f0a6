"""One marshmallow field type per concept (ids, dates, money, phones, PIN codes...) and the base schemas."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import marshmallow as ma
from marshmallow import fields, validate

from household.bounds import DATE_RANGE_MESSAGE, MAX_ID, TIME_RANGE_MESSAGE, date_in_range, to_utc_in_range

PIN_CODE_RE = r"^[1-9][0-9]{5}$"
PASSWORD_MIN = 8
PASSWORD_MAX = 128


class Id(fields.Integer):
    """A row's id: 1 to 2**31-1, the range of the databases' integer keys.

    In a JSON body only a JSON integer will do (not "3", 3.0 or true). A query string carries
    only text, so there (`in_query=True`) it is plain ASCII digits, nothing int() would also take
    (" 3", "+3", "3_0", a full-width 3).
    """

    default_error_messages = {"invalid": "Not a valid id.", "range": f"Use an id from 1 to {MAX_ID}."}

    def __init__(self, *, in_query: bool = False, **kwargs):
        self.in_query = in_query
        kwargs["metadata"] = {**kwargs.get("metadata", {}), "minimum": 1, "maximum": MAX_ID}
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.in_query and isinstance(value, str):
            if not (value.isascii() and value.isdigit()):
                raise self.make_error("invalid")
            # Eleven digits are already out of range: no need to convert a longer string at all.
            value = int(value) if len(value) <= len(str(MAX_ID)) else MAX_ID + 1
        value = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= value <= MAX_ID:
            raise self.make_error("range")
        return value


def _with_range(kwargs: dict, sentence: str) -> dict:
    # OpenAPI 3.0 has no minimum for a date: the document says it in words.
    metadata = dict(kwargs.get("metadata", {}))
    metadata["description"] = " ".join(filter(None, (metadata.get("description"), sentence)))
    return {**kwargs, "metadata": metadata}


class Date(fields.Date):
    """A calendar day (YYYY-MM-DD) within the range the app handles (household.bounds)."""

    default_error_messages = {"range": DATE_RANGE_MESSAGE}

    def __init__(self, **kwargs):
        super().__init__(**_with_range(kwargs, DATE_RANGE_MESSAGE))

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not date_in_range(day):
            raise self.make_error("range")
        return day


class DateTime(fields.AwareDateTime):
    """An ISO 8601 date and time with its offset, given back in UTC, within the range the app handles."""

    default_error_messages = {
        "invalid": "Not a valid date and time: use ISO 8601, e.g. 2026-12-01T10:00:00+05:30.",
        "invalid_awareness": "Include a time zone offset, e.g. 2026-12-01T10:00:00+05:30.",
        "range": TIME_RANGE_MESSAGE,
    }

    def __init__(self, **kwargs):
        super().__init__(**_with_range(kwargs, TIME_RANGE_MESSAGE))

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        utc = to_utc_in_range(moment)
        if utc is None:
            raise self.make_error("range")
        return utc


class Trimmed(fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return value.strip()


def Text(*, required: bool = False, min_len: int = 0, max_len: int, **kwargs) -> Trimmed:  # noqa: N802
    validators = [validate.Length(min=min_len, max=max_len)]
    return Trimmed(required=required, validate=validators, **kwargs)


def ExperienceYears(**kwargs) -> fields.Integer:  # noqa: N802
    """A professional's years of experience, 0 to 60."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=60), **kwargs)


_PIN_FORMAT = "Enter a 6-digit PIN code (e.g. 560034)."


def _existing_pin(value: str) -> None:
    from household.domain import geo

    # The format first: a malformed PIN is told how to type one, a well-formed one that does not exist just that.
    if not re.fullmatch(PIN_CODE_RE, value):
        raise ma.ValidationError(_PIN_FORMAT)
    if not geo.is_known(value):
        raise ma.ValidationError(geo.UNKNOWN_PIN)


def PinCode(**kwargs) -> Trimmed:  # noqa: N802
    """A 6-digit Indian PIN code that exists (household.domain.geo): an unknown one is refused, not searched for."""
    metadata = {"example": "560034", "pattern": PIN_CODE_RE, **kwargs.pop("metadata", {})}
    return Trimmed(validate=_existing_pin, metadata=metadata, **kwargs)


class PhoneNumber(Trimmed):
    """An Indian mobile number; spaces and dashes are allowed and stored as +91XXXXXXXXXX."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        compact = re.sub(r"[\s\-()]", "", value)
        if not re.fullmatch(r"(\+?91|0)?[6-9]\d{9}", compact):
            raise ma.ValidationError("Enter a 10-digit mobile number, optionally with +91.")
        return "+91" + compact[-10:]


def Phone(**kwargs) -> PhoneNumber:  # noqa: N802
    return PhoneNumber(metadata={"example": "+91 98450 12345"}, **kwargs)


class Email(fields.Email):
    """An email address in the one form accounts store and compare (household.domain.names)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from household.domain.names import normalise_email

        if isinstance(value, str):
            # Before validation: a pasted zero-width space or a fullwidth letter is the same account.
            value = normalise_email(value)
        return super()._deserialize(value, attr, data, **kwargs)


_COMMON = Path(__file__).resolve().parent.parent / "auth" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def _not_common(value: str) -> None:
    if value.lower() in common_passwords():
        raise ma.ValidationError("This password is too common. Choose one that is harder to guess.")


def Password(**kwargs) -> fields.String:  # noqa: N802
    """8 to 128 characters, not one of the most common passwords; no composition rules."""
    return fields.String(
        validate=[
            validate.Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                error=f"Use between {PASSWORD_MIN} and {PASSWORD_MAX} characters.",
            ),
            _not_common,
        ],
        load_only=True,
        metadata={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX},
        **kwargs,
    )


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class StrictSchema(ma.Schema):
    """Unknown fields are refused: no mass assignment of roles, status, prices or approvals."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_nul(self, data, **kwargs):
        # No database stores NUL in text (PostgreSQL refuses it outright): refuse it at the door.
        if isinstance(data, Mapping):
            bad = {str(k): ["Must not contain NUL characters."] for k, v in data.items() if _has_nul(k) or _has_nul(v)}
            if bad:
                raise ma.ValidationError(bad)
        return data


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class Money(fields.Decimal):
    """Rupees with at most two decimals; dumped as a JSON number with two decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("places", 2)
        super().__init__(as_string=False, allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        parsed = super()._deserialize(value, attr, data, **kwargs)
        return parsed

    def _validated(self, value):
        from decimal import Decimal, InvalidOperation

        try:
            num = Decimal(str(value))
        except (InvalidOperation, TypeError, ValueError):
            raise self.make_error("invalid") from None
        if num.is_nan() or num.is_infinite():
            raise self.make_error("special")
        try:
            # Too many digits for the decimal context (1e26 and up) cannot be quantized at all.
            rounded = num.quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ma.ValidationError("Too large an amount.") from None
        if num != rounded:
            raise ma.ValidationError("Use at most two decimals (paise).")
        return rounded
