"""Zalo: the webhook Zalo calls (its address is registered with the OA, so it keeps the old path) and the pages."""

from django.urls import path

from cdtt.channels import views

app_name = "channels"
urlpatterns = [
    path("channels/zalo/webhook", views.webhook, name="webhook"),
    path("zalo/lien-ket/", views.link_page, name="link"),
    path("zalo/lien-ket/ma/", views.link_code, name="link_code"),
    path("zalo/lien-ket/huy/", views.unlink, name="unlink"),
    path("zalo/tinh-trang/", views.health, name="health"),
]
