"""Difficulties (khó khăn, vướng mắc)."""

from cdtt.difficulties import views

app_name = "difficulties"
urlpatterns = views.urlpatterns
