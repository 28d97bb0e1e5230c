"""Certification import benchmark (DESIGN section 9: at least 5,000 certification rows/s from CSV, with validation).

    .venv/bin/python bench/imports.py [--rows 20000] [--enterprises N] [--seed 2015] [--profile]

    createdb -h 127.0.0.1 -U postgres registry_import_bench      # a scratch database, once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_import_bench .venv/bin/python bench/imports.py

Builds its own database: by default a temporary SQLite file with the project's settings (deleted at the end;
``SQLITE_PATH`` is ignored, the development database is never touched). With ``DATABASE_URL`` set it must be a
PostgreSQL **scratch** database: the script migrates it, loads the reference data, deletes the certificates
whose numbers it is about to import and vacuums their table; it refuses ``registry``, ``registry_bench``,
``registry_ci`` and ``test_*``.

Then: ``manage.py load_reference``; the holders (``--enterprises``, default one per 10 rows, at least 100) go in
through the enterprise importer itself, from a CSV with the template's Chinese headers (their rate is printed for
information); a CSV of ``--rows`` certifications is written with every column of ``manage.py import_template
certifications`` (Chinese headers, UTF-8 with BOM): the eight kinds with numbers in their published formats,
Chinese kind and status names or stored values, dates in three spellings, holders by USCC (a few in lower
case), suspended, revoked and cancelled certificates with their dates and reasons.

Each phase calls ``Importer.run`` (reading the bytes, then ``import_table``: what ``manage.py import_registry``
calls, with full validation: ``full_clean`` on every row) with a fresh importer, as each command run gets:

1. ``--dry-run`` of the file on an empty register (every row checked, nothing saved);
2. first import: every row created (the budget);
3. re-import of the same file: every row unchanged;
4. re-import of the file with one row in ten changed (status, product or certifying body): updates.

Each phase prints rows/s in wall-clock time and in CPU time: this process's, plus, on PostgreSQL running on this
machine, the CPU time of the server backend serving the import (read from /proc; SQLite works inside this
process), and the statements sent through Django's cursor (COPY is not counted). The budget, at least 5,000
rows/s on the first import, is judged on that CPU time, like bench/certificates.py: on a shared machine other
processes cut the wall-clock figure, which is printed next to it with the load average (``--wall`` judges the
wall-clock figure instead). Other checks: created = rows with no failed row, the certifications in the database,
nothing saved by the dry run, unchanged = rows, updated = the changed rows, one audit event per import that is not
a dry run, with its counts. ``--profile`` imports the file once more under cProfile (after deleting what phase 2
created) and prints the most expensive functions. Prints PASS or FAIL per check and exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime
import io
import os
import platform
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Without DATABASE_URL: a scratch SQLite file, whatever SQLITE_PATH says (the settings read it at setup).
SCRATCH = None if os.environ.get("DATABASE_URL") else Path(tempfile.mkdtemp(prefix="import-bench-"))
if SCRATCH is not None:
    os.environ["SQLITE_PATH"] = str(SCRATCH / "db.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.common import cpu_model  # noqa: E402
from certifications.models import Certification  # noqa: E402
from core.importing import ImportReport, chunked, get_importer  # noqa: E402
from core.models import AuditEvent, Region, RegionLevel  # noqa: E402
from core.validators import uscc_check_character  # noqa: E402
from targets.importers import template_csv  # noqa: E402

MIN_RATE = 5000.0  # certification rows per second, first import
PROTECTED_DATABASES = {"registry", "registry_bench", "registry_ci"}
ACTOR = "bench/imports.py"

# --- realistic vocabulary ---------------------------------------------------------------------------------

TRADE_NAMES = (
    "敕勒川", "草原红", "塞外", "河套", "阴山", "科尔沁", "呼伦", "锡林", "大青山", "黄河",
    "金穗", "绿野", "蒙原", "北疆", "天骄", "苍狼", "白云", "驼乡", "乌珠穆沁", "额尔古纳",
)  # fmt: skip
# industry: (trade words of the enterprise name, products)
INDUSTRIES = {
    "dairy": (("乳业", "牧业", "奶业"), ("牛奶", "酸奶", "奶酪", "奶粉", "奶皮子")),
    "food": (("食品", "粮油", "肉业"), ("羊肉", "牛肉", "小米", "燕麦", "荞麦面", "葵花籽", "马铃薯")),
    "agriculture": (("农牧业", "种植", "生态农业"), ("马铃薯", "玉米", "大豆", "向日葵", "枸杞", "沙棘")),
    "textile": (("羊绒制品", "纺织", "毛纺"), ("羊绒衫", "羊绒围巾", "驼绒被", "毛毯")),
    "equipment": (("机械制造", "重型装备", "汽车"), ("重型载货汽车", "风电塔筒", "矿用设备")),
    "energy": (("能源", "化工", "电力"), ("防爆电气设备", "甲醇", "光伏组件")),
    "metallurgy": (("稀土", "冶金", "铝业"), ("稀土永磁材料", "电线电缆", "铝型材")),
    "medicine": (("蒙药", "制药", "生物科技"), ("蒙药制剂", "黄芪", "甘草")),
}
FOOD_INDUSTRIES = ("dairy", "food", "agriculture", "medicine")
INDUSTRIAL = ("equipment", "energy", "metallurgy", "textile")
# kind: (share, years of validity, holder industries, certifying bodies as (code, name), cell spellings)
KINDS = {
    "organic": (24, 1, FOOD_INDUSTRIES, (("124", "中绿华夏有机产品认证中心"), ("041", "南京国环有机产品认证中心"),
                                         ("229", "北京五洲恒通认证有限公司")), ("organic", "有机产品", "有机产品认证")),
    "green_food": (30, 3, FOOD_INDUSTRIES, (("", "中国绿色食品发展中心"),), ("green_food", "绿色食品")),
    "pollution_free": (3, 3, FOOD_INDUSTRIES, (("", "农业部农产品质量安全中心"),), ("无公害农产品",)),
    "low_carbon": (4, 3, INDUSTRIAL, (("", "中国质量认证中心"),), ("low_carbon", "低碳产品")),
    "ccc": (10, 5, INDUSTRIAL, (("01", "中国质量认证中心"), ("11", "中汽认证中心")), ("ccc", "3C", "强制性产品认证")),
    "qms": (16, 3, tuple(INDUSTRIES), (("001", "中国质量认证中心"), ("003", "方圆标志认证集团有限公司")),
            ("qms", "质量管理体系", "ISO9001")),
    "ems": (8, 3, tuple(INDUSTRIES), (("001", "中国质量认证中心"), ("006", "华夏认证中心有限公司")),
            ("ems", "环境管理体系", "ISO14001")),
    "other": (5, 3, FOOD_INDUSTRIES, (("001", "中国质量认证中心"),), ("other", "其他")),
}  # fmt: skip
CCC_CLASSES = {"equipment": "1101", "energy": "2301", "metallurgy": "0101", "textile": "1301"}
REVOCATION_REASONS = (
    "监督抽检不合格且逾期未完成整改",
    "超范围使用认证标志",
    "提供虚假材料取得认证",
    "获证产品不再符合认证要求",
)
STATUS_WEIGHTS = (("有效", 62), ("", 10), ("valid", 4), ("暂停", 7), ("撤销", 6), ("注销", 11))
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Holder:
    uscc: str
    industry: str
    county: str


def fmt_date(day: datetime.date, rng: random.Random) -> str:
    """Mostly ISO dates, as the template asks, and the other spellings the importer accepts."""
    draw = rng.random()
    if draw < 0.85:
        return day.isoformat()
    if draw < 0.95:
        return f"{day.year}/{day.month}/{day.day}"
    return f"{day.year}年{day.month}月{day.day}日"


def term_end(issued: datetime.date, years: int) -> datetime.date:
    """The last day of a term of ``years`` years (a term from 29 February ends on 28 February)."""
    try:
        return issued.replace(year=issued.year + years) - DAY
    except ValueError:
        return datetime.date(issued.year + years, 3, 1) - DAY


def csv_bytes(rows: list[list[str]]) -> bytes:
    """UTF-8 with a BOM and CRLF line ends, like the template (targets.importers.template_csv)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def template_header(kind: str) -> list[str]:
    """The header row of ``manage.py import_template KIND --format csv`` (Chinese headers)."""
    text = template_csv(get_importer(kind)).decode("utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


def enterprise_rows(count: int, rng: random.Random) -> tuple[list[list[str]], list[Holder]]:
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    header = template_header("enterprises")
    columns = {name: index for index, name in enumerate(c.name for c in get_importer("enterprises").columns)}
    rows, holders = [header], []
    for n in range(count):
        county = rng.choice(counties)
        industry = list(INDUSTRIES)[n % len(INDUSTRIES)]
        body = f"91{county.code}MA{n:07d}"
        uscc = body + uscc_check_character(body)
        words = INDUSTRIES[industry][0]
        cells = [""] * len(header)
        cells[columns["uscc"]] = uscc
        cells[columns["name"]] = f"{county.name_zh}{rng.choice(TRADE_NAMES)}{rng.choice(words)}有限公司{n}"
        cells[columns["region"]] = county.code if n % 4 else county.name_zh
        cells[columns["industry"]] = industry
        cells[columns["address"]] = f"内蒙古自治区{county.name_zh}{rng.randint(1, 300)}号"
        cells[columns["contact_name"]] = rng.choice(("张伟", "王芳", "李娜", "巴特尔", "其其格", "刘洋"))
        cells[columns["contact_phone"]] = f"0471-{rng.randint(2000000, 8999999)}"
        cells[columns["credit_grade"]] = rng.choice("AAAAAAAB")
        rows.append(cells)
        holders.append(Holder(uscc, industry, county.code))
    return rows, holders


class Numbers:
    """Certificate numbers in each kind's published format (certifications.models), never twice."""

    def __init__(self) -> None:
        self.serials: dict[tuple, int] = {}

    def serial(self, key: tuple) -> int:
        self.serials[key] = self.serials.get(key, 0) + 1
        return self.serials[key]

    def make(self, kind: str, body: str, holder: Holder, issued: datetime.date, rng: random.Random) -> str:
        yy = issued.year % 100
        if kind == "organic":  # body + OP + year + 5-digit serial; sub-certificates add -1 to -9
            serial = self.serial((kind, body, yy))
            sub = f"-{rng.randint(1, 9)}" if rng.random() < 0.05 else ""
            if serial >= 100000:  # more than a year's serials (a very large --rows): -100 and up, never a real sub
                sub = f"-{100 + serial // 100000}"
            return f"{body}OP{yy:02d}{serial % 100000:05d}{sub}"
        if kind == "green_food":  # GF + county + year + 4-digit serial, or the older LB-cc-YYMM... number
            serial = self.serial((kind, holder.county, yy))
            if serial < 10000 and rng.random() < 0.7:
                return f"GF{holder.county}{yy:02d}{serial:04d}"
            return f"LB-15-{yy:02d}{issued.month:02d}{self.serial((kind, 'LB')):07d}A"
        if kind == "ccc":  # year + body + product class + 6-digit serial
            klass = CCC_CLASSES.get(holder.industry, "1301")
            return f"{issued.year}{body}{klass}{self.serial((kind, issued.year, body, klass)):06d}"
        if kind == "pollution_free":
            return f"WGH-NM-{yy:02d}-{self.serial((kind, yy)):05d}"
        if kind == "low_carbon":
            return f"CQC{yy:02d}LC{self.serial((kind, yy)):06d}"
        letter = {"qms": "Q", "ems": "E"}.get(kind, "H")
        return f"{body}{yy:02d}{letter}{self.serial((kind, body, yy)):05d}R{rng.randint(0, 2)}M"


def certification_rows(count: int, holders: Sequence[Holder], rng: random.Random) -> list[list[str]]:
    header = template_header("certifications")
    columns = {name: index for index, name in enumerate(c.name for c in get_importer("certifications").columns)}
    by_industry = {industry: [h for h in holders if h.industry == industry] for industry in INDUSTRIES}
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    numbers = Numbers()
    today = datetime.date.today()
    rows = [header]
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        _share, years, industries, bodies, spellings = KINDS[kind]
        holder = rng.choice(by_industry[rng.choice(industries)])
        code, body = rng.choice(bodies)
        last = datetime.date(2017, 12, 31) if kind == "pollution_free" else today
        issued = datetime.date(2015, 1, 1) + rng.randint(0, (last - datetime.date(2015, 1, 1)).days) * DAY
        expires = term_end(issued, years)
        status = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
        product = rng.choice(INDUSTRIES[holder.industry][1])
        cells = [""] * len(header)
        cells[columns["certificate_number"]] = numbers.make(kind, code, holder, issued, rng)
        cells[columns["kind"]] = rng.choice(spellings)
        cells[columns["enterprise"]] = holder.uscc.lower() if rng.random() < 0.02 else holder.uscc
        cells[columns["product"]] = {
            "organic": f"有机{product}",
            "low_carbon": f"低碳产品：{product}",
            "qms": f"{product}的设计、生产和服务",
            "ems": f"{product}生产及相关环境管理活动",
            "other": f"危害分析与关键控制点（HACCP）体系：{product}",
        }.get(kind, product)
        cells[columns["certifying_body"]] = body
        cells[columns["issued_on"]] = fmt_date(issued, rng)
        cells[columns["expires_on"]] = fmt_date(expires, rng)
        cells[columns["status"]] = status
        stop = issued + rng.randint(30, max(31, (expires - issued).days - 5)) * DAY
        if status == "暂停":
            cells[columns["suspended_on"]] = fmt_date(stop, rng)
            cells[columns["suspended_until"]] = fmt_date(stop + rng.randint(30, 180) * DAY, rng)
        elif status == "撤销":
            cells[columns["revoked_on"]] = fmt_date(stop, rng)
            cells[columns["revocation_reason"]] = rng.choice(REVOCATION_REASONS)
        elif status == "注销":
            cells[columns["cancelled_on"]] = fmt_date(stop, rng)
        rows.append(cells)
    return rows


def changed_rows(rows: list[list[str]]) -> tuple[list[list[str]], int]:
    """The same file with every tenth row changed the way a registry refresh changes it."""
    columns = {name: index for index, name in enumerate(c.name for c in get_importer("certifications").columns)}
    out, changed = [list(r) for r in rows], 0
    for n, cells in enumerate(out[1:]):
        if n % 10:
            continue
        changed += 1
        if cells[columns["status"]] in ("", "有效", "valid"):
            cells[columns["status"]] = "注销"
            cells[columns["cancelled_on"]] = datetime.date(2025, 6, 30).isoformat()
        elif n % 20:
            cells[columns["product"]] += "（扩项）"
        else:
            cells[columns["certifying_body"]] = "中国质量认证中心内蒙古分中心"
    return out, changed


# --- measuring ----------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    report: ImportReport
    wall: float
    cpu: float  # this process
    server_cpu: float | None  # the PostgreSQL backend serving it, when it runs on this machine
    queries: int

    @property
    def rate(self) -> float:
        return self.report.rows / self.wall

    @property
    def cpu_rate(self) -> float:
        return self.report.rows / max(self.cpu + (self.server_cpu or 0.0), 1e-9)


def backend_cpu() -> Callable[[], float | None]:
    """CPU seconds used so far by the PostgreSQL backend of our connection, read from /proc when the server
    runs on this machine (None otherwise, and for SQLite, which works inside this process)."""
    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cur.fetchone()[0]}/schedstat")

    def read() -> float | None:
        try:
            return int(path.read_text().split()[0]) / 1e9  # nanoseconds on a CPU
        except (OSError, ValueError, IndexError):
            return None

    return read


