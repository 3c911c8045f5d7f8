"""The operator's admin for accounts: invitations to make a freelancer account.

Superusers only: a freelancer has no permissions on these models, so Django's admin hides them.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from freelance.accounts.invitations import invite
from freelance.accounts.models import Invitation


class InvitationForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("language of the mail"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    class Meta:
        model = Invitation
        fields = ["email"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationForm
    list_display = ["email", "status_display", "created_at", "expires_at", "invited_by", "account"]
    search_fields = ["email"]
    list_select_related = ["invited_by", "account"]
    readonly_fields = [
        "status_display",
        "created_at",
        "expires_at",
        "invited_by",
        "accepted_at",
        "account",
        "revoked_at",
    ]
    actions = ["revoke", "send_again"]

    @admin.display(description=_("status"))
    def status_display(self, obj) -> str:
        return obj.get_status_display()

    def get_fields(self, request, obj=None):
        return ["email", "language"] if obj is None else ["email", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["email", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row records who was invited, when

    def save_model(self, request, obj, form, change):
        if change:
            return
        invitation, _url = invite(obj.email, by=request.user, language=form.cleaned_data["language"])
        obj.pk = invitation.pk
        obj._state.adding = False
        messages.info(request, _("The invitation is in the outbox; it is mailed in a moment."))

    @admin.action(description=_("Withdraw the selected invitations"))
    def revoke(self, request, queryset):
        count = sum(invitation.revoke() for invitation in queryset)
        self.message_user(
            request,
            ngettext("%(count)d invitation withdrawn.", "%(count)d invitations withdrawn.", count) % {"count": count},
        )

    @admin.action(description=_("Send a new link (the old one stops working)"))
    def send_again(self, request, queryset):
        count = 0
        for invitation in queryset.filter(accepted_at=None):
            invitation.revoke()
            invite(invitation.email, by=request.user)
            count += 1
        self.message_user(
            request, ngettext("%(count)d new link sent.", "%(count)d new links sent.", count) % {"count": count}
        )
