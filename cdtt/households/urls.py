"""Household register pages and the personal-data pages around it."""

from django.urls import path

from cdtt.households import views
from cdtt.households.views import privacy

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("coverage/<int:commune_id>/", views.coverage, name="coverage"),
    path("<int:household_id>/", views.household_detail, name="detail"),
    path("<int:household_id>/edit/", views.household_edit, name="edit"),
    path("<int:household_id>/adoption/", views.adoption, name="adoption"),
    path("<int:household_id>/residents/new/", views.resident_add, name="resident_add"),
    path("<int:household_id>/residents/<int:resident_id>/edit/", views.resident_edit, name="resident_edit"),
    path("privacy/register/", privacy.register, name="register"),
    path("privacy/requests/", privacy.requests, name="requests"),
    path("privacy/requests/<int:request_id>/", privacy.request_detail, name="request"),
    path(
        "privacy/requests/<int:request_id>/export.json",
        privacy.request_export,
        {"fmt": "json"},
        name="request_export",
    ),
    path(
        "privacy/requests/<int:request_id>/export.docx",
        privacy.request_export,
        {"fmt": "docx"},
        name="request_export_docx",
    ),
    path("<int:household_id>/consents/", privacy.consents, name="consents"),
    path(
        "<int:household_id>/consents/<int:consent_id>/withdraw/",
        privacy.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:household_id>/requests/new/", privacy.request_new, name="requests_new"),
    path("<int:household_id>/export.json", privacy.export_json, name="export"),
    path("<int:household_id>/export.docx", privacy.export_docx, name="export_docx"),
]
