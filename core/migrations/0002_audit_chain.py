# The audit hash chain, step 1 of 3: the columns (filled by 0003, made required by 0004) and the head.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='hash'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditevent',
            name='previous_hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='previous hash'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditevent',
            name='sequence',
            field=models.PositiveBigIntegerField(editable=False, null=True, verbose_name='sequence'),
        ),
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ('sequence', models.PositiveBigIntegerField(default=0, verbose_name='sequence')),
                ('hash', models.CharField(max_length=64, verbose_name='hash')),
            ],
            options={
                'verbose_name': 'audit chain head',
                'verbose_name_plural': 'audit chain head',
                'constraints': [
                    models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_chain_head_single_row'),
                ],
            },
        ),
    ]
