"""Recording activities."""

from cdtt.activities import views

app_name = "activities"
urlpatterns = views.urlpatterns
