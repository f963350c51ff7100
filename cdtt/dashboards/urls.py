"""Dashboards: one screen per level and the leader's scorecard."""

from cdtt.dashboards import views

app_name = "dashboards"
urlpatterns = views.urlpatterns
