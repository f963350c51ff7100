from django.urls import path

from cdtt.transfers import views
from cdtt.transfers.views import households, teams

app_name = "transfers"
urlpatterns = [
    path("thon/<int:unit_id>/", views.village_import, name="village_import"),
    path("thon/<int:unit_id>/mau.xlsx", views.village_import_template, name="village_import_template"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/xac-nhan/", views.job_confirm, name="job_confirm"),
    path("<int:job_id>/huy/", views.job_cancel, name="job_cancel"),
    path("to/<int:unit_id>/", teams.team_import, name="team_import"),
    path("to/<int:unit_id>/mau.xlsx", teams.team_import_template, name="team_import_template"),
    path("to/<int:unit_id>/danh-sach.xlsx", teams.roster_export, name="roster_export"),
    path("to/lan-nhap/<int:job_id>/", teams.team_job, name="team_job"),
    path("to/lan-nhap/<int:job_id>/xac-nhan/", teams.team_job_confirm, name="team_job_confirm"),
    path("to/lan-nhap/<int:job_id>/huy/", teams.team_job_cancel, name="team_job_cancel"),
    path("ho/<int:unit_id>/", households.household_import, name="household_import"),
    path(
        "ho/<int:unit_id>/mau.xlsx",
        households.household_import_template,
        name="household_import_template",
    ),
    path("ho/lan-nhap/<int:job_id>/", households.household_job, name="household_job"),
    path("ho/lan-nhap/<int:job_id>/quyet-dinh/", households.household_job_decide, name="household_job_decide"),
    path("ho/lan-nhap/<int:job_id>/xac-nhan/", households.household_job_confirm, name="household_job_confirm"),
    path("ho/lan-nhap/<int:job_id>/huy/", households.household_job_cancel, name="household_job_cancel"),
]
