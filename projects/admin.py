from __future__ import annotations

from django.contrib import admin

from projects.models import Acceptance, AcceptanceRequest, Client, Contact, Phase, PhaseEvent, Project, Risk, ScopeItem


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "kind", "city", "payment_term_days", "click_score", "professionalism"]
    list_filter = ["kind", "language"]
    search_fields = ["name", "city", "kvk_number", "contacts__name", "contacts__email"]
    inlines = [ContactInline]
    list_select_related = ["owner"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "email", "is_decision_maker", "last_spoken_on"]
    search_fields = ["name", "email", "client__name"]
    list_select_related = ["client"]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["position", "title", "pricing", "fixed_price", "offset_amount", "offset_unit", "status", "due_date"]
    readonly_fields = ["status", "due_date"]
    show_change_link = True


class RiskInline(admin.StackedInline):
    model = Risk
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "owner", "status", "first_deadline", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "client__name"]
    list_select_related = ["client", "owner"]
    inlines = [PhaseInline, RiskInline]
    readonly_fields = ["status", "stopped_reason"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_locked:
            fields.append("first_deadline")  # renegotiate on the project page instead
        return fields


class ScopeItemInline(admin.TabularInline):
    model = ScopeItem
    extra = 0


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "status", "due_date", "accepted_at"]
    list_filter = ["status", "pricing"]
    search_fields = ["title", "project__name"]
    list_select_related = ["project"]
    inlines = [ScopeItemInline]
    readonly_fields = ["status", "due_date", "started_at", "delivered_at", "accepted_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_read_only:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != Phase.Status.PLANNED:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "party", "likelihood", "impact", "status"]
    list_filter = ["status", "party"]
    list_select_related = ["project"]


@admin.register(PhaseEvent)
class PhaseEventAdmin(admin.ModelAdmin):
    """History is append-only: visible here, never edited."""

    list_display = ["at", "project", "phase", "kind", "actor", "actor_label"]
    list_filter = ["kind"]
    list_select_related = ["project", "phase", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence and what was sent: visible, never edited or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AcceptanceRequest)
class AcceptanceRequestAdmin(ReadOnlyAdmin):
    list_display = ["phase", "contact", "created_at", "link"]
    list_select_related = ["phase__project", "contact", "link"]
    search_fields = ["phase__title", "phase__project__name", "contact__name", "link__recipient_email"]


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["phase", "decision", "typed_name", "contact_email", "decided_at", "decision_ip"]
    list_filter = ["decision"]
    list_select_related = ["phase__project"]
    search_fields = ["typed_name", "contact_email", "snapshot_sha256"]
