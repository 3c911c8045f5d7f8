from __future__ import annotations

from django.contrib import admin

from freelance.links.models import ClientLink


@admin.register(ClientLink)
class ClientLinkAdmin(admin.ModelAdmin):
    """Links are issued by the app; here they can be seen, not edited. Only the hash is stored."""

    list_display = ["purpose", "recipient_email", "owner", "created_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["purpose"]
    search_fields = ["recipient_email", "recipient_name"]
    list_select_related = ["owner"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
