"""Sync conflicts for team leaders."""

from cdtt.sync import views

app_name = "sync"
urlpatterns = views.urlpatterns
