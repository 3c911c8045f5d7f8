from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

import contracts.urls
import projects.urls
from freelance.accounts import views as accounts_views
from freelance.dashboard import calendar_views
from freelance.dashboard import views as dashboard_views
from freelance.search import views as search_views

admin.site.site_header = _("Mijlpaal administration")
admin.site.site_title = _("Mijlpaal")
admin.site.index_title = _("Templates, settings and records")

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("health/", dashboard_views.health, name="health"),
    path("status/", dashboard_views.background, name="background_status"),
    path("dashboard/invoices/<int:pk>/payment/", dashboard_views.record_payment, name="dashboard_record_payment"),
    path(
        "dashboard/acceptance-requests/<int:pk>/resend/",
        dashboard_views.resend_acceptance,
        name="dashboard_resend_acceptance",
    ),
    path("calendar/<slug:token>.ics", calendar_views.feed, name="calendar_feed"),
    path("settings/calendar/", calendar_views.settings_page, name="calendar_settings"),
    path("settings/calendar/on/", calendar_views.turn_on, name="calendar_on"),
    path("settings/calendar/new/", calendar_views.renew, name="calendar_renew"),
    path("settings/calendar/off/", calendar_views.turn_off, name="calendar_off"),
    path("settings/language/", accounts_views.language_settings, name="language_settings"),
    path("search/", search_views.search, name="search"),
    path("accounts/", include("freelance.accounts.urls")),
    path("accounts/records/", include("freelance.export.urls")),
    # Hours are recorded on the project pages, so their routes keep the projects: names.
    path("", include((projects.urls.urlpatterns + contracts.urls.time_urlpatterns, "projects"))),
    path("", include("freelance.links.urls")),
    path("", include("freelance.evidence.urls")),
    path("books/bank/", include("contracts.banking.urls")),
    path("", include("contracts.urls")),
    path("mail/", include("freelance.outbox.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
