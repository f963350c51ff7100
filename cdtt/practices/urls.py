"""Good practices and typical cases of the network."""

from cdtt.practices import views

app_name = "practices"
urlpatterns = views.urlpatterns
