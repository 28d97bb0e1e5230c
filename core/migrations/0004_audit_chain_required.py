# The audit hash chain, step 3 of 3: every event has its own sequence number.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_chain_data'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='sequence',
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name='sequence'),
        ),
    ]
