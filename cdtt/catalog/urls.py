"""The platform and indicator catalogue."""

from django.urls import path

from cdtt.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.catalog_home, name="home"),
    path("chi-tieu/moi/", views.indicator_edit, name="indicator_new"),
    path("chi-tieu/<int:indicator_id>/", views.indicator_edit, name="indicator_edit"),
    path("nen-tang/moi/", views.platform_edit, name="platform_new"),
    path("nen-tang/<int:platform_id>/", views.platform_edit, name="platform_edit"),
]
