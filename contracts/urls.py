from __future__ import annotations

from django.urls import path

from contracts.public import contract as public
from contracts.public import verify
from contracts.views import books as books_views
from contracts.views import books_export as books_export_views
from contracts.views import business, claims, one_off, rates, recurring, time
from contracts.views import contract as views
from contracts.views import deposits as deposit_views
from contracts.views import einvoice as einvoice_views
from contracts.views import invoices as invoice_views

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
    path("projects/<int:pk>/contract/change/", views.contract_propose_change, name="propose_change"),
    path("projects/<int:pk>/contract/versions/<int:number>.pdf", views.version_pdf_view, name="version_pdf"),
    # The client's PDF: no login; only for the browser that opened the emailed link.
    path("c/<uuid:public_id>/pdf/", public.client_pdf, name="client_pdf"),
    # "Is this invoice genuine?": printed on every sent invoice; no login, shows five facts.
    path("v/<str:public_id>/", verify.invoice_verify, name="invoice_verify"),
]

# -- invoices, payments and business settings (contracts/views/invoices.py, business.py) --

urlpatterns += [
    path("invoices/", invoice_views.invoice_list, name="invoice_list"),
    path("invoices/new/", one_off.invoice_new, name="invoice_new"),
    path("invoices/<int:pk>/", invoice_views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/preview.pdf", invoice_views.invoice_preview_pdf, name="invoice_preview_pdf"),
    path("invoices/<int:pk>/pdf/", invoice_views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/ubl/", einvoice_views.invoice_ubl, name="invoice_ubl"),
    path("invoices/<int:pk>/edit/", invoice_views.invoice_update, name="invoice_update"),
    path("invoices/<int:pk>/lines/add/", invoice_views.invoice_line_add, name="invoice_line_add"),
    path("invoices/<int:pk>/lines/<int:line_pk>/", invoice_views.invoice_line_edit, name="invoice_line_edit"),
    path(
        "invoices/<int:pk>/lines/<int:line_pk>/delete/",
        invoice_views.invoice_line_delete,
        name="invoice_line_delete",
    ),
    path("invoices/<int:pk>/send/", invoice_views.invoice_send, name="invoice_send"),
    path("invoices/<int:pk>/delete/", invoice_views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/payments/add/", invoice_views.payment_add, name="invoice_payment_add"),
    path(
        "invoices/<int:pk>/payments/<int:payment_pk>/delete/",
        invoice_views.payment_delete,
        name="invoice_payment_delete",
    ),
    path("invoices/<int:pk>/credit-note/", invoice_views.credit_note_create, name="invoice_credit_note"),
    path("invoices/<int:pk>/claim/", claims.invoice_claim, name="invoice_claim"),
    path("invoices/<int:pk>/deduct-deposit/", deposit_views.invoice_deduct_deposit, name="invoice_deduct_deposit"),
    path("projects/<int:pk>/invoices/draft/", invoice_views.draft_for_unbilled, name="invoice_draft_unbilled"),
    path("clients/<int:pk>/reminders/pause/", invoice_views.client_reminders_pause, name="client_reminders_pause"),
    path("clients/<int:pk>/reminders/resume/", invoice_views.client_reminders_resume, name="client_reminders_resume"),
    path("settings/business/", business.business_settings, name="business_settings"),
    # Own rates, the floor rate and surcharges (contracts/views/rates.py): ids travel in the POST body.
    path("settings/rates/", rates.rates_page, name="rates"),
    path("settings/rates/floor/", rates.floor_rate, name="floor_rate"),
    path("settings/rates/remove/", rates.rate_remove, name="rate_remove"),
    path("settings/surcharges/", rates.surcharges_page, name="surcharges"),
    path("settings/surcharges/standard/", rates.surcharges_standard, name="surcharges_standard"),
    path("settings/surcharges/save/", rates.surcharge_save, name="surcharge_save"),
    path("settings/surcharges/remove/", rates.surcharge_remove, name="surcharge_remove"),
]

# -- recurring agreements (contracts/views/recurring.py): retainers drafted every period --

urlpatterns += [
    path("recurring/", recurring.recurring_list, name="recurring_list"),
    path("recurring/new/", recurring.recurring_new, name="recurring_new"),
    path("recurring/<int:pk>/", recurring.recurring_detail, name="recurring_detail"),
    path("recurring/<int:pk>/edit/", recurring.recurring_edit, name="recurring_edit"),
    path("recurring/<int:pk>/pause/", recurring.recurring_pause, name="recurring_pause"),
    path("recurring/<int:pk>/resume/", recurring.recurring_resume, name="recurring_resume"),
    path("recurring/<int:pk>/end/", recurring.recurring_end, name="recurring_end"),
]

# -- books (contracts/views/books.py): the VAT return's figures and the ICP listing; the period in the query string

urlpatterns += [
    path("books/", books_views.books, name="books"),
    path("books/vat/", books_views.vat_return_page, name="vat_return"),
    path("books/vat/invoices/", books_views.vat_box, name="vat_box"),
    path("books/icp/", books_views.icp, name="icp"),
]

# -- hours (contracts/views/time.py): served in the projects namespace by freelance/urls.py --

time_urlpatterns = [
    path("time/", time.time_week, name="time_week"),
    path("time/add/", time.time_week_add, name="time_week_add"),
    path("time/<int:pk>/delete/", time.time_delete, name="time_delete"),
    path("projects/<int:pk>/time/", time.time_add, name="time_add"),
]

# -- the bookkeeper's export (contracts/views/books_export.py) --

urlpatterns += [path("books/export/", books_export_views.books_export, name="books_export")]
