"""The audit trail is a SHA-256 hash chain: ``check_audit_trail`` names every event that was changed,
inserted or deleted behind the application's back (here: through raw SQL), and passes an intact chain.

The concurrency test needs PostgreSQL (SQLite's in-memory test database is one connection shared by
the threads); locally:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_api_test .venv/bin/pytest tests/test_audit_chain.py``.
"""

from __future__ import annotations

import datetime
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.audit import GENESIS_HASH, audit, audit_event_hash
from core.models import AuditChainHead, AuditEvent, Region, RegionLevel, User
from tests.factories import UserFactory

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def office(db) -> User:
    return UserFactory(username="office", role="staff", is_staff=True)


@pytest.fixture
def events(office) -> list[AuditEvent]:
    """Four events about one region, written the way the application writes them."""
    region = Region.objects.create(code="150000", name_zh="内蒙古自治区", level=RegionLevel.PROVINCE)
    written = [
        audit(actor=office, action="region.create", obj=region, after={"name_zh": region.name_zh}),
        audit(actor=office, action="region.update", obj=region, before={"name_en": ""}, after={"name_en": "IM"}),
        audit(actor=None, action="region.check", obj=region, after={"ok": True, "score": 1.5, "n": [1, 2.0]}),
        audit(actor=office, action="region.update", obj=region, before={"name_en": "IM"}, after={"name_en": "NM"}),
    ]
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("sequence"))


def check() -> tuple[int, str, str]:
    """Run the command: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_audit_trail", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), f"{err.getvalue()}{exc}"
    return 0, out.getvalue(), err.getvalue()


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def db_value(field_name: str, value):
    return AuditEvent._meta.get_field(field_name).get_db_prep_save(value, connection)


# --- an intact chain ----------------------------------------------------------------------------


def test_an_intact_chain_passes_with_the_number_of_events(events):
    status, out, err = check()
    assert (status, err) == (0, "")
    assert f"Audit trail intact: 4 events, head sequence 4, head hash {events[-1].hash}." in out


def test_an_empty_trail_passes(db):
    assert check()[0] == 0


def test_each_event_has_the_next_sequence_and_the_hash_of_the_one_before(events):
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert [e.previous_hash for e in events] == [GENESIS_HASH, *(e.hash for e in events[:-1])]
    assert all(e.hash == audit_event_hash(e) and len(e.hash) == 64 for e in events)
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (4, events[-1].hash)


def test_a_rolled_back_event_gives_its_sequence_back(events, office):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit(actor=office, action="region.update", obj=Region.objects.get(), after={"x": 1})
        raise RuntimeError("the change failed")
    event = audit(actor=office, action="region.update", obj=Region.objects.get(), after={"x": 2})
    assert (event.sequence, event.previous_hash) == (5, events[-1].hash)
    assert check()[0] == 0


def test_bulk_created_events_are_chained_in_order(events):
    created = AuditEvent.objects.bulk_create(
        [AuditEvent(actor_label="system", action="bulk", object_type="core.region", object_id=str(i)) for i in range(3)]
    )
    assert [e.sequence for e in created] == [5, 6, 7]
    assert created[0].previous_hash == events[-1].hash
    assert check()[0] == 0


def test_bulk_create_may_not_skip_events(events):
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.bulk_create(
            [AuditEvent(actor_label="system", action="bulk", object_type="core.region", object_id="1")],
            ignore_conflicts=True,
        )


def test_an_import_chains_its_event(regions, office):
    from core.importing import get_importer

    data = "统一社会信用代码,企业名称,所在旗县区\n".encode()
    get_importer("enterprises").run(data, file_name="empty.csv", actor=office)
    assert AuditEvent.objects.get(action="registry.import").sequence == 1
    assert check()[0] == 0


def test_values_are_hashed_as_the_database_gives_them_back(office):
    """Whole floats come back from PostgreSQL's jsonb as integers, times in UTC, ids as text."""
    event = AuditEvent.objects.create(
        actor=office,
        action="odd.values",
        object_type="core.region",
        object_id=150000,  # an int where the column is text
        after={"big": 1e20, "whole": 2.0, "tiny": 1.5e-10, 3: "int key", "tuple": (1, 2)},
        created_at=datetime.datetime(
            2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
        ),
    )
    assert event.hash == audit_event_hash(AuditEvent.objects.get(pk=event.pk))
    assert check()[0] == 0


# --- tampering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("after", lambda office: {"name_en": "forged"}),
        ("before", lambda office: None),
        ("actor_id", lambda office: UserFactory(username="someone-else").pk),
        ("actor_label", lambda office: "someone-else"),
        ("created_at", lambda office: datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
        ("action", lambda office: "region.delete"),
        ("object_id", lambda office: "150100"),
        ("request_id", lambda office: "forged"),
    ],
)
def test_an_event_changed_through_raw_sql_is_named_by_id(events, office, column, value):
    target = events[1]
    field_name = column.removesuffix("_id") if column == "actor_id" else column
    raw(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [db_value(field_name, value(office)), target.pk])  # noqa: S608

    status, _out, err = check()

    assert status == 1
    assert f"audit event id {target.pk}, sequence 2: content hash mismatch" in err
    assert err.count("audit event") == 1  # the next link still holds: only the changed row is named
    assert "Audit trail tampered with: 1 problem(s) in 4 events." in err


