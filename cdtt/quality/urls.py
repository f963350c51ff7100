"""Data-quality flags (chất lượng số liệu)."""

from cdtt.quality import views

app_name = "quality"
urlpatterns = views.urlpatterns
