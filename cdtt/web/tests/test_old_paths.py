"""The old English page paths redirect permanently to the Vietnamese ones, keeping ids and the query string."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.dbneutral]

# Every page path (route, URL name) served before the paths became Vietnamese, frozen here on purpose:
# a bookmark or a printed link to any of them must keep landing on the same page.
OLD_ROUTES = [
    ("login/", "login"),
    ("logout/", "logout"),
    ("me/", "accounts:profile"),
    ("me/password/", "accounts:password_change"),
    ("me/tokens/", "accounts:token_create"),
    ("me/tokens/<int:token_id>/revoke/", "accounts:token_revoke"),
    ("accounts/", "accounts:list"),
    ("accounts/new/", "accounts:create"),
    ("accounts/<int:user_id>/", "accounts:detail"),
    ("accounts/<int:user_id>/grant/", "accounts:grant"),
    ("accounts/<int:user_id>/roles/<int:assignment_id>/revoke/", "accounts:revoke"),
    ("accounts/<int:user_id>/active/", "accounts:set_active"),
    ("accounts/<int:user_id>/password/", "accounts:set_password"),
    ("accounts/<int:user_id>/devices/<int:token_id>/revoke/", "accounts:device_revoke"),
    ("audit/", "accounts:audit"),
    ("units/", "geo:browse"),
    ("units/<int:unit_id>/", "geo:unit"),
    ("units/<int:unit_id>/villages/new/", "geo:village_create"),
    ("units/villages/<int:village_id>/", "geo:village"),
    ("units/villages/<int:village_id>/edit/", "geo:village_edit"),
    ("units/villages/<int:village_id>/retire/", "geo:village_retire"),
    ("imports/villages/<int:unit_id>/", "transfers:village_import"),
    ("imports/villages/<int:unit_id>/template.xlsx", "transfers:village_import_template"),
    ("imports/<int:job_id>/", "transfers:job"),
    ("imports/<int:job_id>/confirm/", "transfers:job_confirm"),
    ("imports/<int:job_id>/cancel/", "transfers:job_cancel"),
    ("imports/teams/<int:unit_id>/", "transfers:team_import"),
    ("imports/teams/<int:unit_id>/template.xlsx", "transfers:team_import_template"),
    ("imports/teams/<int:unit_id>/export.xlsx", "transfers:roster_export"),
    ("imports/teams/jobs/<int:job_id>/", "transfers:team_job"),
    ("imports/teams/jobs/<int:job_id>/confirm/", "transfers:team_job_confirm"),
    ("imports/teams/jobs/<int:job_id>/cancel/", "transfers:team_job_cancel"),
    ("imports/households/<int:unit_id>/", "transfers:household_import"),
    ("imports/households/<int:unit_id>/template.xlsx", "transfers:household_import_template"),
    ("imports/households/jobs/<int:job_id>/", "transfers:household_job"),
    ("imports/households/jobs/<int:job_id>/decide/", "transfers:household_job_decide"),
    ("imports/households/jobs/<int:job_id>/confirm/", "transfers:household_job_confirm"),
    ("imports/households/jobs/<int:job_id>/cancel/", "transfers:household_job_cancel"),
    ("teams/", "teams:home"),
    ("teams/me/", "teams:me"),
    ("teams/commune/<int:unit_id>/", "teams:commune"),
    ("teams/commune/<int:unit_id>/new/", "teams:team_new"),
    ("teams/commune/<int:unit_id>/group/", "teams:commune_group"),
    ("teams/commune/<int:unit_id>/group/qr.svg", "teams:commune_group_qr"),
    ("teams/village/<int:village_id>/group/", "teams:village_group"),
    ("teams/village/<int:village_id>/group/qr.svg", "teams:village_group_qr"),
    ("teams/<int:team_id>/", "teams:team"),
    ("teams/<int:team_id>/members/add/", "teams:member_add"),
    ("teams/<int:team_id>/members/<int:membership_id>/leave/", "teams:member_leave"),
    ("teams/<int:team_id>/members/<int:membership_id>/replace/", "teams:member_replace"),
    ("teams/<int:team_id>/members/<int:membership_id>/edit/", "teams:member_edit"),
    ("teams/<int:team_id>/members/<int:membership_id>/account/", "teams:member_account"),
    ("teams/<int:team_id>/dissolve/", "teams:team_dissolve"),
    ("teams/decisions/<int:decision_id>/", "teams:decision"),
    ("teams/decisions/<int:decision_id>/edit/", "teams:decision_edit"),
    ("teams/decisions/<int:decision_id>/sign/", "teams:decision_sign"),
    ("teams/decisions/<int:decision_id>/docx/", "teams:decision_docx"),
    ("teams/decisions/<int:decision_id>/scan/", "teams:decision_scan_upload"),
    ("teams/decisions/<int:decision_id>/scan.pdf", "teams:decision_scan"),
    ("households/", "households:list"),
    ("households/new/", "households:create"),
    ("households/coverage/<int:commune_id>/", "households:coverage"),
    ("households/<int:household_id>/", "households:detail"),
    ("households/<int:household_id>/edit/", "households:edit"),
    ("households/<int:household_id>/adoption/", "households:adoption"),
    ("households/<int:household_id>/residents/new/", "households:resident_add"),
    ("households/<int:household_id>/residents/<int:resident_id>/edit/", "households:resident_edit"),
    ("households/privacy/register/", "households:register"),
    ("households/privacy/requests/", "households:requests"),
    ("households/privacy/requests/<int:request_id>/", "households:request"),
    ("households/privacy/requests/<int:request_id>/export.json", "households:request_export"),
    ("households/privacy/requests/<int:request_id>/export.docx", "households:request_export_docx"),
    ("households/<int:household_id>/consents/", "households:consents"),
    ("households/<int:household_id>/consents/<int:consent_id>/withdraw/", "households:consent_withdraw"),
    ("households/<int:household_id>/requests/new/", "households:requests_new"),
    ("households/<int:household_id>/export.json", "households:export"),
    ("households/<int:household_id>/export.docx", "households:export_docx"),
    ("channels/zalo/lien-ket/", "channels:link"),
    ("channels/zalo/lien-ket/ma/", "channels:link_code"),
    ("channels/zalo/lien-ket/huy/", "channels:unlink"),
    ("channels/zalo/tinh-trang/", "channels:health"),
]
_PARAM = re.compile(r"<int:(\w+)>")


def _old_and_new(route: str, name: str) -> tuple[str, str]:
    ids = {key: 40 + n for n, key in enumerate(_PARAM.findall(route))}
    old = "/" + _PARAM.sub(lambda m: str(ids[m.group(1)]), route)
    return old, reverse(name, kwargs=ids)


@pytest.mark.parametrize(("route", "name"), OLD_ROUTES, ids=[r for r, _ in OLD_ROUTES])
def test_every_old_page_path_redirects_permanently_to_its_page(client: Client, route: str, name: str) -> None:
    old, new = _old_and_new(route, name)
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert not re.search(r"/(units|imports|teams|households|accounts|channels|login|logout|me|audit)/", new)


def test_a_deep_old_path_keeps_its_ids_and_query_string(client: Client) -> None:
    response = client.get("/households/12/residents/34/edit/?next=/households/&q=Nguy%E1%BB%85n")
    assert response.status_code == 301
    assert response["Location"] == "/ho-gia-dinh/12/nhan-khau/34/sua/?next=/households/&q=Nguy%E1%BB%85n"
    assert client.get("/imports/teams/jobs/5/confirm/")["Location"] == "/nhap-du-lieu/to/lan-nhap/5/xac-nhan/"
    assert client.get("/units/")["Location"] == "/don-vi/"


def test_a_form_sent_to_an_old_path_is_redirected_with_its_method(client: Client) -> None:
    # An installed phone app may still run the old script that posts to /logout/: 308 keeps POST and its body.
    response = client.post("/logout/")
    assert response.status_code == 308
    assert response["Location"] == "/dang-xuat/"


def test_an_old_path_that_never_was_a_page_is_not_found(client: Client) -> None:
    assert client.get("/households/12/nowhere/").status_code == 404
    assert client.get("/channels/").status_code == 404
    assert client.get("/teams/me").status_code in {301, 404}  # no trailing slash: never invents a page


def test_the_machine_paths_stay_where_installed_phones_and_zalo_expect_them(client: Client) -> None:
    assert reverse("channels:webhook") == "/channels/zalo/webhook"
    assert reverse("mobile:app") == "/app/"
    assert reverse("mobile:sw") == "/app/sw.js"
    assert client.post("/channels/zalo/webhook", b"{}", content_type="application/json").status_code != 308
