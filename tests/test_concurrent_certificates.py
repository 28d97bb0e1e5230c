"""A hundred certificates issued at the same moment from parallel threads get a hundred distinct
numbers with no gap: serials 1..100 of the year, the CertificateSerial counter at 100, and each
number with its own stored PDF (a distinct SHA-256).

PostgreSQL only (CI runs the suite on it too; locally, with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_cert_test``, run
``.venv/bin/pytest tests/test_concurrent_certificates.py``).
SQLite's in-memory test database is shared between threads through one connection, so threads there
prove nothing about row locks.

What it guards: ``awards.certificates.numbering.allocate_serial`` reads the counter row with
SELECT ... FOR UPDATE, so an issue waits until the one before it commits and then reads the new
value. Without the lock (a plain ``.get()``) two threads read the same ``last_serial`` and both
store ``last_serial + 1``: the second to insert its certificate hits the unique constraint on
(prefix, year, serial) (``certificate_serial_unique``, and the unique number) and raises
IntegrityError. Every thread collects its exceptions and the test asserts there are none; the count
of certificates and the counter at 100 catch lost updates as well.

PostgreSQL here allows 100 connections, so 20 threads (one connection each) issue five certificates
each, released together by a barrier; each ``certificate_issue`` is its own transaction.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from awards.certificates.models import Certificate, CertificateFile, CertificateSerial
from awards.certificates.numbering import format_number
from awards.certificates.services import certificate_issue
from awards.models import Award
from tests.factories_portal import AwardFactory, programme
from tests.factories_workflow import load_workflow_reference

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between threads need PostgreSQL"),
]

CERTIFICATES = 100
THREADS = 20  # well under max_connections = 100, with room for the main thread and the test database


def issue_all_at_once(award_ids: list[int]) -> list[BaseException]:
    """Each thread issues its share of the awards, one transaction per certificate; every exception."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    shares = [award_ids[i::THREADS] for i in range(THREADS)]

    def run(share: list[int]) -> None:
        try:
            barrier.wait(timeout=30)
            for award_id in share:
                certificate_issue(award=Award.objects.select_related("programme", "enterprise").get(pk=award_id))
        except BaseException as exc:  # collected, and asserted empty below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not [t for t in threads if t.is_alive()], "a thread is still issuing"
    return errors


def test_a_hundred_certificates_issued_at_once_get_a_hundred_numbers_without_a_gap():
    load_workflow_reference()
    today = timezone.localdate()
    award_ids = [
        AwardFactory(
            application__programme=programme(), granted_on=today, valid_until=today + datetime.timedelta(days=1000)
        ).pk
        for _ in range(CERTIFICATES)
    ]

    errors = issue_all_at_once(award_ids)

    assert errors == []
    year = today.year
    certificates = list(Certificate.objects.filter(prefix="NMPP", year=year))
    assert len(certificates) == CERTIFICATES
    assert sorted(c.serial for c in certificates) == list(range(1, CERTIFICATES + 1))
    assert {c.number for c in certificates} == {format_number("NMPP", year, n) for n in range(1, CERTIFICATES + 1)}
    assert {c.award_id for c in certificates} == set(award_ids)
    assert CertificateSerial.objects.get(prefix="NMPP", year=year).last_serial == CERTIFICATES

    files = list(CertificateFile.objects.select_related("certificate"))
    assert sorted(f.certificate.number for f in files) == sorted(c.number for c in certificates)
    assert {f.version for f in files} == {1}
    assert len({f.sha256 for f in files}) == CERTIFICATES
    assert all(f.file.storage.exists(f.file.name) for f in files)
