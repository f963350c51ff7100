"""Recording activities."""

from django.urls import path

from cdtt.activities import views

app_name = "activities"
urlpatterns = [
    path("<int:activity_id>/sua/", views.activity_edit, name="edit"),
    path("ho/<int:household_id>/", views.guidance_new, name="guidance"),
    path("thon/<int:village_id>/", views.village_activities, name="village"),
    path("thon/<int:village_id>/su-kien/", views.event_new, name="event"),
    path("<int:activity_id>/huy/", views.activity_void_view, name="void"),
]
