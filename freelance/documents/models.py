"""Rendered documents (PDFs), stored so a render happens once per set of inputs.

WeasyPrint is slow (a tenth of a second to seconds), so it never runs inside a transaction
that holds a lock: the transaction records the decision and refers to its document by a
reference such as ``acceptance_certificate:12:nl``; the document is rendered afterwards, by
the worker that sends the mail or by whoever asks for it first, and stored here. A later
request whose inputs hash the same is served from the stored bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(_("reference"), max_length=200, unique=True)
    inputs_sha256 = models.CharField(_("SHA-256 of the inputs"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, default="application/pdf")
    content = models.BinaryField(_("content"))
    rendered_at = models.DateTimeField(_("rendered"), default=timezone.now)

    class Meta:
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        ordering = ["-rendered_at"]

    def __str__(self) -> str:
        return self.filename
