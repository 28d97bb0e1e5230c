"""Reference-data loading helpers and the region loader. Each loader is idempotent (natural keys)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

from core.models import Region


def reference_path(name: str) -> Path:
    return Path(settings.REFERENCE_DATA_DIR) / name


def read_csv(name: str | Path) -> Iterator[dict[str, str]]:
    path = name if isinstance(name, Path) else reference_path(name)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {k.strip(): (v or "").strip() for k, v in row.items() if k}


@transaction.atomic
def load_regions(path: str | Path = "regions.csv") -> int:
    """Load the GB/T 2260 tree (parents before children, as the file orders them)."""
    rows = list(read_csv(path))
    for row in rows:
        Region.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "level": row["level"],
                "parent_id": row["parent_code"] or None,
            },
        )
    return len(rows)