def test_a_changed_event_whose_hash_was_recomputed_breaks_the_next_link(events):
    target, following = events[1], events[2]
    raw(f"UPDATE {TABLE} SET after = %s WHERE id = %s", [db_value("after", {"name_en": "forged"}), target.pk])  # noqa: S608
    rehashed = AuditEvent.objects.get(pk=target.pk)
    raw(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [audit_event_hash(rehashed), target.pk])  # noqa: S608

    status, _out, err = check()

    assert status == 1
    assert f"audit event id {following.pk}, sequence 3: broken link: previous_hash does not match" in err
    assert f"id {target.pk}," not in err


def test_a_deleted_event_is_reported_as_a_missing_sequence(events):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])  # noqa: S608

    status, _out, err = check()

    assert status == 1
    assert f"audit event id {events[2].pk}: sequence 2 missing before it: events were deleted" in err
    assert f"audit event id {events[2].pk}, sequence 3: broken link" in err


def test_deleting_the_last_events_is_reported_through_the_chain_head(events):
    raw(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [events[2].pk, events[3].pk])  # noqa: S608

    status, _out, err = check()

    assert status == 1
    assert "sequence 3 to 4 missing at the end: the chain head records 4 events but the last event is sequence 2" in err


def forge(events: list[AuditEvent], **changes) -> int:
    """Insert a copy of the last event through raw SQL, with ``changes``; its new id."""
    last = events[-1]
    values = {
        "created_at": last.created_at,
        "actor": last.actor,
        "actor_label": last.actor_label,
        "action": "region.delete",
        "object_type": last.object_type,
        "object_id": last.object_id,
        "object_repr": last.object_repr,
        "before": last.after,
        "after": None,
        "request_id": "",
        "sequence": last.sequence + 1,
        "previous_hash": last.hash,
        **changes,
    }
    values.setdefault("hash", audit_event_hash(AuditEvent(**values)))
    fields = [AuditEvent._meta.get_field(name) for name in values]
    columns = ", ".join(f.column for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    params = [f.get_db_prep_save(getattr(AuditEvent(**values), f.attname), connection) for f in fields]
    raw(f"INSERT INTO {TABLE} ({columns}) VALUES ({placeholders})", params)  # noqa: S608
    return AuditEvent.objects.get(sequence=values["sequence"]).pk


def test_a_forged_event_appended_with_a_correct_hash_is_beyond_the_chain_head(events):
    forged = forge(events)

    status, _out, err = check()

    assert status == 1
    assert f"audit event id {forged}, sequence 5: beyond the chain head (sequence 4)" in err
    assert "content hash mismatch" not in err


def test_a_forged_event_with_a_made_up_hash_is_named(events):
    forged = forge(events, sequence=7, previous_hash="f" * 64, hash="e" * 64)

    status, _out, err = check()

    assert status == 1
    assert f"audit event id {forged}: sequence 5 to 6 missing before it" in err
    assert f"audit event id {forged}, sequence 7: content hash mismatch" in err
    assert f"audit event id {forged}, sequence 7: broken link" in err


def test_a_forged_event_slipped_in_for_a_deleted_one_is_found_by_its_id_and_the_next_link(events):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])  # noqa: S608
    forged = forge(events, sequence=2, previous_hash=events[0].hash)

    status, _out, err = check()

    assert status == 1
    following = events[2].pk
    assert (
        f"audit event id {following}, sequence 3: broken link: previous_hash does not match the hash of sequence 2"
        in err
    )
    assert f"audit event id {following}, sequence 3: out of order: its id is not after id {forged}" in err


# --- events written before the chain existed ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_events_already_written_in_id_order():
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0002_audit_chain")])
    old = executor.loader.project_state([("core", "0002_audit_chain")]).apps.get_model("core", "AuditEvent")
    for action in ("first", "second", "third"):
        old.objects.create(actor_label="system", action=action, object_type="core.region", object_id="150000")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # Every app's leaf: going back to core 0002 also unapplied what depends on later core migrations.
    executor.migrate(executor.loader.graph.leaf_nodes())

    chained = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.sequence) for e in chained] == [("first", 1), ("second", 2), ("third", 3)]
    assert AuditChainHead.objects.get().sequence == 3
    assert check()[0] == 0
    audit(actor=None, action="fourth", obj=Region(code="150000"))
    assert AuditEvent.objects.get(action="fourth").previous_hash == chained[-1].hash
    assert check()[0] == 0


# --- concurrent appends -------------------------------------------------------------------------


def wait_until_another_session_waits_for_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between threads need PostgreSQL")
def test_concurrent_appends_keep_one_unbroken_chain():
    region = Region.objects.create(code="150000", name_zh="内蒙古自治区", level=RegionLevel.PROVINCE)
    writers, per_writer = 4, 10
    barrier = threading.Barrier(writers + 1)
    overlapped: list[bool] = []
    errors: list[BaseException] = []

    def holder():
        """Holds the chain head until another append queues behind it: the overlap is certain."""
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                audit(actor=None, action="hold", obj=region)
                overlapped.append(wait_until_another_session_waits_for_a_lock())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def writer(n: int):
        try:
            barrier.wait(timeout=10)
            for i in range(per_writer):
                with transaction.atomic():
                    audit(actor=None, action=f"writer{n}", obj=region, after={"i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder)] + [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert overlapped == [True]
    chain = list(AuditEvent.objects.order_by("sequence").values_list("id", "sequence", "previous_hash", "hash"))
    assert [s for _id, s, _p, _h in chain] == list(range(1, writers * per_writer + 2))
    assert [i for i, *_ in chain] == sorted(i for i, *_ in chain)
    assert [p for _i, _s, p, _h in chain] == [GENESIS_HASH, *(h for *_, h in chain[:-1])]
    assert check()[0] == 0
