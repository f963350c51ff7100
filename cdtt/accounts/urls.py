from django.urls import path

from cdtt.accounts import views

app_name = "accounts"
urlpatterns = [
    path("ca-nhan/", views.profile, name="profile"),
    path("ca-nhan/mat-khau/", views.password_change, name="password_change"),
    path("ca-nhan/ma-truy-cap/", views.token_create, name="token_create"),
    path("ca-nhan/ma-truy-cap/<int:token_id>/thu-hoi/", views.token_revoke, name="token_revoke"),
    path("tai-khoan/", views.user_list, name="list"),
    path("tai-khoan/moi/", views.user_create, name="create"),
    path("tai-khoan/<int:user_id>/", views.user_detail, name="detail"),
    path("tai-khoan/<int:user_id>/cap-quyen/", views.user_grant, name="grant"),
    path("tai-khoan/<int:user_id>/vai-tro/<int:assignment_id>/thu-hoi/", views.user_revoke, name="revoke"),
    path("tai-khoan/<int:user_id>/trang-thai/", views.user_set_active, name="set_active"),
    path("tai-khoan/<int:user_id>/mat-khau/", views.user_set_password, name="set_password"),
    path("tai-khoan/<int:user_id>/thiet-bi/<int:token_id>/thu-hoi/", views.user_device_revoke, name="device_revoke"),
    path("nhat-ky/", views.audit, name="audit"),
]
