"""Load the Nice classes and the sample of well-known (驰名) trademarks."""

from __future__ import annotations

import datetime
import re

from django.db import transaction

from brands.models import NiceClass, Trademark, TrademarkTier
from core.models import Region, RegionLevel
from core.reference import read_csv


@transaction.atomic
def load_nice_classes(path: str = "nice_classes.csv") -> int:
    rows = list(read_csv(path))
    for row in rows:
        NiceClass.objects.update_or_create(
            number=int(row["class"]),
            defaults={
                "kind": row["kind"],
                "name_zh": row["name_zh_short"],
                "name_en": row["name_en_short"],
                "heading_en": row["heading_en_abridged"],
            },
        )
    return len(rows)


def _league(name: str) -> Region | None:
    name = re.sub(r"\s*\(.*\)$", "", name).strip()
    if not name:
        return None
    return Region.objects.filter(level=RegionLevel.PREFECTURE, name_zh=name).first()


def _owner(text: str) -> str:
    """The owner name without the source's remarks in brackets; empty when the source names none."""
    if text.startswith("("):
        return ""
    return re.sub(r"\s*\(.*\)$", "", text).strip()


@transaction.atomic
def load_wellknown_sample(path: str = "wellknown_trademarks_sample.csv") -> int:
    """Confirmed well-known marks get that tier; a row the source marks as NOT a well-known
    determination is kept as a registered mark, so nothing unconfirmed is counted."""
    count = 0
    for row in read_csv(path):
        confirmed = "NOT" not in row["recognized_by"] and "not confirmed" not in row["notes"].lower()
        year = int(row["year"]) if row["year"] else None
        nice = re.match(r"\d+", row["nice_class"])
        tm, _created = Trademark.objects.update_or_create(
            registration_number=None,
            mark_text=row["trademark"],
            defaults={
                "owner_name": _owner(row["owner"]),
                "region": _league(row["league_city"]),
                "tier": TrademarkTier.WELL_KNOWN if confirmed else TrademarkTier.REGISTERED,
                "tier_recognised_on": datetime.date(year, 1, 1) if (confirmed and year) else None,
                "tier_authority": row["recognized_by"][:200] if confirmed else "",
                "source": f"{row['notes']} | {row['source']}"[:500],
            },
        )
        if nice:
            tm.nice_classes.set([int(nice.group())])
        count += 1
    return count
