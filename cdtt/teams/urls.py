"""Team pages (signed in): the commune's teams and rosters, and decisions."""

from django.urls import path

from cdtt.teams import views
from cdtt.teams.views import decisions, finder

app_name = "teams"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("commune/<int:unit_id>/", views.commune_detail, name="commune"),
    path("commune/<int:unit_id>/new/", views.team_new, name="team_new"),
    path("commune/<int:unit_id>/group/", views.commune_group, name="commune_group"),
    path("commune/<int:unit_id>/group/qr.svg", views.commune_group_qr, name="commune_group_qr"),
    path("village/<int:village_id>/group/", views.village_group, name="village_group"),
    path("village/<int:village_id>/group/qr.svg", views.village_group_qr, name="village_group_qr"),
    path("<int:team_id>/", views.team_detail, name="team"),
    path("<int:team_id>/members/add/", views.member_add, name="member_add"),
    path("<int:team_id>/members/<int:membership_id>/leave/", views.member_leave, name="member_leave"),
    path("<int:team_id>/members/<int:membership_id>/replace/", views.member_replace, name="member_replace"),
    path("<int:team_id>/members/<int:membership_id>/edit/", views.member_edit, name="member_edit"),
    path("<int:team_id>/members/<int:membership_id>/account/", views.member_account, name="member_account"),
    path("<int:team_id>/dissolve/", views.team_dissolve, name="team_dissolve"),
    path("decisions/<int:decision_id>/", decisions.decision_detail, name="decision"),
    path("decisions/<int:decision_id>/edit/", decisions.decision_edit, name="decision_edit"),
    path("decisions/<int:decision_id>/sign/", decisions.decision_sign, name="decision_sign"),
    path("decisions/<int:decision_id>/docx/", decisions.decision_docx, name="decision_docx"),
    path("decisions/<int:decision_id>/scan/", decisions.decision_scan_upload, name="decision_scan_upload"),
    path("decisions/<int:decision_id>/scan.pdf", decisions.decision_scan, name="decision_scan"),
]
finder_patterns = [
    path("", finder.index, name="index"),
    path("<int:province_id>/", finder.province, name="province"),
    path("xa/<int:commune_id>/", finder.commune, name="commune"),
    path("qr/<int:village_id>.svg", finder.qr, name="qr"),
]
