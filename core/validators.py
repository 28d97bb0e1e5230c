"""Validators shared by forms, admin, import and API (model-field validators run in all four).

Each error has a stable ``code`` naming the rule that failed, so callers and tests can tell
the rules apart; the message is translated (Chinese by default, English on request).
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_EXCLUDED = set("IOSVZ")
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...


def uscc_check_character(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> None:
    """Validate a Unified Social Credit Code and say which rule failed."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("Unified Social Credit Code must be 18 characters long (got %(length)d)."),
            code="uscc_length",
            params={"length": len(code)},
        )
    excluded = sorted({ch for ch in code if ch in USCC_EXCLUDED})
    if excluded:
        raise ValidationError(
            _("Unified Social Credit Code must not contain the letters I, O, S, V or Z (found %(letters)s)."),
            code="uscc_excluded_letter",
            params={"letters": ", ".join(excluded)},
        )
    invalid = sorted({ch for ch in code if ch not in USCC_ALPHABET})
    if invalid:
        raise ValidationError(
            _("Unified Social Credit Code may only contain digits and capital letters (found %(chars)s)."),
            code="uscc_invalid_character",
            params={"chars": " ".join(invalid)},
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("Unified Social Credit Code check character is wrong: expected %(expected)s, got %(got)s."),
            code="uscc_check_character",
            params={"expected": expected, "got": code[17]},
        )


def validate_nice_class(value: int) -> None:
    if value is None or not 1 <= int(value) <= 45:
        raise ValidationError(
            _("Nice class must be a number from 1 to 45 (got %(value)s)."),
            code="nice_class_range",
            params={"value": value},
        )


def validate_trademark_number(value: str) -> None:
    if not re.fullmatch(r"[0-9]{1,8}", value or ""):
        raise ValidationError(
            _("Trademark registration number must be 1 to 8 digits (got %(value)s)."),
            code="trademark_number_format",
            params={"value": value},
        )


def validate_date_order(
    *, start: date | None, end: date | None, start_field: str, end_field: str, allow_same_day: bool = False
) -> None:
    """An end date (expiry, valid-until) must come after its start date (issue, recognition)."""
    if not (start and end):
        return
    if end < start or (end == start and not allow_same_day):
        raise ValidationError(
            {
                end_field: ValidationError(
                    _("This date (%(end)s) must be after %(start)s."),
                    code="date_order",
                    params={"start": start, "end": end},
                )
            }
        )
