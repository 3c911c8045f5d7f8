"""The freelancer's check of their own chain (/evidence/), and the public check of a certificate (/verify/)."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from freelance.evidence.chain import check_certificate, verify_chain

HEX64 = re.compile(r"[0-9a-f]{64}")


@login_required
@require_safe
def chain(request: HttpRequest) -> HttpResponse:
    """Recompute the whole chain of this freelancer and say whether it holds, or where not."""
    return render(request, "evidence/chain.html", {"result": verify_chain(request.user.pk)})


class CertificateForm(forms.Form):
    hash = forms.CharField(
        label=_("Evidence chain hash"),
        max_length=200,
        help_text=_("The 64 characters after “Evidence chain” on the certificate."),
    )

    def clean_hash(self) -> str:
        # A hash copied from a PDF may come with line breaks or spaces in it.
        value = "".join(self.cleaned_data["hash"].split()).lower()
        if not HEX64.fullmatch(value):
            raise forms.ValidationError(_("Enter the whole hash: 64 characters, 0–9 and a–f."))
        return value


@never_cache
@require_safe
def verify(request: HttpRequest) -> HttpResponse:
    """Public, no login: was this certificate's chain hash issued here, when, and for whom. Nothing else.

    Only an exact 64-character hash is looked up, so nothing can be found by guessing.
    A GET form: looking up changes nothing.
    """
    form = CertificateForm(request.GET if "hash" in request.GET else None)
    issued = check_certificate(form.cleaned_data["hash"]) if form.is_valid() else None
    context = {"form": form, "checked": form.is_valid(), "issued": issued}
    response = render(request, "evidence/verify.html", context, status=422 if form.errors else 200)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
