"""Background jobs through Django's tasks framework: awards/tasks.py and targets/tasks.py, the commands'
``--background`` flag, with the immediate backend (development) and with the database backend run by
``manage.py db_worker --batch`` (production, django-tasks-db)."""

from __future__ import annotations

import csv
import datetime
import io
import signal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from awards.certificates.models import Certificate
from awards.certificates.verification import Outcome, verify_qr
from awards.tasks import certificates_issue_due, certificates_reissue
from certifications.models import Certification
from targets import report as report_module
from targets.management.commands.import_registry import import_storage
from targets.models import AnnualReport, Plan
from targets.tasks import annual_report_generate_task
from tests.factories import EnterpriseFactory
from tests.factories_certificates import ensure_programmes, issued_certificate
from tests.factories_portal import AwardFactory, programme

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMPORT_HEADER = ["证书编号", "认证类别", "获证企业统一社会信用代码", "产品或范围", "认证机构", "颁证日期", "有效期至"]


def today() -> datetime.date:
    return timezone.localdate()


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def due_awards(count: int) -> list:
    ensure_programmes()
    return [
        AwardFactory(
            application__programme=programme(),
            granted_on=today(),
            valid_until=today().replace(year=today().year + 3),
        )
        for _ in range(count)
    ]


def task_id(output: str) -> str:
    # "Task <id>: <status>." (issue_certificates, import_registry) or "... task <id> <status>" (annual_report)
    words = output.replace(":", " ").split()
    return words[[w.lower() for w in words].index("task") + 1]


@pytest.fixture
def database_backend(settings):
    """The production backend; changing TASKS resets Django's task backends (django.tasks.signals)."""
    settings.TASKS = DATABASE_BACKEND
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"


@pytest.fixture
def worker(monkeypatch):
    """Run ``manage.py db_worker --batch`` in this process: every task waiting, then it exits. The worker sets
    its own SIGINT/SIGTERM handlers; pytest's are put back afterwards. Like Django's test client, it must not
    close the test's database connection (inside the test's transaction); in production it does, between tasks."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run_worker() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)

    yield run_worker
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def fake_renderer(monkeypatch) -> list[tuple]:
    """The annual report without the real rendering (tests/test_annual_report.py renders it)."""
    calls = []

    def build(plan, *, year, as_of):
        calls.append((plan.code, year, as_of))
        return report_module.RenderedReport(b"%PDF-1.4 fake", 1)

    monkeypatch.setattr(report_module, "build_annual_report", build)
    return calls


def certifications_file(tmp_path, holder, count: int = 2):
    path = tmp_path / "certifications.csv"
    rows = [IMPORT_HEADER] + [
        [f"124OP24{n:05d}", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2027-04-30"]
        for n in range(count)
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


# --- development: the immediate backend runs the task at once ---------------------------------------------------


def test_development_runs_tasks_at_once_with_the_immediate_backend():
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"


def test_issue_due_certificates_task_issues_every_due_award_and_returns_a_summary():
    awards = due_awards(2)
    result = certificates_issue_due.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"count": 2, "done": 2, "failed": 0, "failures": []}
    assert set(Certificate.objects.values_list("award_id", flat=True)) == {a.pk for a in awards}


def test_issue_certificates_background_prints_the_task_id():
    due_awards(1)
    out = run("issue_certificates", "--background", "--lang", "en")
    assert out.startswith("Task ") and out.strip().endswith("SUCCESSFUL.")
    assert Certificate.objects.count() == 1


def test_reissue_task_signs_again_what_one_key_signed():
    certificate = issued_certificate()
    other = issued_certificate()
    result = certificates_reissue.enqueue(numbers=[certificate.number], reason="test")
    assert result.return_value["done"] == 1
    certificate.refresh_from_db()
    other.refresh_from_db()
    assert (certificate.version, other.version) == (2, 1)
    result = certificates_reissue.enqueue(key=certificate.key_id)
    assert result.return_value == {"count": 2, "done": 2, "failed": 0, "failures": []}


def test_annual_report_background_stores_the_report(reference_data, fake_renderer):
    out = run("annual_report", "--plan", "plan-2015", "--year", "2019", "--background")
    assert "task" in out and "SUCCESSFUL" in out
    report = AnnualReport.objects.get()
    assert (report.plan.code, report.year, report.as_of) == ("plan-2015", 2019, datetime.date(2019, 12, 31))
    assert fake_renderer == [("plan-2015", 2019, datetime.date(2019, 12, 31))]


def test_annual_report_task_returns_the_stored_file(reference_data, fake_renderer):
    plan = Plan.objects.current()
    result = annual_report_generate_task.enqueue(plan=plan.code, year=2020, as_of="2020-06-30")
    report = AnnualReport.objects.get()
    assert result.return_value == {
        "plan": plan.code,
        "year": 2020,
        "as_of": "2020-06-30",
        "file": report.file.name,
        "size": report.size,
        "pages": 1,
        "sha256": report.sha256,
    }


def test_import_background_imports_the_stored_file_and_removes_it(tmp_path, regions):
    holder = EnterpriseFactory()
    out = run("import_registry", "certifications", str(certifications_file(tmp_path, holder)), "--background")
    assert "SUCCESSFUL" in out
    assert Certification.objects.count() == 2
    assert list(Path(import_storage().location).glob("*")) == []  # the stored copy is gone


# --- production: the database backend and a separate worker -------------------------------------------------


def test_the_database_backend_stores_tasks_until_the_worker_runs_them(database_backend, worker):
    awards = due_awards(2)
    out = run("issue_certificates", "--background", "--lang", "en")
    stored = DBTaskResult.objects.get()
    assert task_id(out) == str(stored.id)
    assert stored.status == TaskResultStatus.READY
    assert not Certificate.objects.exists()  # nothing happens until the worker runs

    worker()

    stored.refresh_from_db()
    assert stored.status == TaskResultStatus.SUCCESSFUL
    assert stored.task_result.return_value == {"count": 2, "done": 2, "failed": 0, "failures": []}
    certificates = Certificate.objects.all()
    assert {c.award_id for c in certificates} == {a.pk for a in awards}
    for certificate in certificates:
        assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome == Outcome.VALID


def test_the_worker_runs_an_import_and_an_annual_report(
    database_backend, worker, tmp_path, reference_data, fake_renderer
):
    holder = EnterpriseFactory()
    run("import_registry", "certifications", str(certifications_file(tmp_path, holder, count=3)), "--background")
    run("annual_report", "--year", "2020", "--background")
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 2
    assert not Certification.objects.exists() and not AnnualReport.objects.exists()

    worker()

    assert list(DBTaskResult.objects.values_list("status", flat=True)) == [TaskResultStatus.SUCCESSFUL] * 2
    import_result = DBTaskResult.objects.get(task_path="targets.tasks.registry_import").task_result
    assert import_result.return_value["created"] == 3 and import_result.return_value["ok"] is True
    assert Certification.objects.count() == 3
    assert AnnualReport.objects.get().year == 2020


def test_a_failing_task_is_recorded_as_failed_with_its_error(database_backend, worker, reference_data):
    result = annual_report_generate_task.enqueue(plan="no-such-plan", year=2020, as_of="2020-06-30")
    worker()
    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == TaskResultStatus.FAILED
    assert "DoesNotExist" in stored.task_result.errors[0].exception_class_path
