"""Villages: create, rename and retire through the services, the pages and the API; names are unique per commune."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.geo import services
from cdtt.geo.models import Village
from conftest import Tree, Users

DUPLICATE = "The commune already has a village named “%(name)s”."


def _post_json(client: Client, url: str, data: dict[str, object]) -> object:
    return client.post(url, json.dumps(data), content_type="application/json")


# -- services ---------------------------------------------------------------------------------


def test_it_creates_a_village_and_audits_it(tree: Tree, users: Users) -> None:
    village = services.village_create(actor=users.commune_officer, commune=tree.c1, name="  Thôn   Một ", kind="thon")
    assert village.name == "Thôn Một"
    assert village.name_folded == "thon mot"
    event = AuditEvent.objects.get(action="village.create")
    assert (event.actor, event.unit, event.target_id) == (users.commune_officer, tree.c1, str(village.pk))
    assert event.details == {"name": "Thôn Một", "kind": "thon"}


@pytest.mark.parametrize("clash", ["THON MOT", "thôn một", "Thôn  Một", "Thon Mot"])
def test_it_refuses_a_name_already_used_in_the_commune_whatever_the_accents(
    tree: Tree, users: Users, clash: str
) -> None:
    services.village_create(actor=users.commune_officer, commune=tree.c1, name="Thôn Một")
    before = (Village.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as refused:
        services.village_create(actor=users.commune_officer, commune=tree.c1, name=clash)
    assert refused.value.field == "name"
    assert refused.value.message == _(DUPLICATE) % {"name": "Thôn Một"}
    assert (Village.objects.count(), AuditEvent.objects.count()) == before


def test_the_same_name_in_another_commune_is_fine(tree: Tree, users: Users) -> None:
    services.village_create(actor=users.province_officer, commune=tree.c1, name="Thôn Một")
    other = services.village_create(actor=users.province_officer, commune=tree.c2, name="THON MOT")
    assert other.commune == tree.c2


def test_a_retired_village_name_can_be_used_again(tree: Tree, users: Users) -> None:
    services.village_retire(actor=users.commune_officer, village=tree.v1, on=datetime.date(2025, 8, 1))
    again = services.village_create(actor=users.commune_officer, commune=tree.c1, name="TỔ DÂN PHỐ SỐ 1")
    assert again.pk != tree.v1.pk
    assert Village.objects.filter(commune=tree.c1, name_folded="to dan pho so 1").count() == 2
    assert Village.objects.active().filter(commune=tree.c1, name_folded="to dan pho so 1").get() == again


def test_it_renames_a_village_and_keeps_the_before_and_after(tree: Tree, users: Users) -> None:
    services.village_update(
        actor=users.commune_officer, village=tree.v1, name="Tổ dân phố Liễu Giai", kind="to_dan_pho"
    )
    tree.v1.refresh_from_db()
    assert tree.v1.name == "Tổ dân phố Liễu Giai"
    event = AuditEvent.objects.get(action="village.update")
    assert event.details["before"]["name"] == "Tổ dân phố số 1"
    assert event.details["after"]["name"] == "Tổ dân phố Liễu Giai"


def test_a_rename_to_a_neighbours_name_is_refused(tree: Tree, users: Users) -> None:
    with pytest.raises(DomainError):
        services.village_update(actor=users.commune_officer, village=tree.v1, name="to dan pho so 2", kind="thon")
    tree.v1.refresh_from_db()
    assert (tree.v1.name, tree.v1.kind) == ("Tổ dân phố số 1", "to_dan_pho")


def test_a_rename_that_only_changes_the_accents_is_allowed(tree: Tree, users: Users) -> None:
    services.village_update(actor=users.commune_officer, village=tree.v1, name="TỔ DÂN PHỐ SỐ 1", kind="to_dan_pho")
    tree.v1.refresh_from_db()
    assert tree.v1.name == "TỔ DÂN PHỐ SỐ 1"


def test_it_retires_a_village_once(tree: Tree, users: Users) -> None:
    services.village_retire(actor=users.commune_officer, village=tree.v1, on=datetime.date(2025, 8, 1))
    assert Village.objects.get(pk=tree.v1.pk).valid_to == datetime.date(2025, 8, 1)
    assert AuditEvent.objects.filter(action="village.retire", target_id=str(tree.v1.pk)).count() == 1
    with pytest.raises(DomainError):
        services.village_retire(actor=users.commune_officer, village=tree.v1)
    with pytest.raises(DomainError):
        services.village_update(actor=users.commune_officer, village=tree.v1, name="Mới", kind="thon")


def test_a_retirement_in_the_future_is_refused(tree: Tree, users: Users) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DomainError):
        services.village_retire(actor=users.commune_officer, village=tree.v1, on=tomorrow)
    assert Village.objects.get(pk=tree.v1.pk).valid_to is None


def test_a_retirement_before_the_village_existed_is_refused(tree: Tree, users: Users) -> None:
    with pytest.raises(DomainError):
        services.village_retire(actor=users.commune_officer, village=tree.v1, on=datetime.date(2025, 1, 1))
    assert Village.objects.get(pk=tree.v1.pk).valid_to is None


@pytest.mark.parametrize(("name", "kind"), [("", "thon"), ("   ", "thon"), ("x" * 201, "thon"), ("Thôn Mới", "city")])
def test_it_refuses_an_empty_long_or_mistyped_village(tree: Tree, users: Users, name: str, kind: str) -> None:
    with pytest.raises(DomainError):
        services.village_create(actor=users.commune_officer, commune=tree.c1, name=name, kind=kind)
    assert not AuditEvent.objects.exists()


def test_it_refuses_a_commune_outside_the_actor_units(tree: Tree, users: Users) -> None:
    with pytest.raises(NotFound):
        services.village_create(actor=users.commune_officer, commune=tree.c2, name="Thôn Mới")
    with pytest.raises(NotFound):
        services.village_create(actor=users.province_officer, commune=tree.c3, name="Thôn Mới")


def test_it_refuses_a_team_role(tree: Tree, users: Users) -> None:
    with pytest.raises(Forbidden):
        services.village_create(actor=users.team_leader, commune=tree.c1, name="Thôn Mới")


def test_it_refuses_a_province_as_the_commune(tree: Tree, users: Users) -> None:
    with pytest.raises(DomainError):
        services.village_create(actor=users.province_officer, commune=tree.p1, name="Thôn Mới")


# -- pages ------------------------------------------------------------------------------------


def test_a_commune_officer_adds_a_village_from_the_commune_page(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("commune_officer")
    page = client.get(f"/don-vi/{tree.c1.pk}/")
    assert page.context["can_manage"] is True
    response = client.post(f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "Thôn Một", "kind": "thon"})
    assert response.status_code == 302
    assert Village.objects.filter(commune=tree.c1, name="Thôn Một").exists()


def test_the_page_shows_a_clear_message_for_a_duplicate_and_writes_nothing(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    services.village_create(actor=users.commune_officer, commune=tree.c1, name="Thôn Một")
    client = signed_in("commune_officer")
    before = (Village.objects.count(), AuditEvent.objects.count())
    response = client.post(f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "THON MOT", "kind": "thon"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [_(DUPLICATE) % {"name": "Thôn Một"}]
    assert (Village.objects.count(), AuditEvent.objects.count()) == before


def test_a_commune_officer_renames_and_retires_from_the_village_page(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    client = signed_in("commune_officer")
    assert client.get(f"/don-vi/thon/{tree.v1.pk}/").context["can_manage"] is True
    renamed = client.post(f"/don-vi/thon/{tree.v1.pk}/sua/", {"name": "Tổ dân phố Mới", "kind": "to_dan_pho"})
    assert renamed.status_code == 302
    retired = client.post(f"/don-vi/thon/{tree.v1.pk}/ngung/", {"on": "2025-09-02"})
    assert retired.status_code == 302
    village = Village.objects.get(pk=tree.v1.pk)
    assert (village.name, village.valid_to) == ("Tổ dân phố Mới", datetime.date(2025, 9, 2))
    assert client.get(f"/don-vi/thon/{tree.v1.pk}/").context["can_manage"] is False


def test_the_edit_page_refuses_a_neighbours_name(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("commune_officer").post(
        f"/don-vi/thon/{tree.v1.pk}/sua/", {"name": "TO DAN PHO SO 2", "kind": "to_dan_pho"}
    )
    assert response.status_code == 400
    assert Village.objects.get(pk=tree.v1.pk).name == "Tổ dân phố số 1"


def test_retiring_with_a_bad_date_changes_nothing(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("commune_officer").post(f"/don-vi/thon/{tree.v1.pk}/ngung/", {"on": "không phải ngày"})
    assert response.status_code == 302
    assert Village.objects.get(pk=tree.v1.pk).valid_to is None


def test_a_team_leader_cannot_manage_their_own_village(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("team_leader")
    assert client.get(f"/don-vi/thon/{tree.v1.pk}/").context["can_manage"] is False
    assert client.post(f"/don-vi/thon/{tree.v1.pk}/sua/", {"name": "X", "kind": "thon"}).status_code == 403


# -- API --------------------------------------------------------------------------------------


def test_the_api_creates_a_village(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = _post_json(
        signed_in("commune_officer"), "/api/v1/villages", {"commune_id": tree.c1.pk, "name": "Thôn Một"}
    )
    assert response.status_code == 201  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert (body["name"], body["commune_id"], body["kind"], body["valid_to"]) == ("Thôn Một", tree.c1.pk, "thon", None)
    assert AuditEvent.objects.filter(action="village.create", target_id=str(body["id"])).exists()


def test_the_api_refuses_a_duplicate_with_a_message(signed_in: Callable[..., Client], tree: Tree, users: Users) -> None:
    services.village_create(actor=users.commune_officer, commune=tree.c1, name="Thôn Một")
    count = Village.objects.count()
    response = _post_json(
        signed_in("commune_officer"), "/api/v1/villages", {"commune_id": tree.c1.pk, "name": "THÔN MỘT"}
    )
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json() == {"detail": _(DUPLICATE) % {"name": "Thôn Một"}, "field": "name"}  # type: ignore[attr-defined]
    assert Village.objects.count() == count


def test_the_api_refuses_a_commune_of_another_province(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = _post_json(
        signed_in("commune_officer"), "/api/v1/villages", {"commune_id": tree.c3.pk, "name": "Thôn Một"}
    )
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert not Village.objects.filter(name="Thôn Một").exists()


def test_the_api_reports_invalid_input_as_422(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = _post_json(signed_in("commune_officer"), "/api/v1/villages", {"name": "Thôn Một"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["errors"]  # type: ignore[attr-defined]


def test_the_api_shows_a_retired_village_with_its_date(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    services.village_retire(actor=users.commune_officer, village=tree.v2, on=datetime.date(2025, 8, 1))
    body = signed_in("commune_officer").get(f"/api/v1/villages/{tree.v2.pk}").json()
    assert body["valid_to"] == "2025-08-01"


def test_the_api_renames_a_village(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("commune_officer")
    url = f"/api/v1/villages/{tree.v1.pk}"
    response = client.patch(url, json.dumps({"name": "Tổ dân phố Liễu Giai"}), content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["kind"]) == ("Tổ dân phố Liễu Giai", "to_dan_pho")
    clash = client.patch(url, json.dumps({"name": "to dan pho so 2"}), content_type="application/json")
    assert clash.status_code == 400
    assert clash.json()["field"] == "name"
    assert Village.objects.get(pk=tree.v1.pk).name == "Tổ dân phố Liễu Giai"
    assert AuditEvent.objects.filter(action="village.update").count() == 1


def test_the_api_retires_a_village(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("commune_officer")
    response = _post_json(client, f"/api/v1/villages/{tree.v1.pk}/retire", {"on": "2025-08-01"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.json()["valid_to"] == "2025-08-01"  # type: ignore[attr-defined]
    again = _post_json(client, f"/api/v1/villages/{tree.v1.pk}/retire", {})
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="village.retire").count() == 1
