"""The Chinese catalogue is complete and its compiled .mo matches the .po."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "msgid " in block]


def test_every_entry_is_translated_and_none_is_fuzzy():
    problems = []
    for block in _entries(PO.read_text(encoding="utf-8"))[1:]:  # the first block is the header
        if "#, fuzzy" in block or "fuzzy," in block.split("\n", 1)[0]:
            problems.append(("fuzzy", block))
        if 'msgstr ""' in block and 'msgstr ""\n"' not in block:
            problems.append(("untranslated", block))
    assert not problems, "\n\n".join(f"{kind}:\n{block}" for kind, block in problems[:5])


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt (installed by .ci/run)")
def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)  # noqa: S603, S607
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog, (
            "locale/zh_Hans/LC_MESSAGES/django.mo is stale: run manage.py compilemessages -l zh_Hans --ignore=.venv"
        )
