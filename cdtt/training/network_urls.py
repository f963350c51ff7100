"""The Ministry's network view: every province side by side."""

from cdtt.training import views

app_name = "network"
urlpatterns = views.network_urlpatterns
