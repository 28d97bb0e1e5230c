"""Certificate numbers: ``<prefix>-<year>-<serial>``, serials gap-free per prefix and year.

The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions
serialise writers) for the rest of the issuing transaction, so two issues never share a serial and
a rolled-back issue gives its serial back.
"""

from __future__ import annotations

from django.db import transaction

from awards.certificates.models import CertificateSerial

SERIAL_DIGITS = 6


def format_number(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}-{year}-{serial:0{SERIAL_DIGITS}d}"


def allocate_serial(*, prefix: str, year: int) -> tuple[str, int]:
    """The next number for ``prefix`` and ``year``; call inside the transaction that stores it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_serial must run inside the transaction that uses the number")
    # The first number of a year creates its counter; a concurrent creator is ignored, then both lock it.
    CertificateSerial.objects.bulk_create([CertificateSerial(prefix=prefix, year=year)], ignore_conflicts=True)
    counter = CertificateSerial.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return format_number(prefix, year, counter.last_serial), counter.last_serial
