"""Dashboards: one screen per level and the leader's scorecard."""

from django.urls import path

from cdtt.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("don-vi/<int:unit_id>/", views.unit_dashboard, name="unit"),
    path("don-vi/<int:unit_id>/bang-diem/", views.scorecard, name="scorecard"),
    path("thon/<int:village_id>/", views.village_dashboard, name="village"),
]