def timed_import(name: str, kind: str, data: bytes, *, file_name: str, dry_run: bool = False) -> Phase:
    importer = get_importer(kind)  # a fresh importer, as each command run gets
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    server = backend_cpu()
    with connection.execute_wrapper(counting):
        server_start, wall, cpu = server(), time.perf_counter(), time.process_time()
        report = importer.run(data, file_name=file_name, dry_run=dry_run, actor_label=ACTOR)
        wall, cpu, server_end = time.perf_counter() - wall, time.process_time() - cpu, server()
    server_cpu = server_end - server_start if server_start is not None and server_end is not None else None
    return Phase(name, report, wall, cpu, server_cpu, count)


def print_phase(phase: Phase) -> None:
    r = phase.report
    server = f" + server {phase.server_cpu:5.2f} s" if phase.server_cpu is not None else ""
    print(
        f"  {phase.name:40} {r.rows:>7,} rows  wall {phase.wall:6.2f} s {phase.rate:>7,.0f}/s  "
        f"CPU {phase.cpu:5.2f} s{server} {phase.cpu_rate:>7,.0f}/s  {phase.queries:>3} queries  "
        f"created {r.created}, updated {r.updated}, unchanged {r.unchanged}, failed {r.failed}",
        flush=True,
    )
    for error in r.errors[:5]:
        print(f"      row {error.row} [{error.column}] {error.message} ({error.code})")


