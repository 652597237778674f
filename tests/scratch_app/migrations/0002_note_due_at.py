from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scratch", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="note",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
