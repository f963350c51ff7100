from django.urls import path

from cdtt.official import views

app_name = "official"
urlpatterns = [
    path("<int:unit_id>/", views.unit_figures, name="unit"),
    path("nhap/<int:unit_id>/", views.official_import, name="import"),
    path("nhap/<int:unit_id>/mau.xlsx", views.official_template, name="template"),
    path("truoc-2025/nhap/<int:unit_id>/", views.legacy_import, name="legacy_import"),
    path("truoc-2025/nhap/<int:unit_id>/mau.xlsx", views.legacy_template, name="legacy_template"),
    path("lan-nhap/<int:job_id>/", views.job_detail, name="job"),
    path("lan-nhap/<int:job_id>/xac-nhan/", views.job_confirm, name="job_confirm"),
    path("lan-nhap/<int:job_id>/huy/", views.job_cancel, name="job_cancel"),
]
