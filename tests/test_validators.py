"""The shared validators: each rule fails with its own error code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    normalize_uscc,
    uscc_check_character,
    validate_date_order,
    validate_nice_class,
    validate_trademark_number,
    validate_uscc,
)

EXAMPLES = list(csv.DictReader((Path(__file__).parent / "data" / "uscc_examples.csv").open(encoding="utf-8")))
VALID = [row["code"] for row in EXAMPLES if row["expected_valid"] == "true"]
INVALID = [row for row in EXAMPLES if row["expected_valid"] == "false"]


def error_code(func, *args, **kwargs) -> str | None:
    try:
        func(*args, **kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return next(iter(exc.error_dict.values()))[0].code
        return exc.code
    return None


def test_the_examples_file_has_valid_and_invalid_codes():
    assert len(VALID) >= 4
    assert len(INVALID) >= 3


@pytest.mark.parametrize("code", VALID)
def test_every_valid_example_passes(code):
    validate_uscc(code)


@pytest.mark.parametrize("code", VALID)
def test_lower_case_input_is_accepted(code):
    validate_uscc(code.lower())
    assert normalize_uscc(f"  {code.lower()} ") == code


@pytest.mark.parametrize("row", INVALID, ids=[row["code"] for row in INVALID])
def test_every_invalid_example_fails_with_the_rule_it_breaks(row):
    expected = {
        "wrong check char": "uscc_check_character",
        "contains excluded letters": "uscc_excluded_letter",
        "17 chars": "uscc_length",
    }
    code = next(v for k, v in expected.items() if row["entity"].startswith(k))
    assert error_code(validate_uscc, row["code"]) == code


def test_wrong_length_is_named_with_the_length():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91150200701240234")
    assert exc.value.code == "uscc_length"
    assert exc.value.params == {"length": 17}


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_each_excluded_letter_is_named(letter):
    code = "91150102MA0000001" + letter
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == "uscc_excluded_letter"
    assert letter in exc.value.params["letters"]


def test_characters_outside_the_alphabet_are_refused():
    assert error_code(validate_uscc, "91150102MA000000-1") == "uscc_invalid_character"


def test_wrong_check_character_names_the_expected_one():
    body = "91150102MA0000001"
    expected = uscc_check_character(body)
    wrong = "0" if expected != "0" else "1"
    with pytest.raises(ValidationError) as exc:
        validate_uscc(body + wrong)
    assert exc.value.code == "uscc_check_character"
    assert exc.value.params == {"expected": expected, "got": wrong}


def test_a_code_may_start_with_letters():
    body = "Y1150102MA0000001"
    validate_uscc(body + uscc_check_character(body))


@pytest.mark.parametrize(("value", "ok"), [(1, True), (45, True), (0, False), (46, False)])
def test_nice_class_range(value, ok):
    assert error_code(validate_nice_class, value) == (None if ok else "nice_class_range")


@pytest.mark.parametrize(("value", "ok"), [("1", True), ("12345678", True), ("123456789", False), ("12a", False)])
def test_trademark_number_format(value, ok):
    assert error_code(validate_trademark_number, value) == (None if ok else "trademark_number_format")


def test_date_order_names_the_end_field():
    import datetime

    start, end = datetime.date(2024, 5, 1), datetime.date(2024, 4, 30)
    with pytest.raises(ValidationError) as exc:
        validate_date_order(start=start, end=end, start_field="issued_on", end_field="expires_on")
    assert exc.value.error_dict["expires_on"][0].code == "date_order"
    same = datetime.date(2024, 5, 1)
    assert error_code(validate_date_order, start=start, end=same, start_field="a", end_field="b") == "date_order"
    validate_date_order(start=start, end=same, start_field="a", end_field="b", allow_same_day=True)
