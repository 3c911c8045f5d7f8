from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

import contracts.urls
import projects.urls
from freelance.dashboard import views as dashboard_views

admin.site.site_header = _("Mijlpaal administration")
admin.site.site_title = _("Mijlpaal")
admin.site.index_title = _("Templates, settings and records")

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("health/", dashboard_views.health, name="health"),
    path("dashboard/invoices/<int:pk>/payment/", dashboard_views.record_payment, name="dashboard_record_payment"),
    path(
        "dashboard/acceptance-requests/<int:pk>/resend/",
        dashboard_views.resend_acceptance,
        name="dashboard_resend_acceptance",
    ),
    path("accounts/", include("freelance.accounts.urls")),
    path("accounts/records/", include("freelance.export.urls")),
    # Hours are recorded on the project pages, so their routes keep the projects: names.
    path("", include((projects.urls.urlpatterns + contracts.urls.time_urlpatterns, "projects"))),
    path("", include("freelance.links.urls")),
    path("", include("freelance.evidence.urls")),
    path("", include("contracts.urls")),
    path("mail/", include("freelance.outbox.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
