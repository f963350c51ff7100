"""Sync conflicts for team leaders."""

from django.urls import path

from cdtt.sync import views

app_name = "sync"
urlpatterns = [
    path("", views.conflict_list, name="conflicts"),
    path("<int:conflict_id>/", views.conflict_decide, name="decide"),
    path("lap-lai/<int:repeat_id>/", views.repeat_seen_view, name="repeat_seen"),
]
