"""How the import engine writes (core.importing.engine): bulk inserts (COPY on PostgreSQL, executemany elsewhere)
and updates of the changed fields only, shown with certifications; the rules themselves are in test_import.py."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certifications.models import Certification
from core.importing import Importer, get_importer
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

HEADER = ["证书编号", "认证类别", "获证企业统一社会信用代码", "产品或范围", "认证机构", "颁证日期", "有效期至"]


def run(rows: list[list[str]], **kwargs):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return get_importer("certifications").run(out.getvalue().encode(), file_name="certifications.csv", **kwargs)


@pytest.fixture
def holder(regions):
    return EnterpriseFactory()


def certificate(n: int, holder, product: str = "有机牛奶") -> list[str]:
    return [f"124OP24{n:05d}", "organic", holder.uscc, product, "中绿华夏", "2024-05-01", "2025-04-30"]


def test_text_with_tabs_line_breaks_backslashes_and_quotes_is_stored_as_written(holder):
    # COPY's text format escapes these itself; a naive writer would store \N as NULL or split the row.
    product = 'a\tb\nc \\N \\. "quoted", 100%s'
    report = run([HEADER, [*certificate(1, holder)[:3], product, "认证\\中心", "2024-05-01", "2025-04-30"]])
    assert (report.created, report.failed) == (1, 0)
    stored = Certification.objects.get()
    assert (stored.product, stored.certifying_body) == (product, "认证\\中心")


def test_a_first_import_stores_every_column_with_its_type_and_stamps_both_timestamps(holder):
    header = [*HEADER, "证书状态", "暂停日期", "暂停至", "撤销日期", "撤销原因", "注销日期"]
    row = [*certificate(2, holder), "暂停", "2024年9月1日", "2024/12/31", "", "", ""]
    before = datetime.datetime.now(datetime.UTC)
    assert run([header, row]).created == 1
    stored = Certification.objects.get()
    assert (stored.certificate_number, stored.kind, stored.enterprise_id, stored.status) == (
        "124OP2400002",
        "organic",
        holder.pk,
        "suspended",
    )
    assert (stored.issued_on, stored.expires_on, stored.suspended_on, stored.suspended_until) == (
        datetime.date(2024, 5, 1),
        datetime.date(2025, 4, 30),
        datetime.date(2024, 9, 1),
        datetime.date(2024, 12, 31),
    )
    assert (stored.revoked_on, stored.cancelled_on, stored.revocation_reason) == (None, None, "")
    assert stored.created_at == stored.updated_at >= before.replace(microsecond=0)


def test_a_re_import_writes_only_the_changed_fields_of_the_changed_rows(holder):
    header = [*HEADER, "证书状态", "注销日期"]
    rows = [[*certificate(n, holder), "有效", ""] for n in (10, 11, 12)]
    assert run([header, *rows]).created == 3
    # Written meanwhile by someone else, in a column the file does not have: the import must leave it alone.
    Certification.objects.filter(certificate_number="124OP2400010").update(revocation_reason="kept")
    stamps = dict(Certification.objects.values_list("certificate_number", "updated_at"))
    rows[0][7:9] = ["注销", "2025-01-15"]  # status and date of cancellation
    rows[1][3] = "有机酸奶"  # product only
    report = run([header, *rows])
    assert (report.updated, report.unchanged, report.failed) == (2, 1, 0)
    stored = {c.certificate_number: c for c in Certification.objects.all()}
    cancelled, renamed, untouched = (stored[f"124OP24000{n}"] for n in (10, 11, 12))
    assert (cancelled.status, cancelled.cancelled_on, cancelled.product) == (
        "cancelled",
        datetime.date(2025, 1, 15),
        "有机牛奶",
    )
    assert cancelled.revocation_reason == "kept"
    assert (renamed.status, renamed.product) == ("valid", "有机酸奶")
    assert cancelled.updated_at > stamps[cancelled.certificate_number]
    assert renamed.updated_at > stamps[renamed.certificate_number]
    assert untouched.updated_at == stamps[untouched.certificate_number]
    assert cancelled.created_at < cancelled.updated_at


def test_updating_5_or_300_rows_takes_the_same_number_of_queries(holder):
    assert run([HEADER, *(certificate(n, holder) for n in range(300))]).created == 300
    with CaptureQueriesContext(connection) as few:
        report = run([HEADER, *(certificate(n, holder, "有机奶" if n < 5 else "有机牛奶") for n in range(300))])
    assert report.updated == 5
    with CaptureQueriesContext(connection) as many:
        report = run([HEADER, *(certificate(n, holder, "有机羊奶") for n in range(300))])
    assert report.updated == 300
    assert len(many) == len(few)
    assert set(Certification.objects.values_list("product", flat=True)) == {"有机羊奶"}


def test_a_row_written_meanwhile_by_someone_else_fails_alone_and_the_others_are_saved(holder, monkeypatch):
    """The bulk insert of the chunk hits a real unique violation; the chunk is saved again row by row."""
    Certification.objects.create(
        certificate_number="124OP2400021",
        kind="organic",
        enterprise=holder,
        product="有机牛奶",
        certifying_body="中绿华夏",
        issued_on=datetime.date(2024, 5, 1),
        expires_on=datetime.date(2025, 4, 30),
    )
    original = Importer._fetch_existing

    def looked_up_before_it_was_written(self, keys):
        return {key: obj for key, obj in original(self, keys).items() if key != ("124OP2400021",)}

    monkeypatch.setattr(Importer, "_fetch_existing", looked_up_before_it_was_written)
    report = run([HEADER, *(certificate(n, holder, "有机酸奶") for n in (20, 21, 22))])
    assert (report.created, report.failed) == (2, 1)
    error = report.errors[0]
    assert (error.row, error.column, error.code) == (3, "证书编号", "database")
    assert Certification.objects.count() == 3
    assert Certification.objects.get(certificate_number="124OP2400021").product == "有机牛奶"
