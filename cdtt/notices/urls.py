"""The user's notices."""

from cdtt.notices import views

app_name = "notices"
urlpatterns = views.urlpatterns
