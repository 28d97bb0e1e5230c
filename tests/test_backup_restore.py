"""The backup and restore drill of docs/operations.md, as a test: issue certificates, back up the database and
the private media, restore both somewhere new, and every certificate still verifies there (its QR signature as
the verify page checks it, its PDF files by their SHA-256) and the audit trail is intact.

SQLite uses the online backup API (Python's ``sqlite3.Connection.backup``); PostgreSQL ``pg_dump -Fc`` and
``pg_restore``. The checks run as the drill runs them: ``manage.py verify_all_certificates`` and
``manage.py check_audit_trail`` in a separate process pointed at the restored database and media.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.db import connection

from awards.certificates.models import Certificate, CertificateFile
from awards.certificates.services import certificate_suspend
from tests.factories_certificates import committee_member, issued_certificate

pytestmark = pytest.mark.django_db(transaction=True)  # the backup must see committed data

BASE_DIR = Path(settings.BASE_DIR)
HAS_AUDIT_CHECK = "check_audit_trail" in get_commands()


def issue_some_certificates() -> list[Certificate]:
    certificates = [issued_certificate() for _ in range(3)]
    # A suspended certificate still carries a genuine signature and file; the restore must keep its status too.
    certificate_suspend(
        actor=committee_member(),
        certificate=certificates[2],
        until=certificates[2].valid_until,
        reason="restore drill",
    )
    return certificates


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """A management command in a new process, with the development settings and the given environment."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def restore_media(tmp_path: Path) -> Path:
    """The private media directory (certificate files, attachments, reports), copied as a backup would be."""
    restored = tmp_path / "private_media"
    shutil.copytree(settings.PRIVATE_MEDIA_ROOT, restored)
    return restored


def assert_everything_verifies(env: dict[str, str], certificates: list[Certificate]) -> None:
    done = manage("verify_all_certificates", **env)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(certificates)
    assert f"Certificates: {count} checked, {count} with a valid signature matching the record." in done.stdout
    assert "by outcome: suspended 1, valid 2" in done.stdout
    files = CertificateFile.objects.count()
    assert f"Files: {files} checked against their recorded SHA-256." in done.stdout
    if HAS_AUDIT_CHECK:
        audit = manage("check_audit_trail", **env)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert "intact" in audit.stdout


def test_sqlite_online_backup_restores_every_certificate(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill (the PostgreSQL one is below)")
    certificates = issue_some_certificates()
    connection.ensure_connection()

    # Back up the live database with the online backup API: consistent while the site keeps writing.
    backup = tmp_path / "registry-backup.sqlite3"
    with closing(sqlite3.connect(backup)) as target:
        connection.connection.backup(target)
    # Restore: copy the backup into a fresh file (never over the backup itself).
    restored = tmp_path / "registry-restored.sqlite3"
    with closing(sqlite3.connect(backup)) as source, closing(sqlite3.connect(restored)) as target:
        source.backup(target)
    with closing(sqlite3.connect(restored)) as check:
        # Django's SQLite connections provide REGEXP, which some CHECK constraints use.
        check.create_function("REGEXP", 2, lambda pattern, text: text is not None and bool(re.search(pattern, text)))
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = check.execute(
            "SELECT number, status, payload, signature FROM awards_certificate ORDER BY number"
        ).fetchall()
    assert rows == list(Certificate.objects.order_by("number").values_list("number", "status", "payload", "signature"))

    env = {
        "SQLITE_PATH": str(restored),
        "PRIVATE_MEDIA_ROOT": str(restore_media(tmp_path)),
        "CERTIFICATE_SIGNING_KEY_FILE": str(tmp_path / "unused-key.pem"),
    }
    assert_everything_verifies(env, certificates)


def test_postgresql_dump_and_restore_keeps_every_certificate_verifiable(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL drill needs DATABASE_URL=postgres://...")
    missing = [tool for tool in ("pg_dump", "pg_restore", "createdb", "dropdb") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian package postgresql-client, installed by .ci/run)")
    certificates = issue_some_certificates()

    db = connection.settings_dict
    pg_env = {
        **os.environ,
        "PGHOST": db["HOST"] or "",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "",
        "PGPASSWORD": db["PASSWORD"] or "",
    }
    dump = tmp_path / "registry.dump"
    restored_name = f"{db['NAME']}_restored_{os.getpid()}"

    def run(*command: str) -> None:
        done = subprocess.run(command, env=pg_env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
        assert done.returncode == 0, f"{' '.join(command)}: {done.stderr}"

    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", db["NAME"])
    run("dropdb", "--if-exists", restored_name)
    run("createdb", restored_name)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_name}", str(dump))
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        url = f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{restored_name}"
        env = {
            "DATABASE_URL": url,
            "PRIVATE_MEDIA_ROOT": str(restore_media(tmp_path)),
            "CERTIFICATE_SIGNING_KEY_FILE": str(tmp_path / "unused-key.pem"),
        }
        assert_everything_verifies(env, certificates)
    finally:
        run("dropdb", "--if-exists", restored_name)
