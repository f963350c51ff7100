"""Team pages (signed in): the commune's teams and rosters, and decisions."""

from django.urls import path

from cdtt.teams import views
from cdtt.teams.views import decisions, finder

app_name = "teams"
urlpatterns = [
    path("", views.home, name="home"),
    path("cua-toi/", views.me, name="me"),
    path("xa/<int:unit_id>/", views.commune_detail, name="commune"),
    path("xa/<int:unit_id>/moi/", views.team_new, name="team_new"),
    path("xa/<int:unit_id>/nhom/", views.commune_group, name="commune_group"),
    path("xa/<int:unit_id>/nhom/qr.svg", views.commune_group_qr, name="commune_group_qr"),
    path("thon/<int:village_id>/nhom/", views.village_group, name="village_group"),
    path("thon/<int:village_id>/nhom/qr.svg", views.village_group_qr, name="village_group_qr"),
    path("<int:team_id>/", views.team_detail, name="team"),
    path("<int:team_id>/thanh-vien/them/", views.member_add, name="member_add"),
    path("<int:team_id>/thanh-vien/<int:membership_id>/roi-to/", views.member_leave, name="member_leave"),
    path("<int:team_id>/thanh-vien/<int:membership_id>/thay-the/", views.member_replace, name="member_replace"),
    path("<int:team_id>/thanh-vien/<int:membership_id>/sua/", views.member_edit, name="member_edit"),
    path("<int:team_id>/thanh-vien/<int:membership_id>/tai-khoan/", views.member_account, name="member_account"),
    path("<int:team_id>/giai-the/", views.team_dissolve, name="team_dissolve"),
    path("quyet-dinh/<int:decision_id>/", decisions.decision_detail, name="decision"),
    path("quyet-dinh/<int:decision_id>/sua/", decisions.decision_edit, name="decision_edit"),
    path("quyet-dinh/<int:decision_id>/ky/", decisions.decision_sign, name="decision_sign"),
    path("quyet-dinh/<int:decision_id>/docx/", decisions.decision_docx, name="decision_docx"),
    path("quyet-dinh/<int:decision_id>/ban-quet/", decisions.decision_scan_upload, name="decision_scan_upload"),
    path("quyet-dinh/<int:decision_id>/ban-quet.pdf", decisions.decision_scan, name="decision_scan"),
]
finder_patterns = [
    path("", finder.index, name="index"),
    path("<int:province_id>/", finder.province, name="province"),
    path("xa/<int:commune_id>/", finder.commune, name="commune"),
    path("qr/<int:village_id>.svg", finder.qr, name="qr"),
]
