"""Bank statements in; mounted at books/bank/ by freelance/urls.py. Ids of lines and invoices travel in the POST body."""

from __future__ import annotations

from django.urls import path

from contracts.banking import views

app_name = "banking"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("unmatched/match/", views.match, name="match"),
    path("unmatched/ignore/", views.ignore, name="ignore"),
]
