# The audit hash chain, step 2 of 3: chain the events already written, in id order, and set the head.

from django.db import migrations

BATCH = 1000


def chain_existing_events(apps, schema_editor):
    # The hash is the application's (core.audit): the chain written here must verify with it.
    from core.audit import GENESIS_HASH, audit_event_hash

    AuditEvent = apps.get_model('core', 'AuditEvent')
    AuditChainHead = apps.get_model('core', 'AuditChainHead')
    db = schema_editor.connection.alias
    sequence, previous_hash = 0, GENESIS_HASH
    batch = []
    for event in AuditEvent.objects.using(db).order_by('id').iterator(chunk_size=BATCH):
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous_hash
        event.hash = previous_hash = audit_event_hash(event)
        batch.append(event)
        if len(batch) >= BATCH:
            AuditEvent.objects.using(db).bulk_update(batch, ['sequence', 'previous_hash', 'hash'])
            batch = []
    if batch:
        AuditEvent.objects.using(db).bulk_update(batch, ['sequence', 'previous_hash', 'hash'])
    AuditChainHead.objects.using(db).update_or_create(pk=1, defaults={'sequence': sequence, 'hash': previous_hash})


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_chain'),
    ]

    operations = [
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
    ]
