"""Target boards and progress pages."""

from cdtt.progress import views

app_name = "progress"
urlpatterns = views.urlpatterns
