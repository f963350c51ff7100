"""Target boards and the pages that set, split and import targets."""

from cdtt.targets import views

app_name = "targets"
urlpatterns = views.urlpatterns
