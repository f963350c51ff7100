"""Difficulties (khó khăn, vướng mắc)."""

from django.urls import path

from cdtt.difficulties import views

app_name = "difficulties"
urlpatterns = [
    path("", views.difficulties_page, name="list"),
    path("moi/", views.difficulty_new, name="new"),
    path("<int:difficulty_id>/", views.difficulty_detail, name="detail"),
    path("<int:difficulty_id>/thao-tac/", views.difficulty_action, name="action"),
    path("<int:difficulty_id>/anh/<int:photo_id>/", views.difficulty_photo, name="photo"),
]
