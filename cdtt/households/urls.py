"""Household register pages and the personal-data pages around it."""

from django.urls import path

from cdtt.households import views
from cdtt.households.views import privacy

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("moi/", views.household_create, name="create"),
    path("do-phu/<int:commune_id>/", views.coverage, name="coverage"),
    path("<int:household_id>/", views.household_detail, name="detail"),
    path("<int:household_id>/sua/", views.household_edit, name="edit"),
    path("<int:household_id>/su-dung/", views.adoption, name="adoption"),
    path("<int:household_id>/nhan-khau/moi/", views.resident_add, name="resident_add"),
    path("<int:household_id>/nhan-khau/<int:resident_id>/sua/", views.resident_edit, name="resident_edit"),
    path("du-lieu-ca-nhan/ho-so-xu-ly/", privacy.register, name="register"),
    path("du-lieu-ca-nhan/yeu-cau/", privacy.requests, name="requests"),
    path("du-lieu-ca-nhan/yeu-cau/<int:request_id>/", privacy.request_detail, name="request"),
    path(
        "du-lieu-ca-nhan/yeu-cau/<int:request_id>/xuat.json",
        privacy.request_export,
        {"fmt": "json"},
        name="request_export",
    ),
    path(
        "du-lieu-ca-nhan/yeu-cau/<int:request_id>/xuat.docx",
        privacy.request_export,
        {"fmt": "docx"},
        name="request_export_docx",
    ),
    path("<int:household_id>/dong-y/", privacy.consents, name="consents"),
    path(
        "<int:household_id>/dong-y/<int:consent_id>/rut/",
        privacy.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:household_id>/yeu-cau/moi/", privacy.request_new, name="requests_new"),
    path("<int:household_id>/xuat.json", privacy.export_json, name="export"),
    path("<int:household_id>/xuat.docx", privacy.export_docx, name="export_docx"),
]
