from django.urls import path

from cdtt.transfers import views
from cdtt.transfers.views import households, teams

app_name = "transfers"
urlpatterns = [
    path("villages/<int:unit_id>/", views.village_import, name="village_import"),
    path("villages/<int:unit_id>/template.xlsx", views.village_import_template, name="village_import_template"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("teams/<int:unit_id>/", teams.team_import, name="team_import"),
    path("teams/<int:unit_id>/template.xlsx", teams.team_import_template, name="team_import_template"),
    path("teams/<int:unit_id>/export.xlsx", teams.roster_export, name="roster_export"),
    path("teams/jobs/<int:job_id>/", teams.team_job, name="team_job"),
    path("teams/jobs/<int:job_id>/confirm/", teams.team_job_confirm, name="team_job_confirm"),
    path("teams/jobs/<int:job_id>/cancel/", teams.team_job_cancel, name="team_job_cancel"),
    path("households/<int:unit_id>/", households.household_import, name="household_import"),
    path(
        "households/<int:unit_id>/template.xlsx",
        households.household_import_template,
        name="household_import_template",
    ),
    path("households/jobs/<int:job_id>/", households.household_job, name="household_job"),
    path("households/jobs/<int:job_id>/decide/", households.household_job_decide, name="household_job_decide"),
    path("households/jobs/<int:job_id>/confirm/", households.household_job_confirm, name="household_job_confirm"),
    path("households/jobs/<int:job_id>/cancel/", households.household_job_cancel, name="household_job_cancel"),
]
