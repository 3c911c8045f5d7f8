from __future__ import annotations

from django.urls import path

from freelance.outbox import views

app_name = "outbox"

urlpatterns = [
    path("", views.email_list, name="list"),
    path("<int:pk>/", views.email_detail, name="detail"),
    path("<int:pk>/html/", views.email_html, name="html"),
    path("<int:pk>/send-again/", views.email_send_again, name="send_again"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
