"""The user's notices."""

from django.urls import path

from cdtt.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notices_page, name="list"),
    path("<int:notice_id>/doc/", views.notice_read, name="read"),
    path("doc-het/", views.notices_read_all, name="read_all"),
]
