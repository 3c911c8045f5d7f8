import re

from django.db import migrations, models

# Frozen copies of freelance.outbox.models.LINK_TOKEN and REMOVED_LINK.
LINK_TOKEN = re.compile(r"/l/([A-Za-z0-9_\-]{20,})/")
REMOVED_LINK = "/l/[link-removed-after-sending]/"


def forget_sent_tokens(apps, schema_editor):
    """Mails already handed to SMTP lose their link tokens now; unsent ones lose them when sent."""
    OutgoingEmail = apps.get_model("outbox", "OutgoingEmail")
    sent = OutgoingEmail.objects.filter(status="sent").only("pk", "stored_text", "stored_html")
    for email in sent.iterator(chunk_size=500):
        text, html = LINK_TOKEN.sub(REMOVED_LINK, email.stored_text), LINK_TOKEN.sub(REMOVED_LINK, email.stored_html)
        if (text, html) != (email.stored_text, email.stored_html):
            OutgoingEmail.objects.filter(pk=email.pk).update(stored_text=text, stored_html=html)


class Migration(migrations.Migration):
    """Client-link tokens leave the stored bodies: sealed until the mail is sent, then gone.

    The body fields are renamed in Python (their columns stay body_text and body_html).
    Mails already in the database keep their bodies as they are: see the README.
    """

    dependencies = [
        ("outbox", "0002_attachment_by_reference"),
    ]

    operations = [
        migrations.RenameField("outgoingemail", "body_text", "stored_text"),
        migrations.AlterField(
            model_name="outgoingemail",
            name="stored_text",
            field=models.TextField(db_column="body_text", verbose_name="text"),
        ),
        migrations.RenameField("outgoingemail", "body_html", "stored_html"),
        migrations.AlterField(
            model_name="outgoingemail",
            name="stored_html",
            field=models.TextField(blank=True, db_column="body_html", verbose_name="HTML"),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="sealed_links",
            field=models.TextField(blank=True, editable=False, verbose_name="sealed link tokens"),
        ),
        migrations.RunPython(forget_sent_tokens, migrations.RunPython.noop),
    ]
