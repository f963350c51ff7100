"""The phone app."""

from cdtt.mobile import views

app_name = "mobile"
urlpatterns = views.urlpatterns
