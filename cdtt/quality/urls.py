"""Data-quality flags (chất lượng số liệu)."""

from django.urls import path

from cdtt.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.flags_home, name="home"),
    path("quy-tac/", views.rules_page, name="rules"),
    path("don-vi/<int:unit_id>/", views.unit_flags, name="unit"),
    path("<int:flag_id>/", views.flag_detail, name="detail"),
    path("<int:flag_id>/thao-tac/", views.flag_action, name="action"),
]
