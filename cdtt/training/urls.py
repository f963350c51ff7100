"""Training: courses, sessions, attendance, coverage, materials, enterprise partners, the network view."""

from cdtt.training import views

app_name = "training"
urlpatterns = views.urlpatterns
