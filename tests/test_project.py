"""Project-wide safety nets: no pending migrations, a clean system check, and imports between apps
flowing one way only (DESIGN.md section 2)."""

from __future__ import annotations

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
# Left to right: an app may import only from itself and the apps to its left. tests/ and config/ are exempt.
APPS = ["core", "geo_indications", "brands", "certifications", "awards", "targets"]


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Missing migrations (run `manage.py makemigrations`):\n{out.getvalue()}")


@pytest.mark.django_db  # JSONField's check asks the database what it supports
def test_system_check_reports_nothing():
    call_command("check", fail_level="WARNING", stdout=StringIO())


def imported_apps(source: str) -> set[str]:
    """The project apps a module imports, wherever the import statement is (top level or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(APPS)


def test_import_finder_sees_every_form_of_import():
    source = (
        "import brands.models\n"
        "import core, targets.metrics as m\n"
        "from certifications.models import Certification\n"
        "from . import selectors\n"
        "import django.db\n"
        "def later():\n"
        "    from awards import services\n"
    )
    assert imported_apps(source) == {"brands", "core", "targets", "certifications", "awards"}


@pytest.mark.parametrize("app", APPS)
def test_app_imports_only_from_apps_to_its_left(app):
    allowed = set(APPS[: APPS.index(app) + 1])
    files = sorted((ROOT / app).rglob("*.py"))
    assert files, f"no Python files found in {app}/"
    violations = [
        f"{path.relative_to(ROOT)} imports {', '.join(sorted(forbidden))}"
        for path in files
        if (forbidden := imported_apps(path.read_text(encoding="utf-8")) - allowed)
    ]
    assert not violations, (
        f"{app} may import only from {', '.join(APPS[: APPS.index(app) + 1])} (DESIGN.md section 2):\n"
        + "\n".join(violations)
    )
