"""Periodic reports: writing, review, the status tree, consolidation and exports."""

from cdtt.reports import views

app_name = "reports"
urlpatterns = views.urlpatterns
