from django.urls import path

from cdtt.transfers import views

app_name = "transfers"
urlpatterns = [
    path("villages/<int:unit_id>/", views.village_import, name="village_import"),
]
