"""Two committee members grant the same application at the same moment: exactly one Award, one
certificate and one "application.grant" audit event; the other is told the application has moved on (409).

PostgreSQL only (CI runs the suite on it too; locally:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_api_test .venv/bin/pytest tests/test_concurrent_grant.py``).
SQLite's in-memory test database is shared between threads through one connection, so threads there
prove nothing about row locks.

The overlap is made certain rather than hoped for: whichever grant takes the row lock first waits,
inside its transaction, until PostgreSQL reports the other session waiting for a lock.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from awards import services
from awards.certificates.models import Certificate, CertificateSerial
from awards.models import Application, Award
from core.errors import InvalidTransition
from core.models import AuditEvent, Role
from tests.factories import UserFactory
from tests.factories_workflow import ApplicationFactory, load_workflow_reference

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between threads need PostgreSQL"),
]


def wait_until_another_session_waits_for_a_lock(timeout: float = 10.0) -> bool:
    """Called inside the first grant's transaction, which holds the application's row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # statistics views are snapshotted per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


@pytest.fixture
def ready(monkeypatch):
    """An application whose notice is over, two committee members, and the hook that holds the lock."""
    load_workflow_reference()
    application = ApplicationFactory(notice_over=True)
    members = [UserFactory(username=f"member{i}", role=Role.COMMITTEE) for i in (1, 2)]
    overlapped: list[bool] = []
    original = services.award_certificate_issue

    def issue_after_the_other_grant_queued(award):
        overlapped.append(wait_until_another_session_waits_for_a_lock())
        return original(award)

    monkeypatch.setattr(services, "award_certificate_issue", issue_after_the_other_grant_queued)
    return application, members, overlapped


def run_together(*jobs) -> list:
    """Run the jobs in threads released at the same moment; each result or exception, in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_grants_through_the_service_make_exactly_one_award(ready):
    application, members, overlapped = ready

    def grant(member):
        return lambda: services.application_grant(actor=member, application=Application.objects.get(pk=application.pk))

    results = run_together(grant(members[0]), grant(members[1]))

    assert overlapped == [True]  # the second grant queued on the row lock while the first held it
    assert sorted(type(r).__name__ for r in results) == ["Application", "InvalidTransition"]
    assert Award.objects.count() == 1
    assert Certificate.objects.count() == 1  # and exactly one certificate, numbered once
    assert CertificateSerial.objects.get().last_serial == 1
    assert AuditEvent.objects.filter(action="application.grant").count() == 1
    application.refresh_from_db()
    assert application.state == "granted"


def test_two_simultaneous_grants_through_the_api_answer_200_and_409(ready):
    application, members, overlapped = ready
    clients = []
    for member in members:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(member)
        clients.append(client)
    path = f"/api/v1/applications/{application.pk}/grant/"

    responses = run_together(lambda: clients[0].post(path), lambda: clients[1].post(path))

    assert overlapped == [True]
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["code"] == InvalidTransition.code
    assert Award.objects.count() == 1
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="application.grant").count() == 1