def database_label() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("select sqlite_version()")
            return f"SQLite {cur.fetchone()[0]} (scratch file {settings['NAME']})"
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return f"PostgreSQL {cur.fetchone()[0]} (database {settings['NAME']} on {settings['HOST'] or 'socket'})"


def refuse_database() -> str | None:
    if connection.vendor == "sqlite":
        return None if SCRATCH is not None else "DATABASE_URL must name a PostgreSQL scratch database (or be unset)."
    if connection.vendor != "postgresql":
        return f"Unsupported database {connection.vendor}."
    name = connection.settings_dict["NAME"]
    if name in PROTECTED_DATABASES or name.startswith("test_"):
        return f"Refusing database {name}: use a scratch database, e.g. registry_import_bench (see the docstring)."
    return None


def prepare(enterprise_count: int, rng: random.Random) -> tuple[Phase, list[Holder]]:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_reference", stdout=io.StringIO())
    table, holders = enterprise_rows(enterprise_count, rng)
    phase = timed_import("enterprises (holders, through importer)", "enterprises", csv_bytes(table), file_name="e.csv")
    return phase, holders


def delete_certificates(numbers: Sequence[str]) -> int:
    deleted = 0
    for batch in chunked(sorted(numbers), 500):
        deleted += Certification.objects.filter(certificate_number__in=batch).delete()[0]
    return deleted


