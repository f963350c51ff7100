"""The phone app."""

from django.urls import path

from cdtt.mobile import views

app_name = "mobile"
urlpatterns = [
    path("", views.app_shell, name="app"),
    path("phien/", views.session, name="session"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("huong-dan/<int:material_id>/tep/", views.guide_file, name="guide_file"),
]
