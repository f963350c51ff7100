"""The platform and indicator catalogue."""

from cdtt.catalog import views

app_name = "catalog"
urlpatterns = views.urlpatterns
