"""The reference data (data/*.csv) as load_reference loads it, and the USCC examples."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from brands.models import NiceClass, Trademark, TrademarkTier
from core.models import Region, RegionLevel
from core.validators import validate_uscc
from geo_indications.models import GIProduct
from targets.metrics import metric_exists
from targets.models import MeasuredBy, Plan, Target, TargetGroup

USCC_EXAMPLES = Path(__file__).parent / "data" / "uscc_examples.csv"
# The rule each invalid example breaks (the error code core.validators gives).
USCC_ERRORS = {
    "91110000600037341N": "uscc_check_character",
    "9111000060003IOZSV": "uscc_excluded_letter",
    "91150200701240234": "uscc_length",
}


def test_regions_are_one_province_twelve_leagues_and_103_counties(reference_data):
    assert Region.objects.count() == 116
    province = Region.objects.get(level=RegionLevel.PROVINCE)
    assert (province.code, province.parent_id) == ("150000", None)
    leagues = Region.objects.filter(level=RegionLevel.PREFECTURE)
    assert leagues.count() == 12
    assert set(leagues.values_list("parent_id", flat=True)) == {"150000"}
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    assert counties.count() == 103
    assert not counties.exclude(parent__level=RegionLevel.PREFECTURE).exists()
    assert all(c.code[:4] == c.parent_id[:4] for c in counties)


def test_nice_classes_are_1_to_45(reference_data):
    assert list(NiceClass.objects.values_list("number", flat=True)) == list(range(1, 46))


def test_the_2015_plan_has_42_targets_of_which_13_counted_by_known_metrics(reference_data):
    plan = Plan.objects.get()
    assert plan.code == "plan-2015"
    assert plan.targets.count() == 42
    registry = plan.targets.filter(measured_by=MeasuredBy.REGISTRY)
    assert registry.count() == 13
    assert all(metric_exists(t.metric) for t in registry), [t.metric for t in registry]
    assert not plan.targets.filter(measured_by=MeasuredBy.REPORTED).exclude(metric="").exists()


def test_the_gi_sample_has_39_products_in_known_regions(reference_data):
    assert GIProduct.objects.count() == 39
    assert not GIProduct.objects.filter(region__isnull=True).exists()
    assert all(gi.protected_area.exists() for gi in GIProduct.objects.all())


def test_six_of_the_seven_sample_trademarks_are_well_known(reference_data):
    assert Trademark.objects.count() == 7
    assert Trademark.objects.filter(tier=TrademarkTier.WELL_KNOWN).count() == 6


def _counts() -> dict[str, int]:
    models = [Region, NiceClass, Plan, TargetGroup, Target, GIProduct, GIProduct.protected_area.through, Trademark]
    return {m._meta.label: m.objects.count() for m in [*models, Trademark.nice_classes.through]}


def test_loading_reference_data_twice_duplicates_nothing(reference_data):
    before = _counts()
    with open(os.devnull, "w") as devnull:
        call_command("load_reference", stdout=devnull)
    assert _counts() == before


def _uscc_examples() -> list[tuple[str, bool]]:
    with USCC_EXAMPLES.open(encoding="utf-8") as fh:
        return [(row["code"], row["expected_valid"] == "true") for row in csv.DictReader(fh)]


@pytest.mark.parametrize(("code", "valid"), _uscc_examples())
def test_uscc_example_validates_as_expected(code, valid):
    if valid:
        validate_uscc(code)
        validate_uscc(code.lower())  # lower case is accepted
        return
    assert code in USCC_ERRORS, f"say which rule {code} breaks"
    with pytest.raises(ValidationError) as exc_info:
        validate_uscc(code)
    assert exc_info.value.code == USCC_ERRORS[code]


def test_the_examples_cover_valid_and_each_invalid_rule():
    examples = _uscc_examples()
    assert any(valid for _, valid in examples)
    assert {code for code, valid in examples if not valid} == set(USCC_ERRORS)
