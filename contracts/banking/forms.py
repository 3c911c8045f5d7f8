"""The upload form for a statement file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.banking.statements import MAX_FILE_BYTES


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement file"),
        help_text=_("CAMT.053 (.xml) or MT940 (.sta, .940, .txt), as your bank's internet banking exports it."),
        error_messages={
            "required": _("Choose the statement file to import."),
            "empty": _("This file is empty."),
            "invalid": _("Choose the statement file to import."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB: no bank statement is that large."),
                params={"size": MAX_FILE_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload
