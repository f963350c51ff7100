from django.urls import path

from cdtt.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<int:unit_id>/", views.unit_detail, name="unit"),
    path("<int:unit_id>/villages/new/", views.village_create, name="village_create"),
    path("villages/<int:village_id>/", views.village_detail, name="village"),
    path("villages/<int:village_id>/edit/", views.village_edit, name="village_edit"),
    path("villages/<int:village_id>/retire/", views.village_retire, name="village_retire"),
]
