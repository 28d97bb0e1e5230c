"""manage.py import_registry and import_template."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from certifications.models import Certification
from core.models import AuditEvent, Enterprise
from tests.factories import EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

HEADER = ["证书编号", "认证类别", "获证企业统一社会信用代码", "产品或范围", "认证机构", "颁证日期", "有效期至"]


def write_csv(tmp_path, rows, name="certificates.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_registry", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc), out.getvalue(), err.getvalue()
    return 0, "", out.getvalue(), err.getvalue()


@pytest.fixture
def holder(regions):
    return EnterpriseFactory()


def test_every_row_imported_exits_0_with_a_summary_and_a_progress_bar(tmp_path, holder):
    rows = [HEADER] + [
        [f"124OP24{n:05d}", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2027-04-30"] for n in range(3)
    ]
    code, message, out, err = call("certifications", str(write_csv(tmp_path, rows)), "--lang", "en")
    assert code == 0, message
    assert "certifications from certificates.csv: 3 rows, 3 created, 0 updated, 0 unchanged, 0 failed" in out
    assert "Every row was imported." in out
    assert "3/3" in err  # tqdm on stderr
    assert Certification.objects.count() == 3
    event = AuditEvent.objects.get(action="registry.import")
    assert event.actor is None
    assert event.actor_label.startswith("manage.py import_registry")


def test_some_rows_failed_exits_1_imports_the_good_rows_and_lists_the_bad_ones(tmp_path, holder):
    rows = [
        HEADER,
        ["124OP2400001", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2027-04-30"],
        ["WRONG", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2027-04-30"],
        ["124OP2400003", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2023-04-30"],
    ]
    code, message, out, _err = call("certifications", str(write_csv(tmp_path, rows)), "--lang", "en", "--no-progress")
    assert code == 1
    assert "2 of 3 rows failed" in message
    assert "1 created" in out
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("Row"))) :]
    assert table[0].split() == ["Row", "Column", "Reason"]
    assert table[1].startswith("3 ")
    assert "证书编号" in table[1]
    assert "does not match the Organic product format" in table[1]
    assert table[2].startswith("4 ")
    assert "有效期至" in table[2]
    assert Certification.objects.count() == 1


def test_a_dry_run_saves_nothing_and_still_reports(tmp_path, holder):
    rows = [HEADER, ["124OP2400001", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2027-04-30"]]
    code, _message, out, _err = call("certifications", str(write_csv(tmp_path, rows)), "--dry-run", "--lang", "en")
    assert code == 0
    assert "Dry run: nothing was saved" in out
    assert "1 created" in out
    assert not Certification.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_unknown_kind_exits_2(tmp_path):
    code, message, _out, _err = call("widgets", str(write_csv(tmp_path, [HEADER])), "--lang", "en")
    assert code == 2
    assert "Unknown import kind widgets" in message
    assert "certifications" in message


def test_a_missing_file_exits_2(tmp_path):
    code, message, _out, _err = call("certifications", str(tmp_path / "nothing.csv"), "--lang", "en")
    assert code == 2
    assert "Cannot read" in message


def test_a_file_that_is_not_a_workbook_exits_2(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("this is not a workbook")
    code, message, _out, _err = call("certifications", str(path), "--lang", "en")
    assert code == 2
    assert "not a valid XLSX workbook" in message


def test_missing_required_columns_exit_2_and_name_them(tmp_path, regions):
    code, message, _out, _err = call("certifications", str(write_csv(tmp_path, [["证书编号"], ["x"]])), "--lang", "en")
    assert code == 2
    assert "颁证日期 / Issued on" in message


def test_enterprises_from_an_xlsx_file(tmp_path, regions):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["USCC", "Name", "Region"])
    workbook.active.append([make_uscc("150102", 800001), "企业", "150102"])
    path = tmp_path / "enterprises.xlsx"
    workbook.save(path)
    code, message, _out, _err = call("enterprises", str(path), "--no-progress")
    assert code == 0, message
    assert Enterprise.objects.count() == 1


def test_import_template_writes_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "t.csv"
    call_command("import_template", "zones", "--format", "csv", "-o", str(csv_path), stdout=io.StringIO())
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0].startswith("名称,类别")
    xlsx_path = tmp_path / "t.xlsx"
    call_command("import_template", "zones", "--lang", "en", "-o", str(xlsx_path), stdout=io.StringIO())
    sheet = load_workbook(xlsx_path).worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["Name", "Kind"]


def test_import_template_markdown_lists_every_kind():
    out = io.StringIO()
    call_command("import_template", "all", "--markdown", stdout=out)
    for kind in ["enterprises", "brands", "trademarks", "gi_products", "certifications", "zones"]:
        assert f"### {kind}" in out.getvalue()


def test_the_process_exit_code_is_2_for_an_unknown_kind(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "import_registry", "widgets", str(tmp_path / "x.csv"), "--lang", "en"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Unknown import kind widgets" in result.stderr
