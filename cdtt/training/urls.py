"""Training: courses, sessions, attendance, coverage, materials, enterprise partners, the network view."""

from django.urls import path

from cdtt.training import views

app_name = "training"
urlpatterns = [
    path("", views.course_list, name="courses"),
    path("cua-toi/", views.my_training, name="mine"),
    path("khoa/moi/", views.course_new, name="course_new"),
    path("khoa/<int:course_id>/", views.course_detail, name="course"),
    path("khoa/<int:course_id>/sua/", views.course_edit, name="course_edit"),
    path("khoa/<int:course_id>/xoa/", views.course_delete, name="course_delete"),
    path("khoa/<int:course_id>/buoi/moi/", views.session_new, name="session_new"),
    path("khoa/<int:course_id>/moi-hoc/", views.invite, name="invite"),
    path("khoa/<int:course_id>/moi-hoc/<int:member_id>/thu-hoi/", views.invitation_revoke, name="invitation_revoke"),
    path("buoi/<int:session_id>/sua/", views.session_edit, name="session_edit"),
    path("buoi/<int:session_id>/xoa/", views.session_delete, name="session_delete"),
    path("buoi/<int:session_id>/huy/", views.session_cancel, name="session_cancel"),
    path("buoi/<int:session_id>/khoi-phuc/", views.session_restore, name="session_restore"),
    path("buoi/<int:session_id>/diem-danh/", views.attendance, name="attendance"),
    path("buoi/<int:session_id>/diem-danh.xlsx", views.attendance_export, name="attendance_export"),
    path("buoi/<int:session_id>/nhap-diem-danh/", views.attendance_import, name="attendance_import"),
    path("thanh-vien/<int:member_id>/", views.member_history, name="member"),
    path("don-vi/<int:unit_id>/", views.coverage, name="coverage"),
    path("tai-lieu/", views.material_list, name="materials"),
    path("tai-lieu/moi/", views.material_new, name="material_new"),
    path("tai-lieu/<int:material_id>/tep/", views.material_file, name="material_file"),
    path("tai-lieu/<int:material_id>/sua/", views.material_edit, name="material_edit"),
    path("tai-lieu/<int:material_id>/rut/", views.material_retire, name="material_retire"),
    path("doanh-nghiep/", views.enterprise_list, name="enterprises"),
    path("doanh-nghiep/moi/", views.enterprise_new, name="enterprise_new"),
    path("doanh-nghiep/<int:enterprise_id>/", views.enterprise_detail, name="enterprise"),
    path("doanh-nghiep/<int:enterprise_id>/sua/", views.enterprise_edit, name="enterprise_edit"),
]
network_patterns = [
    path("", views.network, name="index"),
    path("tai-ve.xlsx", views.network_export, name="export"),
]
