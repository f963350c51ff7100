"""Periodic reports: writing, review, the status tree, consolidation and exports."""

from django.urls import path

from cdtt.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("mo/", views.report_open_view, name="open"),
    path("<int:report_id>/", views.detail, name="detail"),
    path("<int:report_id>/docx", views.report_docx, name="docx"),
    path("<int:report_id>/xlsx", views.report_xlsx, name="xlsx"),
    path("don-vi/<int:unit_id>/", views.unit_view, name="unit"),
    path("don-vi/<int:unit_id>/xlsx", views.unit_xlsx, name="unit_xlsx"),
    path("cai-dat/<int:unit_id>/", views.settings_view, name="settings"),
]
