from __future__ import annotations

from django.urls import path

from contracts import public, views

app_name = "contracts"

urlpatterns = [
    path("projects/<int:pk>/contract/", views.contract_page, name="contract"),
    path("projects/<int:pk>/contract/clauses/add/", views.clause_add, name="clause_add"),
    path("projects/<int:pk>/contract/clauses/preview/", views.clause_preview, name="clause_preview"),
    path("projects/<int:pk>/contract/clauses/<int:clause_pk>/", views.clause_save, name="clause_save"),
    path("projects/<int:pk>/contract/clauses/<int:clause_pk>/move/", views.clause_move, name="clause_move"),
    path("projects/<int:pk>/contract/clauses/<int:clause_pk>/remove/", views.clause_remove, name="clause_remove"),
    path("projects/<int:pk>/contract/preview.pdf", views.contract_preview_pdf, name="preview_pdf"),
    path("projects/<int:pk>/contract/send/", views.contract_send, name="send"),
    path("projects/<int:pk>/contract/diff/", views.contract_diff, name="diff"),
    path("projects/<int:pk>/contract/versions/<int:number>.pdf", views.version_pdf_view, name="version_pdf"),
    # The client's PDF: no login; only for the browser that opened the emailed link.
    path("c/<uuid:public_id>/pdf/", public.client_pdf, name="client_pdf"),
]
