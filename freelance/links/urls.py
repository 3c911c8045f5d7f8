from __future__ import annotations

from django.urls import path

from freelance.links import views

app_name = "links"

urlpatterns = [
    path("l/<str:token>/", views.open_link, name="open"),
    path("c/<uuid:public_id>/", views.link_page, name="page"),
]
