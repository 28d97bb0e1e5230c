"""The progress counts are cached under the registry version (targets.freshness), which database triggers
change in the writing transaction itself: every way of writing shows at once, signals or not."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from brands.models import Brand
from certifications.models import Certification, CertificationKind
from targets.freshness import registry_version
from targets.progress_counts import registry_counts
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)
BRANDS = {("brands_recognised", TODAY)}


def recognised(**fields) -> Brand:
    return BrandFactory(recognised=True, recognised_on=datetime.date(2025, 3, 1), **fields)


def brands_now() -> int:
    return registry_counts(BRANDS)[("brands_recognised", TODAY)]


def test_a_repeated_count_costs_one_query_and_gives_the_same_figures(regions):
    recognised()
    recognised()
    assert brands_now() == 2
    with CaptureQueriesContext(connection) as queries:
        assert brands_now() == 2
    assert len(queries) == 1  # the registry version
    assert "targets_registryversion" in queries[0]["sql"]


def test_a_queryset_update_without_signals_shows_at_once(regions):
    first, _second = recognised(), recognised()
    assert brands_now() == 2
    Brand.objects.filter(pk=first.pk).update(revoked_on=datetime.date(2026, 1, 1))  # sends no signal
    assert brands_now() == 1


def test_a_bulk_create_shows_at_once(regions):
    assert brands_now() == 0
    enterprise = EnterpriseFactory()
    Brand.objects.bulk_create(
        [
            Brand(
                name=f"批量品牌{n}",
                enterprise=enterprise,
                region=enterprise.region,
                industry="food",
                status="recognised",
                recognised_on=datetime.date(2025, 3, 1),
                valid_until=datetime.date(2028, 2, 29),
            )
            for n in range(3)
        ]
    )
    assert brands_now() == 3


def test_figures_of_a_rolled_back_transaction_are_never_served(regions):
    recognised()
    assert brands_now() == 1
    before = registry_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        recognised()
        assert brands_now() == 2  # inside the transaction: its own rows, under its own version
        inside = registry_version()
        raise RuntimeError("roll back")
    assert inside != before
    assert registry_version() == before
    assert brands_now() == 1
    Brand.objects.filter(revoked_on__isnull=True).update(name="改名")  # a committed change, a new version
    assert registry_version() not in (before, inside)
    assert brands_now() == 1


def test_every_register_write_changes_the_version(regions):
    versions = [registry_version()]
    cert = CertificationFactory(kind=CertificationKind.GREEN_FOOD)
    versions.append(registry_version())
    Certification.objects.filter(pk=cert.pk).update(revoked_on=datetime.date(2026, 1, 1))
    versions.append(registry_version())
    Certification.objects.filter(pk=cert.pk).delete()
    versions.append(registry_version())
    assert len(set(versions)) == 4


def test_the_dashboard_page_is_cheaper_when_nothing_changed(client, reference_data):
    recognised()

    def page() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/progress/")
        assert response.status_code == 200
        return len(queries), re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text)

    cold, first = page()
    warm, second = page()
    assert warm < cold
    assert first == second
    recognised()  # a change: the next page counts again, and shows it
    again, third = page()
    assert again == cold
    assert third != second


def test_migrate_puts_back_a_trigger_that_went_missing(regions):
    """SQLite drops a table's triggers when a migration rebuilds the table: every migrate reinstalls them."""
    brand = recognised()
    name = "targets_registry_changed"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {name}_brands_brand_update")
        else:
            cursor.execute(f"DROP TRIGGER {name} ON brands_brand")
    before = registry_version()
    Brand.objects.filter(pk=brand.pk).update(revoked_on=datetime.date(2026, 1, 1))
    assert registry_version() == before  # the write went unnoticed: the trigger is gone
    call_command("migrate", verbosity=0)
    Brand.objects.filter(pk=brand.pk).update(revoked_on=None)
    assert registry_version() != before
