from __future__ import annotations

from django.urls import path

from freelance.export import views

app_name = "export"
urlpatterns = [
    path("download/", views.download, name="download"),
]
