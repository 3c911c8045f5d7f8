from django.db import migrations, models


class Migration(migrations.Migration):
    """Attachments may refer to a stored document instead of copying its bytes.

    The bytes field is renamed ``data`` in Python but keeps its column, ``content``.
    """

    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("outgoingattachment", "content", "data"),
        migrations.AlterField(
            model_name="outgoingattachment",
            name="data",
            field=models.BinaryField(blank=True, db_column="content", default=b"", verbose_name="content"),
        ),
        migrations.AddField(
            model_name="outgoingattachment",
            name="document",
            field=models.CharField(
                blank=True,
                help_text="A stored document (freelance.documents) sent instead of a copy of its bytes.",
                max_length=200,
                verbose_name="document",
            ),
        ),
    ]
