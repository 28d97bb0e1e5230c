"""Load the sample of real Inner Mongolia geographic indications (data/gi_products_sample.csv)."""

from __future__ import annotations

import datetime
import re

from django.db import transaction

from core.models import Region
from core.reference import read_csv
from geo_indications.models import GIProduct, GIStatus

DATE_RE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")


def _date_in(text: str) -> datetime.date | None:
    for match in DATE_RE.finditer(text):
        try:
            return datetime.date(*map(int, match.groups()))
        except ValueError:
            continue
    return None


@transaction.atomic
def load_gi_sample(path: str = "gi_products_sample.csv") -> int:
    regions = set(Region.objects.values_list("code", flat=True))
    count = 0
    for row in read_csv(path):
        if row["region_code"] not in regions:
            raise ValueError(f"GI product {row['name_zh']}: unknown region code {row['region_code']}")
        year = int(row["year"]) if row["year"] else None
        # Only a date stated in the reference is an announcement date; the source column's
        # dates are publication dates of the article, not of the announcement.
        announced_on = _date_in(row["reference"])
        gi, _created = GIProduct.objects.update_or_create(
            name_zh=row["name_zh"],
            protection_type=row["protection_type"],
            defaults={
                "region_id": row["region_code"],
                "category": row["category"],
                "year": year,
                "announced_on": announced_on,
                "announcement_number": row["reference"][:100],
                "source": row["source"][:500],
                "status": GIStatus.PROTECTED,
            },
        )
        gi.protected_area.set([row["region_code"]])
        count += 1
    return count
