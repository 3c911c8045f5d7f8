from __future__ import annotations

from django.urls import path

from projects.views import bucket as bucket_views
from projects.views import client_page as client_page_views
from projects.views import clients as client_views
from projects.views import plan as plan_views
from projects.views import projects as project_views

app_name = "projects"

# Each part of the UI adds its routes in its own section.
urlpatterns: list = []
# The hours routes live in contracts (contracts/urls.py, time_urlpatterns); the site's
# urls.py serves them in this namespace, so they stay projects:time_*.

# -- clients (projects/views/clients.py) ------------------------------------------------

urlpatterns += [
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/new/", client_views.client_create, name="client_create"),
    path("clients/<int:pk>/", client_views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", client_views.client_update, name="client_update"),
    path("clients/<int:pk>/contacts/new/", client_views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", client_views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", client_views.contact_update, name="contact_update"),
    path("contacts/<int:pk>/delete/", client_views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/talked/", client_views.contact_talked, name="contact_talked"),
]

# -- project page and phase actions (projects/views/projects.py) ------------------------

urlpatterns += [
    path("projects/", project_views.project_list, name="project_list"),
    path("projects/<int:pk>/", project_views.project_detail, name="project_detail"),
    path("projects/<int:pk>/phases/", project_views.project_phases, name="project_phases"),
    path("projects/<int:pk>/money/", project_views.project_money, name="project_money"),
    path("projects/<int:pk>/risks/", project_views.project_risks, name="project_risks"),
    path("projects/<int:pk>/history/", project_views.project_history, name="project_history"),
    path("projects/<int:pk>/print/", project_views.project_print, name="project_print"),
    path("projects/<int:pk>/contracted/", project_views.project_mark_contracted, name="project_mark_contracted"),
    path("projects/<int:pk>/stop/", project_views.project_stop, name="project_stop"),
    path("projects/<int:pk>/renegotiate/", project_views.project_renegotiate, name="project_renegotiate"),
    path("phases/<int:pk>/start/", project_views.phase_action, {"action": "start"}, name="phase_start"),
    path("phases/<int:pk>/deliver/", project_views.phase_action, {"action": "deliver"}, name="phase_deliver"),
    path("phases/<int:pk>/accept/", project_views.phase_action, {"action": "accept"}, name="phase_accept"),
    path("phases/<int:pk>/changes/", project_views.phase_action, {"action": "changes"}, name="phase_request_changes"),
    path("phases/<int:pk>/resume/", project_views.phase_action, {"action": "resume"}, name="phase_resume"),
    path("projects/<int:pk>/risks/new/", project_views.risk_create, name="risk_create"),
    path("risks/<int:pk>/edit/", project_views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/delete/", project_views.risk_delete, name="risk_delete"),
]

urlpatterns += [
    path("phases/<int:pk>/send/", project_views.phase_action, {"action": "send"}, name="phase_send_request"),
    path(
        "acceptance-requests/<int:pk>/resend/",
        project_views.acceptance_request_resend,
        name="acceptance_request_resend",
    ),
    path(
        "acceptance-requests/<int:pk>/revoke/",
        project_views.acceptance_request_revoke,
        name="acceptance_request_revoke",
    ),
    path("acceptances/<int:pk>/certificate.pdf", project_views.acceptance_certificate, name="acceptance_certificate"),
]

# -- phase plan editor (projects/views/plan.py) ------------------------------------------

urlpatterns += [
    path("projects/new/", plan_views.project_new, name="project_new"),
    path("projects/<int:pk>/plan/", plan_views.project_plan, name="project_plan"),
    path("projects/<int:pk>/plan/preview/", plan_views.project_plan_preview, name="project_plan_preview"),
    path("projects/<int:pk>/plan/deadline/", plan_views.project_plan_deadline, name="project_plan_deadline"),
    path("projects/<int:pk>/plan/deposit/", plan_views.project_plan_deposit, name="project_plan_deposit"),
    path("projects/<int:pk>/plan/phases/add/", plan_views.project_plan_phase_add, name="project_plan_phase_add"),
    path(
        "projects/<int:pk>/plan/phases/<int:phase_pk>/",
        plan_views.project_plan_phase_save,
        name="project_plan_phase_save",
    ),
    path(
        "projects/<int:pk>/plan/phases/<int:phase_pk>/move/",
        plan_views.project_plan_phase_move,
        name="project_plan_phase_move",
    ),
    path(
        "projects/<int:pk>/plan/phases/<int:phase_pk>/remove/",
        plan_views.project_plan_phase_remove,
        name="project_plan_phase_remove",
    ),
    path(
        "projects/<int:pk>/plan/phases/<int:phase_pk>/scope/add/",
        plan_views.project_plan_scope_add,
        name="project_plan_scope_add",
    ),
    path(
        "projects/<int:pk>/plan/scope/<int:item_pk>/",
        plan_views.project_plan_scope_save,
        name="project_plan_scope_save",
    ),
    path(
        "projects/<int:pk>/plan/scope/<int:item_pk>/remove/",
        plan_views.project_plan_scope_remove,
        name="project_plan_scope_remove",
    ),
]

# -- client project page links (projects/views/client_page.py) ----------------------------

urlpatterns += [
    path("projects/<int:pk>/client-page/link/", client_page_views.client_page_link, name="client_page_link"),
    path("projects/<int:pk>/client-page/revoke/", client_page_views.client_page_revoke, name="client_page_revoke"),
]

# -- the bucket (projects/views/bucket.py) -----------------------------------------------

urlpatterns += [
    path("projects/<int:pk>/bucket/", bucket_views.bucket_page, name="bucket"),
    path("projects/<int:pk>/bucket/add/", bucket_views.wish_add, name="bucket_add"),
    path("projects/<int:pk>/bucket/terms/", bucket_views.bucket_terms, name="bucket_terms"),
    path("wishes/<int:pk>/assess/", bucket_views.wish_action, {"action": "assess"}, name="wish_assess"),
    path("wishes/<int:pk>/classify/", bucket_views.wish_action, {"action": "classify"}, name="wish_classify"),
    path("wishes/<int:pk>/beep/", bucket_views.wish_action, {"action": "beep"}, name="wish_beep"),
    path("wishes/<int:pk>/decide/", bucket_views.wish_action, {"action": "decide"}, name="wish_decide"),
    path("wishes/<int:pk>/done/", bucket_views.wish_action, {"action": "done"}, name="wish_done"),
    path("wishes/<int:pk>/drop/", bucket_views.wish_action, {"action": "drop"}, name="wish_drop"),
]
