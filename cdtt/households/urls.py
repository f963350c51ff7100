"""Household register pages and the personal-data pages around it."""

from cdtt.households import views, views_privacy

app_name = "households"
urlpatterns = [*views.urlpatterns, *views_privacy.urlpatterns]
