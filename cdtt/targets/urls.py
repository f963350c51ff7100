"""Target boards and the pages that set, split and import targets."""

from django.urls import path

from cdtt.targets import views

app_name = "targets"
urlpatterns = [
    path("", views.my_targets, name="mine"),
    path("don-vi/<int:unit_id>/", views.unit_board, name="unit"),
    path("don-vi/<int:unit_id>/giao/", views.target_set_view, name="set"),
    path("thon/<int:village_id>/", views.village_board, name="village"),
    path("<int:target_id>/chia/", views.target_split_view, name="split"),
    path("don-vi/<int:unit_id>/bang.xlsx", views.sheet_export, name="sheet_export"),
    path("don-vi/<int:unit_id>/nhap-bang/", views.sheet_import, name="sheet"),
    path("don-vi/<int:unit_id>/dot/", views.campaign_new, name="campaign"),
]