def profile(data: bytes, numbers: Sequence[str], top: int) -> None:
    delete_certificates(numbers)
    profiler = cProfile.Profile()
    profiler.enable()
    report = get_importer("certifications").run(data, file_name="profile.csv", actor_label=ACTOR)
    profiler.disable()
    print(f"\ncProfile of a first import ({report.created} created), by own time then by cumulative time:")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="certification rows (default 20,000)")
    parser.add_argument("--enterprises", type=int, default=0, help="holders (default: rows / 10, at least 100)")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--budget", type=float, default=MIN_RATE, help="rows/s for the first import (default 5000)")
    parser.add_argument("--wall", action="store_true", help="judge the budget on wall-clock time, not CPU time")
    parser.add_argument("--profile", action="store_true", help="also profile a first import with cProfile")
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile")
    args = parser.parse_args(argv)
    refused = refuse_database()
    if refused:
        print(refused)
        return 2
    rng = random.Random(args.seed)
    rows = max(args.rows, 1)
    enterprise_count = args.enterprises or max(100, rows // 10)

    holders_phase, holders = prepare(enterprise_count, rng)
    table = certification_rows(rows, holders, rng)
    data = csv_bytes(table)
    numbers = [cells[table[0].index("证书编号")] for cells in table[1:]]
    stale = delete_certificates(numbers)  # left by an earlier run on the same PostgreSQL database
    if connection.vendor == "postgresql":  # their dead index entries would slow down the unique checks
        with connection.cursor() as cur:
            cur.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(Certification._meta.db_table)}")
    changed_table, changed = changed_rows(table)
    changed_data = csv_bytes(changed_table)

    print(
        f"Certification import benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: "
        f"{rows:,} rows ({len(data) / 1024 / 1024:.1f} MB CSV, {len(table[0])} template columns), "
        f"{enterprise_count:,} holders"
    )
    print(f"  {cpu_model()}, nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start")
    print(f"  Python {platform.python_version()}, Django {django.get_version()}, {database_label()}")
    if stale:
        print(f"  deleted {stale} certificates with the same numbers left by an earlier run")
    print_phase(holders_phase)
    certificates_before = Certification.objects.count()
    audit_before = AuditEvent.objects.count()

    dry = timed_import("dry run (new file)", "certifications", data, file_name="certifications.csv", dry_run=True)
    print_phase(dry)
    dry_saved = Certification.objects.count() - certificates_before
    audit_after_dry = AuditEvent.objects.count()
    first = timed_import("first import (creates)", "certifications", data, file_name="certifications.csv")
    print_phase(first)
    imported = Certification.objects.count() - certificates_before
    again = timed_import("re-import, same file (unchanged)", "certifications", data, file_name="certifications.csv")
    print_phase(again)
    update = timed_import(
        "re-import, 1 row in 10 changed", "certifications", changed_data, file_name="certifications-changed.csv"
    )
    print_phase(update)
    audit_events = AuditEvent.objects.filter(action="registry.import", actor_label=ACTOR).order_by("-sequence")[:3]
    load = os.getloadavg()[0]
    print(f"  load average {load:.2f} at the end")
    cpu_label = "CPU time" if first.server_cpu is None else "CPU time, this process and the server's"

    checks: list[tuple[str, bool, str]] = [
        (
            f">= {args.budget:,.0f} rows/s, first import with validation ({'wall clock' if args.wall else cpu_label})",
            (first.rate if args.wall else first.cpu_rate) >= args.budget,
            f"{first.rate if args.wall else first.cpu_rate:,.0f} rows/s "
            f"({first.cpu_rate if args.wall else first.rate:,.0f} rows/s {cpu_label if args.wall else 'wall clock'} "
            f"at load average {load:.2f})",
        ),
        (
            "first import: every row created, none failed or skipped",
            (first.report.rows, first.report.created, first.report.failed, first.report.skipped) == (rows, rows, 0, 0),
            f"{first.report.created} created of {first.report.rows}",
        ),
        ("the certifications are in the database", imported == rows, f"{imported} new rows"),
        (
            "dry run: every row would be created, nothing saved, no audit event",
            (dry.report.created, dry.report.failed, dry_saved, audit_after_dry) == (rows, 0, 0, audit_before),
            f"{dry.report.created} would be created, {dry_saved} saved",
        ),
        (
            "re-import of the same file: every row unchanged",
            (again.report.unchanged, again.report.created, again.report.updated) == (rows, 0, 0)
            and again.report.failed == 0,
            f"{again.report.unchanged} unchanged",
        ),
        (
            "re-import with changes: exactly the changed rows updated",
            (update.report.updated, update.report.unchanged, update.report.failed) == (changed, rows - changed, 0),
            f"{update.report.updated} updated of {changed} changed",
        ),
        (
            "one audit event per import (not for the dry run), with the counts",
            AuditEvent.objects.count() - audit_before == 3
            and [e.after.get("created") for e in audit_events] == [0, 0, rows],
            f"{AuditEvent.objects.count() - audit_before} events",
        ),
    ]
    for label, ok, figure in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {figure}")
    if args.profile:
        profile(data, numbers, args.top)
    return 0 if all(ok for _, ok, _ in checks) else 1


def run_in_scratch(entry: Callable[[], int]) -> int:
    try:
        return entry()
    finally:
        connection.close()
        if SCRATCH is not None:
            shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run_in_scratch(main))
