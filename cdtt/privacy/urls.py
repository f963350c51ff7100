"""Personal-data pages that are not about one household: the breach register."""

from django.urls import path

from cdtt.privacy import views

app_name = "privacy"
urlpatterns = [
    path("su-co/", views.breach_list, name="breaches"),
    path("su-co/moi/", views.breach_new, name="breach_new"),
    path("su-co/<int:breach_id>/", views.breach_detail, name="breach"),
    path("su-co/<int:breach_id>/thong-bao.docx", views.breach_notice, name="breach_notice"),
    path("thanh-vien/<int:member_id>/xoa/", views.member_erase, name="member_erase"),
    path("giang-vien/xoa/", views.trainer_erase, name="trainer_erase"),
]
