from django.urls import path

from cdtt.accounts import views

app_name = "accounts"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/tokens/", views.token_create, name="token_create"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/", views.user_list, name="list"),
    path("accounts/new/", views.user_create, name="create"),
    path("accounts/<int:user_id>/", views.user_detail, name="detail"),
    path("accounts/<int:user_id>/grant/", views.user_grant, name="grant"),
    path("accounts/<int:user_id>/roles/<int:assignment_id>/revoke/", views.user_revoke, name="revoke"),
    path("accounts/<int:user_id>/active/", views.user_set_active, name="set_active"),
    path("accounts/<int:user_id>/password/", views.user_set_password, name="set_password"),
    path("accounts/<int:user_id>/devices/<int:token_id>/revoke/", views.user_device_revoke, name="device_revoke"),
    path("audit/", views.audit, name="audit"),
]
