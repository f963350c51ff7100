"""Announcements from a province or the Ministry, with read receipts."""

from cdtt.practices import views_announcements

app_name = "announcements"
urlpatterns = views_announcements.urlpatterns
