"""Write audit events (call inside the transaction that makes the change) and keep their hash chain.

Every event carries a gap-free ``sequence``, the ``previous_hash`` of the event before it and its own
``hash``: SHA-256 over a canonical JSON serialisation of its content and ``previous_hash``. Changing,
inserting or deleting a row afterwards breaks a hash or a link, and ``audit_trail_check`` (the
``check_audit_trail`` command) names the event. Someone who can rewrite the whole table and the chain
head can also recompute the chain: keep the head hash the command prints somewhere else (a ticket,
a log shipped off the machine) to anchor it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models
from django.utils import timezone

from core.models import AuditChainHead, AuditEvent, User

GENESIS_HASH = "0" * 64
CHAIN_FORMAT = 1  # part of every hash: a new serialisation must get a new number

# The hashed content, by attribute name; ``id`` is not known before the insert on every database,
# ``sequence`` is, and the checker also requires ids to rise with the sequence.
HASHED_FIELDS = (
    "sequence",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "previous_hash",
)


def audit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str = "",
    actor_label: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label or (actor.get_username() if actor is not None and actor.is_authenticated else "system"),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=before,
        after=after,
        request_id=request_id,
    )


# --- the hash ------------------------------------------------------------------------------------


def _canonical_json(value: Any) -> Any:
    """What the database gives back: JSON types only, and whole floats as integers (PostgreSQL's
    jsonb returns ``1e20`` as ``100000000000000000000`` and ``2.0`` as ``2.0``; SQLite keeps the text)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical_json(item) for item in value]
    return value


def _canonical_time(value: datetime.datetime) -> str:
    if timezone.is_naive(value) and settings.USE_TZ:
        value = timezone.make_aware(value)  # what Django does before it stores a naive time
    if timezone.is_aware(value):
        value = value.astimezone(datetime.UTC)
    return value.isoformat(timespec="microseconds")


@functools.cache
def _hashed_fields(model: type[models.Model]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in HASHED_FIELDS]


def audit_event_digest(values: Mapping[str, Any], *, model: type[models.Model] = AuditEvent) -> str:
    """The hash of one event from its ``HASHED_FIELDS`` values (as an instance or ``values()`` has them).

    ``model`` may be the historical model of a migration: only its fields are used.
    """
    content: dict[str, Any] = {"format": CHAIN_FORMAT}
    for model_field in _hashed_fields(model):
        name = model_field.attname
        value = model_field.to_python(values[name])
        if isinstance(model_field, models.JSONField):
            value = None if value is None else _canonical_json(json.loads(json.dumps(value, cls=model_field.encoder)))
        elif isinstance(value, datetime.datetime):
            value = _canonical_time(value)
        content[name] = value
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def audit_event_hash(event: models.Model) -> str:
    return audit_event_digest({name: getattr(event, name) for name in HASHED_FIELDS}, model=type(event))


# --- appending -----------------------------------------------------------------------------------


def _locked_head(using: str) -> AuditChainHead:
    heads = AuditChainHead.objects.using(using)
    head = heads.select_for_update().filter(pk=1).first()
    if head is None:
        # A new database (or a flushed one): the chain goes on from the last event, if there is one.
        last = AuditEvent.objects.using(using).order_by("-sequence").values("sequence", "hash").first()
        start = AuditChainHead(pk=1, sequence=last["sequence"], hash=last["hash"]) if last else None
        heads.bulk_create([start or AuditChainHead(pk=1, sequence=0, hash=GENESIS_HASH)], ignore_conflicts=True)
        head = heads.select_for_update().get(pk=1)
    return head


def audit_chain_append(events: Iterable[AuditEvent], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give ``events`` the next sequence numbers and their hashes, in order, and move the head on.

    Call inside the transaction that inserts them (``AuditEvent.save`` and ``bulk_create`` do): the
    head row stays locked until it commits, so a concurrent append waits and then chains onto these.
    That lock serialises every audited transaction from its first event to its commit: services write
    their event last, after their own row locks (a lock taken after it could deadlock with a
    transaction that holds that row and waits for the head).
    """
    head = _locked_head(using)
    for event in events:
        if event.pk is not None:
            raise TypeError("Audit events are append-only")
        event.sequence = head.sequence + 1
        event.previous_hash = head.hash
        event.hash = audit_event_hash(event)
        head.sequence, head.hash = event.sequence, event.hash
    head.save(using=using, update_fields=["sequence", "hash"])


# --- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditTrailProblem:
    message: str
    event_id: int | None = None
    sequence: int | None = None

    def __str__(self) -> str:
        where = []
        if self.event_id is not None:
            where.append(f"id {self.event_id}")
        if self.sequence is not None:
            where.append(f"sequence {self.sequence}")
        return f"audit event {', '.join(where)}: {self.message}" if where else self.message


@dataclass
class AuditTrailReport:
    events: int = 0
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[AuditTrailProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_trail_check(*, using: str = DEFAULT_DB_ALIAS, chunk_size: int = 2000) -> AuditTrailReport:
    """Recompute the whole chain in sequence order and list every altered, inserted or deleted event."""
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    report = AuditTrailReport()
    problems = report.problems
    if head is not None:
        report.head_sequence, report.head_hash = head.sequence, head.hash
    rows = AuditEvent.objects.using(using).order_by("sequence").values("id", "hash", *HASHED_FIELDS)
    expected, previous_hash, previous_id = 1, GENESIS_HASH, None
    for row in rows.iterator(chunk_size=chunk_size):
        report.events += 1
        event_id, sequence = row["id"], row["sequence"]
        if sequence > expected:
            missing = str(expected) if sequence == expected + 1 else f"{expected} to {sequence - 1}"
            problems.append(AuditTrailProblem(f"sequence {missing} missing before it: events were deleted", event_id))
        if audit_event_digest(row) != row["hash"]:
            problems.append(
                AuditTrailProblem(
                    "content hash mismatch: the event was changed after it was written", event_id, sequence
                )
            )
        if row["previous_hash"] != previous_hash:
            after = f"sequence {sequence - 1}" if sequence > 1 else "the start of the chain"
            problems.append(
                AuditTrailProblem(f"broken link: previous_hash does not match the hash of {after}", event_id, sequence)
            )
        if previous_id is not None and event_id <= previous_id:
            problems.append(
                AuditTrailProblem(
                    f"out of order: its id is not after id {previous_id} of the event before it (inserted later)",
                    event_id,
                    sequence,
                )
            )
        if head is not None and sequence > head.sequence:
            problems.append(
                AuditTrailProblem(
                    f"beyond the chain head (sequence {head.sequence}): not appended through the audit trail",
                    event_id,
                    sequence,
                )
            )
        elif head is not None and sequence == head.sequence and row["hash"] != head.hash:
            problems.append(AuditTrailProblem("its hash is not the one the chain head records", event_id, sequence))
        expected, previous_hash, previous_id = sequence + 1, row["hash"], event_id
    last = expected - 1
    if head is None:
        if report.events:
            problems.append(AuditTrailProblem("the chain head is missing although there are audit events"))
    elif head.sequence > last:
        missing = str(head.sequence) if head.sequence == last + 1 else f"{last + 1} to {head.sequence}"
        problems.append(
            AuditTrailProblem(
                f"sequence {missing} missing at the end: the chain head records {head.sequence} events "
                f"but the last event is sequence {last}; events were deleted"
            )
        )
    return report
