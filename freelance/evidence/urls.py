from __future__ import annotations

from django.urls import path

from freelance.evidence import views

app_name = "evidence"

urlpatterns = [
    path("evidence/", views.chain, name="chain"),
    path("verify/", views.verify, name="verify"),
]
