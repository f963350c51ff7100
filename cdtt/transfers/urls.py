from django.urls import path

from cdtt.transfers import views

app_name = "transfers"
urlpatterns = [
    path("villages/<int:unit_id>/", views.village_import, name="village_import"),
    path("villages/<int:unit_id>/template.xlsx", views.village_import_template, name="village_import_template"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
]
