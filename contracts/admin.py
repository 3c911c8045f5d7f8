"""The contract manager's admin: versioned texts, contract templates, the business profile, rates.

Editing a clause template or the general terms never changes a stored row: saving makes
a new version (version + 1, saved by the current user) and the old versions stay as
they were, readable in the history under the form and through the "versions" filter.
Contracts already built from an older version keep what that version said.

Who sees what: the templates have an owner. A freelancer (staff, not superuser) sees
their own templates and the install's defaults; the defaults are read-only to them, with
"Copy to edit" making their own copy. The operator (superuser) keeps the defaults and
does not see freelancers' own templates. Every other model here is the operator's only:
a freelancer has no model permissions, so Django's admin hides it from them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from contracts import placeholders
from contracts.models import (
    BusinessProfile,
    ClauseTemplate,
    Contract,
    ContractAcceptance,
    ContractClause,
    ContractTemplate,
    ContractVersion,
    GeneralTerms,
    HourlyRate,
    InvoiceEvent,
    KorThreshold,
    StatutoryInterestRate,
    SurchargeRule,
    owned_or_default,
)
from contracts.samples import preview_template_pdf, preview_text_pdf


def placeholder_help() -> list[dict]:
    """Every placeholder a text may use, as shown in the help panel next to the editor."""
    rows = [
        {"tag": f"{{{{ {name} }}}}", "description": description, "table": False}
        for name, description in placeholders.INLINE.items()
    ]
    rows += [
        {"tag": f"{{{{ {name} }}}}", "description": description, "table": True}
        for name, description in placeholders.BLOCK.items()
    ]
    return rows


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slugify(name) or "preview"}.pdf"'
    return response


class VersionsFilter(admin.SimpleListFilter):
    """Current versions by default; every version on request (the full history)."""

    title = _("versions")
    parameter_name = "versions"

    def lookups(self, request, model_admin):
        return [("all", _("All versions"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Current only"),
        }
        yield {
            "selected": self.value() == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": _("All versions"),
        }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(pk__in=queryset.model.current().values("pk"))


class OwnerFilter(admin.SimpleListFilter):
    title = _("whose")
    parameter_name = "whose"

    def lookups(self, request, model_admin):
        return [("own", _("Yours")), ("default", _("Install defaults"))]

    def queryset(self, request, queryset):
        if self.value() == "own":
            return queryset.filter(owner__isnull=False)
        if self.value() == "default":
            return queryset.filter(owner__isnull=True)
        return queryset


class OwnedTemplateAdmin(admin.ModelAdmin):
    """Templates with an owner: a freelancer's own, or the install's defaults (no owner).

    Every staff user may open these admins. The queryset holds the user's own templates
    and the defaults, never another freelancer's; so another's id is a 404 ("doesn't
    exist"), as for any object outside the queryset. Who may change what:
    the operator (superuser) changes the defaults, a freelancer their own.
    """

    def get_queryset(self, request):
        user_id = None if request.user.is_superuser else request.user.pk
        return super().get_queryset(request).filter(owned_or_default(user_id))

    @staticmethod
    def is_staff(request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.is_staff(request)

    def has_view_permission(self, request, obj=None):
        return self.is_staff(request)

    def has_add_permission(self, request):
        return self.is_staff(request)

    def may_edit(self, request, obj) -> bool:
        """The operator edits the defaults; a freelancer edits their own templates."""
        if not self.is_staff(request):
            return False
        if obj is None:
            return True
        return obj.owner_id is None if request.user.is_superuser else obj.owner_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    @admin.display(description=_("whose"), ordering="owner")
    def whose(self, obj) -> str:
        return _("Install default") if obj.owner_id is None else _("Yours")

    def owner_for_new(self, request):
        """What the user adds is theirs; what the operator adds is an install default."""
        return None if request.user.is_superuser else request.user

    def may_copy(self, request, obj) -> bool:
        return obj is not None and obj.owner_id is None and not request.user.is_superuser and self.is_staff(request)

    def copy_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_copy"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/copy/",
                self.admin_site.admin_view(require_POST(self.copy_view)),
                name=self.copy_url_name(),
            ),
            *super().get_urls(),
        ]

    def copy_view(self, request, object_id):
        """ "Copy to edit": a freelancer's own copy of an install default, opened for editing."""
        source = self.get_object(request, object_id)
        if source is None:
            raise Http404
        if not self.may_copy(request, source):
            raise PermissionDenied
        copy, created = self.make_copy(request, source)
        if created:
            messages.success(
                request, _("This is your own copy now: edit it and save. The install default stays as it was.")
            )
        else:
            messages.info(request, _("You already have your own copy of this; here it is."))
        opts = self.opts
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[copy.pk]))

    def make_copy(self, request, source):
        raise NotImplementedError

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_copy"] = self.may_copy(request, obj)
        if context["may_copy"]:
            context["copy_url"] = reverse(f"admin:{self.copy_url_name()}", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)


