from django.urls import path

from cdtt.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<int:unit_id>/", views.unit_detail, name="unit"),
    path("<int:unit_id>/thon/moi/", views.village_create, name="village_create"),
    path("thon/<int:village_id>/", views.village_detail, name="village"),
    path("thon/<int:village_id>/sua/", views.village_edit, name="village_edit"),
    path("thon/<int:village_id>/ngung/", views.village_retire, name="village_retire"),
]
