"""Team pages (signed in): the commune's teams and rosters, and decisions."""

from cdtt.teams import views, views_decisions

app_name = "teams"
urlpatterns = [*views.urlpatterns, *views_decisions.urlpatterns]
