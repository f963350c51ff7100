"""Good practices and typical cases of the network."""

from django.urls import path

from cdtt.practices import views
from cdtt.practices.views import announcements

app_name = "practices"
urlpatterns = [
    path("", views.index, name="index"),
    path("cua-don-vi/", views.mine, name="mine"),
    path("cho-duyet/", views.review, name="review"),
    path("moi/", views.create, name="create"),
    path("<int:practice_id>/", views.detail, name="detail"),
    path("<int:practice_id>/sua/", views.edit, name="edit"),
    path("<int:practice_id>/gui/", views.submit, name="submit"),
    path("<int:practice_id>/dang/", views.publish, name="publish"),
    path("<int:practice_id>/tra-lai/", views.return_view, name="return"),
    path("<int:practice_id>/noi-bat/", views.feature, name="feature"),
    path("<int:practice_id>/anh/<int:image_id>.jpg", views.image, name="image"),
    path("<int:practice_id>/anh/<int:image_id>/xoa/", views.image_remove, name="image_remove"),
]
announcement_patterns = [
    path("", announcements.index, name="index"),
    path("da-gui/", announcements.sent, name="sent"),
    path("moi/", announcements.create, name="create"),
    path("<int:announcement_id>/", announcements.detail, name="detail"),
    path("<int:announcement_id>/da-doc/", announcements.read, name="read"),
]
