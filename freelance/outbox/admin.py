from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from freelance.outbox.models import OutgoingAttachment, OutgoingEmail


class ReadOnlyMixin:
    """The outbox is a record of what was sent: nobody adds, edits or deletes rows by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OutgoingAttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = OutgoingAttachment
    fields = ["filename", "content_type", "document", "size"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("size (bytes)"))
    def size(self, obj: OutgoingAttachment) -> int | None:
        return None if obj.document else len(obj.data)  # a stored document is not rendered here


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["subject", "owner", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["owner"]
    search_fields = ["subject", "to", "message_id", "owner__username", "owner__email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "owner", "kind", "to", "reply_to", "language", "subject", "stored_text", "stored_html", "status",
        "attempts", "last_error", "created_at", "next_attempt_at", "claimed_at", "sent_at", "message_id",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [OutgoingAttachmentInline]
