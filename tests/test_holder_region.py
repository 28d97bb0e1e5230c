"""Certification.region is the holder's region, kept so by the database (certifications/holder_region.py),
whatever path a write takes; on SQLite and on PostgreSQL (CI runs both)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from certifications import holder_region
from certifications.models import Certification
from core.models import Enterprise, Region
from tests.factories import CertificationFactory, EnterpriseFactory, make_uscc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("regions")]

HOHHOT_DISTRICT, BAOTOU_DISTRICT = "150102", "150202"


def stored_region(cert: Certification) -> str | None:
    return Certification.objects.filter(pk=cert.pk).values_list("region_id", flat=True).get()


def test_a_new_certification_takes_its_holders_region():
    cert = CertificationFactory(enterprise=EnterpriseFactory(region=Region.objects.get(code=BAOTOU_DISTRICT)))
    assert cert.region_id == stored_region(cert) == BAOTOU_DISTRICT


def test_a_certification_saved_without_its_enterprise_loaded_keeps_the_region():
    cert = CertificationFactory()
    again = Certification.objects.get(pk=cert.pk)  # enterprise not loaded
    again.product = "有机酸奶"
    again.save()
    assert stored_region(cert) == HOHHOT_DISTRICT


def test_an_enterprise_that_moves_takes_its_certifications_along():
    enterprise = EnterpriseFactory()
    certs = CertificationFactory.create_batch(3, enterprise=enterprise)
    other = CertificationFactory()
    enterprise.region = Region.objects.get(code=BAOTOU_DISTRICT)
    enterprise.save()
    assert {stored_region(c) for c in certs} == {BAOTOU_DISTRICT}
    assert stored_region(other) == HOHHOT_DISTRICT
    Enterprise.objects.filter(pk=enterprise.pk).update(region=HOHHOT_DISTRICT)  # no signal: the database
    assert {stored_region(c) for c in certs} == {HOHHOT_DISTRICT}


def test_a_certification_given_to_another_holder_takes_the_new_region():
    cert = CertificationFactory()
    Certification.objects.filter(pk=cert.pk).update(
        enterprise=EnterpriseFactory(region=Region.objects.get(code=BAOTOU_DISTRICT))
    )
    assert stored_region(cert) == BAOTOU_DISTRICT


def test_no_write_can_set_another_region():
    cert = CertificationFactory()
    Certification.objects.filter(pk=cert.pk).update(region=BAOTOU_DISTRICT)
    assert stored_region(cert) == HOHHOT_DISTRICT
    cert.region_id = BAOTOU_DISTRICT
    cert.save()
    assert stored_region(cert) == HOHHOT_DISTRICT


def test_bulk_inserts_get_the_region_too():
    enterprise = EnterpriseFactory(region=Region.objects.get(code=BAOTOU_DISTRICT), uscc=make_uscc(BAOTOU_DISTRICT))
    made = Certification.objects.bulk_create(
        [CertificationFactory.build(enterprise=enterprise, region=None) for _ in range(3)]
    )
    numbers = [c.certificate_number for c in made]
    assert set(Certification.objects.filter(certificate_number__in=numbers).values_list("region_id", flat=True)) == {
        BAOTOU_DISTRICT
    }


def test_every_migrate_reinstalls_the_triggers():
    holder_region.remove(connection)
    call_command(
        "migrate", "certifications", verbosity=0
    )  # post_migrate reinstalls them (SQLite drops them when a migration rebuilds the table)
    cert = CertificationFactory(enterprise=EnterpriseFactory(region=Region.objects.get(code=BAOTOU_DISTRICT)))
    Certification.objects.filter(pk=cert.pk).update(region=HOHHOT_DISTRICT)
    assert stored_region(cert) == BAOTOU_DISTRICT


def test_the_backfill_gives_every_certification_its_holders_region():
    certs = CertificationFactory.create_batch(2)
    holder_region.remove(connection)
    try:
        Certification.objects.update(region=None)
        assert {stored_region(c) for c in certs} == {None}
        holder_region.backfill(connection)
        assert {stored_region(c) for c in certs} == {HOHHOT_DISTRICT}
    finally:
        holder_region.install(connection)