class VersionedTextForm(forms.ModelForm):
    class Meta:
        fields = ["key", "language", "title", "body", "change_note"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 26, "cols": 100, "class": "vLargeTextField", "spellcheck": "true"}),
            "change_note": forms.TextInput(attrs={"size": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "change_note" in self.fields:
            # Saving makes a new version: say what changed, so the history reads well.
            self.fields["change_note"].required = True

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and not set(self.changed_data) - {"change_note"}:
            raise ValidationError(_("Nothing in the text changed, so there is no new version to save."))
        return cleaned


class VersionedTextAdmin(OwnedTemplateAdmin):
    """Shared by GeneralTerms and ClauseTemplate: every save is a new version."""

    form = VersionedTextForm
    change_form_template = "admin/contracts/versioned_text_change_form.html"
    list_display = ["key", "language", "version", "title", "whose", "change_note", "created_at", "created_by"]
    list_display_links = ["key", "title"]
    list_filter = [VersionsFilter, OwnerFilter, "language"]
    search_fields = ["key", "title", "body"]
    ordering = ["key", "language", "-version"]
    list_select_related = ["created_by"]
    readonly_fields = ["version", "created_at", "created_by"]
    text_fields = ["key", "language", "title", "body", "change_note"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": self.text_fields}),
            (_("Version"), {"fields": ["version", "created_at", "created_by"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["key", "language"]  # a new version of the same text, never a move to another key
        return fields

    def is_current(self, obj) -> bool:
        newest = type(obj).versions_of(owner_id=obj.owner_id, key=obj.key, language=obj.language).first()
        return newest is not None and newest.pk == obj.pk

    def has_change_permission(self, request, obj=None):
        # Earlier versions are history: shown read-only, never edited.
        if obj is not None and not self.is_current(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # versions are append-only; a contract may point at any of them

    def save_model(self, request, obj, form, change):
        if change and not set(form.changed_data) - {"change_note"}:
            return  # the form refuses this already; never write a version that says nothing new
        if not change:
            obj.owner = self.owner_for_new(request)
        self.save_new_version(obj, request.user, as_copy=change)

    @staticmethod
    def save_new_version(obj, user, *, as_copy: bool) -> None:
        """Insert `obj` as the next version of its owner's text (never overwriting a row)."""
        model = type(obj)
        with transaction.atomic():
            newest = (
                model.versions_of(owner_id=obj.owner_id, key=obj.key, language=obj.language).select_for_update().first()
            )
            if as_copy:
                # Leave the edited row as it was and insert the edit as a new row.
                obj.pk = None
                obj._state.adding = True
            obj.version = (newest.version if newest else 0) + 1
            obj.created_by = user
            obj.created_at = timezone.now()
            obj.save(force_insert=True)

    def make_copy(self, request, source):
        model = type(source)
        own = model.versions_of(owner_id=request.user.pk, key=source.key, language=source.language).first()
        if own is not None:
            return own, False
        copy = model.objects.get(pk=source.pk)
        copy.owner = request.user
        copy.change_note = _("Copied from the install's default, version %(version)s") % {"version": source.version}
        self.save_new_version(copy, request.user, as_copy=True)
        return copy, True

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["placeholder_help"] = placeholder_help()
        if obj is not None:
            context["versions"] = (
                type(obj)
                .versions_of(owner_id=obj.owner_id, key=obj.key, language=obj.language)
                .select_related("created_by")
            )
            context["is_current"] = self.is_current(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        return [
            path("<path:object_id>/preview.pdf", self.admin_site.admin_view(self.preview_view), name=name),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return pdf_response(preview_text_pdf(obj, request.user), f"{obj.key}-{obj.language}-v{obj.version}")


@admin.register(GeneralTerms)
class GeneralTermsAdmin(VersionedTextAdmin):
    pass


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(VersionedTextAdmin):
    list_display = [
        "key",
        "language",
        "version",
        "category",
        "title",
        "whose",
        "change_note",
        "created_at",
        "created_by",
    ]
    list_filter = [VersionsFilter, OwnerFilter, "language", "category"]
    text_fields = ["key", "language", "category", "title", "body", "change_note"]


class ContractTemplateForm(forms.ModelForm):
    class Meta:
        model = ContractTemplate
        fields = ["name", "language", "is_default", "general_terms_key", "clause_keys"]
        widgets = {"clause_keys": forms.Textarea(attrs={"rows": 8, "cols": 60})}

    def clean(self):
        cleaned = super().clean()
        owner_id = self.instance.owner_id
        language, key = cleaned.get("language"), cleaned.get("general_terms_key")
        terms = GeneralTerms.objects.filter(owned_or_default(owner_id), key=key, language=language)
        if key and language and not terms.exists():
            self.add_error("general_terms_key", _("No general terms with this key in this language."))
        if cleaned.get("is_default") and language:
            others = ContractTemplate.objects.filter(owner_id=owner_id, language=language, is_default=True).exclude(
                pk=self.instance.pk
            )
            if others.exists():
                self.add_error(
                    "is_default",
                    _("“%(name)s” is already the default for this language; untick it there first.")
                    % {"name": others.first().name},
                )
        return cleaned


@admin.register(ContractTemplate)
class ContractTemplateAdmin(OwnedTemplateAdmin):
    form = ContractTemplateForm
    change_form_template = "admin/contracts/contracttemplate_change_form.html"
    list_display = ["name", "language", "whose", "is_default", "general_terms_key", "clause_count"]
    list_filter = [OwnerFilter, "language", "is_default"]
    search_fields = ["name"]
    readonly_fields = ["available_keys"]
    fields = ["name", "language", "is_default", "general_terms_key", "clause_keys", "available_keys"]

    @admin.display(description=_("clauses"))
    def clause_count(self, obj) -> int:
        return len(obj.clause_keys) if isinstance(obj.clause_keys, list) else 0

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        owner = obj.owner if obj is not None else self.owner_for_new(request)

        class OwnedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.instance.owner = owner  # checks (keys, one default) run for this owner

        return OwnedForm

    @admin.display(description=_("clause keys you can use"))
    def available_keys(self, obj) -> str:
        language = obj.language if obj is not None and obj.pk else None
        current = ClauseTemplate.for_user(obj.owner_id if obj is not None else None).order_by("language", "key")
        if language:
            current = current.filter(language=language)
        return ", ".join(f"{c.key} ({c.language})" for c in current) or "—"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        return [
            path("<path:object_id>/preview.pdf", self.admin_site.admin_view(self.preview_view), name=name),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        template = self.get_object(request, object_id)
        if template is None:
            raise Http404
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        return pdf_response(preview_template_pdf(template, request.user), f"{template.name}-{template.language}")

    def make_copy(self, request, source):
        copy = ContractTemplate.objects.create(
            owner=request.user,
            name=source.name,
            language=source.language,
            general_terms_key=source.general_terms_key,
            clause_keys=list(source.clause_keys),
            # The copy is the freelancer's default when the original was the install's.
            is_default=source.is_default
            and not ContractTemplate.objects.filter(
                owner=request.user, language=source.language, is_default=True
            ).exists(),
        )
        return copy, True


# -- the freelancer's business and rates ------------------------------------------------


@admin.register(BusinessProfile)
class BusinessProfileAdmin(admin.ModelAdmin):
    list_display = ["business_name", "owner", "city", "kvk_number", "vat_id"]
    search_fields = ["business_name", "owner__username", "kvk_number"]
    list_select_related = ["owner"]


class OwnClientForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        owner, client = cleaned.get("owner"), cleaned.get("client")
        if owner and client and client.owner_id != owner.pk:
            raise ValidationError({"client": _("Choose one of this owner's own clients.")})
        return cleaned


class OwnRateFilter(admin.SimpleListFilter):
    title = _("rate for")
    parameter_name = "for"

    def lookups(self, request, model_admin):
        return [("own", _("Own rate (all clients)")), ("client", _("Agreed with one client"))]

    def queryset(self, request, queryset):
        if self.value() == "own":
            return queryset.filter(client__isnull=True)
        if self.value() == "client":
            return queryset.filter(client__isnull=False)
        return queryset


@admin.register(HourlyRate)
class HourlyRateAdmin(admin.ModelAdmin):
    form = OwnClientForm
    list_display = ["owner", "client", "valid_from", "amount", "reason"]
    list_filter = [OwnRateFilter]
    date_hierarchy = "valid_from"
    search_fields = ["owner__username", "client__name", "reason"]
    list_select_related = ["owner", "client"]
    raw_id_fields = ["client"]


@admin.register(SurchargeRule)
class SurchargeRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "applies_to", "multiplier", "month", "day", "evening_from", "evening_until"]
    list_filter = ["applies_to"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner"]


# -- contracts: read-only records for support ---------------------------------------------


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContractClauseInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = ContractClause
    extra = 0
    fields = ["position", "category", "title", "body", "source"]
    readonly_fields = fields  # `source` is not editable: a form field for it is a FieldError


class ContractVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ContractVersion
    extra = 0
    fields = ["number", "created_at", "created_by", "snapshot_sha256"]
    show_change_link = True


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "language", "status", "created_at"]
    list_filter = ["status", "language"]
    search_fields = ["project__name", "project__client__name"]
    list_select_related = ["project"]
    inlines = [ContractClauseInline, ContractVersionInline]


@admin.register(ContractVersion)
class ContractVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["contract", "number", "created_at", "created_by", "snapshot_sha256"]
    search_fields = ["contract__project__name", "snapshot_sha256"]
    list_select_related = ["contract__project", "created_by"]


@admin.register(ContractAcceptance)
class ContractAcceptanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["version", "typed_name", "contact_email", "decided_at", "decision_ip"]
    search_fields = ["typed_name", "contact_email"]
    list_select_related = ["version__contract__project"]


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """An invoice's history is append-only: visible here, never edited or deleted."""

    list_display = ["at", "invoice", "kind", "amount", "actor"]
    list_filter = ["kind"]
    search_fields = ["invoice__number", "invoice__client__name"]
    list_select_related = ["invoice", "actor"]


@admin.register(KorThreshold)
class KorThresholdAdmin(admin.ModelAdmin):
    """The operator keeps the KOR's turnover limit current; a year uses the limit valid on 1 January."""

    list_display = ["valid_from", "amount", "source"]


@admin.register(StatutoryInterestRate)
class StatutoryInterestRateAdmin(admin.ModelAdmin):
    """The operator keeps this table current: a new rate every 1 January and 1 July."""

    list_display = ["kind", "valid_from", "percent", "source"]
    list_filter = ["kind"]

    def changelist_view(self, request, extra_context=None):
        """Warn when a half-year has begun without its rate: interest then uses the last known one."""
        from contracts.interest import stale_kinds  # kept inside this class: the module's imports are shared

        stale = stale_kinds(timezone.localdate())
        if stale:
            messages.warning(
                request,
                _(
                    "No rate entered for the current half-year for: %(kinds)s. Interest amounts use the last "
                    "known rate until you add the new one from the official publication."
                )
                % {"kinds": "; ".join(str(StatutoryInterestRate.Kind(kind).label) for kind in stale)},
            )
        return super().changelist_view(request, extra_context)
