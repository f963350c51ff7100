"""Official figures beside reported ones, and the figures before 2025 under today's communes.

The small tree of ``conftest`` plus three real old communes of Huyện Gia Lâm (real codes, so the package's
parser in ``cdtt.geo.resolver`` finds them): Xã Bát Tràng, divided here between C2 (its main successor) and
C1; Xã Kim Đức, all of it into C2; Xã Đa Tốn, into C3 of the other province.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError
from cdtt.demo import official_figures as samples
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor
from cdtt.official import selectors, services
from cdtt.official.importers import apportion
from cdtt.official.models import ApportionRule, FigureKind, LegacyFigure, LegacyShare, OfficialFigure
from cdtt.official.selectors import period_of
from cdtt.transfers.models import ImportJob, ImportStatus
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
LEVEL2 = "Số người được kích hoạt định danh điện tử mức 2"


@dataclass
class Old:
    bat_trang: AdminUnit
    kim_duc: AdminUnit
    da_ton: AdminUnit


def _legacy(code: str, name: str, kind: str, parent: AdminUnit | None) -> AdminUnit:
    return AdminUnit.objects.create(
        code=code, name=name, short_name=name.split(" ", 1)[-1], kind=kind, parent=parent, valid_to=LEGACY_END
    )


@pytest.fixture
def old(tree: Tree) -> Old:
    catalog_load()
    hanoi = _legacy("01", "Thành phố Hà Nội", UnitKind.PROVINCE, tree.vn)
    gia_lam = _legacy("018", "Huyện Gia Lâm", UnitKind.DISTRICT, hanoi)
    bat_trang = _legacy("00583", "Xã Bát Tràng", UnitKind.COMMUNE, gia_lam)
    kim_duc = _legacy("00589", "Xã Kim Đức", UnitKind.COMMUNE, gia_lam)
    da_ton = _legacy("00577", "Xã Đa Tốn", UnitKind.COMMUNE, gia_lam)
    UnitSuccessor.objects.create(old=bat_trang, new=tree.c2, is_default=True)
    UnitSuccessor.objects.create(old=bat_trang, new=tree.c1, is_default=False)
    UnitSuccessor.objects.create(old=kim_duc, new=tree.c2, is_default=True)
    UnitSuccessor.objects.create(old=da_ton, new=tree.c3, is_default=True)
    return Old(bat_trang=bat_trang, kim_duc=kim_duc, da_ton=da_ton)


def _file(header: tuple[str, ...], rows: list[tuple[Any, ...]], name: str = "so-lieu.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.xlsx(header, rows))


def _official(rows: list[tuple[Any, ...]]) -> SimpleUploadedFile:
    return _file(samples.OFFICIAL_HEADER, rows)


def _history(rows: list[tuple[Any, ...]]) -> SimpleUploadedFile:
    return _file(samples.LEGACY_HEADER, rows)


def _gia_lam(commune: str, value: Any, period: Any = "2023", indicator: str = LEVEL2) -> tuple[Any, ...]:
    return ("Thành phố Hà Nội", "Huyện Gia Lâm", commune, indicator, period, value)


def _apply(actor: Any, job: ImportJob) -> ImportJob:
    assert job.status == ImportStatus.PREVIEW, [row["errors"] for row in job.rows if row["errors"]]
    return services.figure_import_apply(actor=actor, job=job)


def _populations(users: Users, tree: Tree, c1: int, c2: int) -> None:
    job = services.official_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=_official(
            [(tree.c1.code, "", "Dân số", str(THIS_YEAR), c1, ""), (tree.c2.code, "", "Dân số", str(THIS_YEAR), c2, "")]
        ),
    )
    _apply(users.province_officer, job)


# -- apportioning --------------------------------------------------------------------------------------


def test_apportion_keeps_the_total_and_gives_the_remainder_to_the_largest_fractions() -> None:
    assert apportion(1000, [3000, 1000]) == [750, 250]
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]  # a tie goes to the earlier part
    assert apportion(7, [2, 5]) == [2, 5]
    assert apportion(100, [1, 2]) == [33, 67]  # 33.3 and 66.7: the larger fraction takes the unit left
    for value in (0, 1, 999, 123457):
        assert sum(apportion(value, [5, 7, 11])) == value


def test_a_divided_commune_goes_to_its_main_successor_by_the_default_rule(users: Users, tree: Tree, old: Old) -> None:
    job = services.legacy_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=_history([_gia_lam("Xã Bát Tràng", 1000), _gia_lam("Xã Kim Đức", 40)]),
        rule=ApportionRule.DEFAULT,
    )
    _apply(users.province_officer, job)
    shares = {
        (s.figure.old_unit_id, s.commune_id): (s.value, s.split) for s in LegacyShare.objects.select_related("figure")
    }
    assert shares == {(old.bat_trang.pk, tree.c2.pk): (1000, True), (old.kim_duc.pk, tree.c2.pk): (40, False)}


def test_a_divided_commune_is_shared_by_the_successors_official_population(users: Users, tree: Tree, old: Old) -> None:
    _populations(users, tree, c1=3000, c2=1000)
    job = services.legacy_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=_history([_gia_lam("Xã Bát Tràng", 1001)]),
        rule=ApportionRule.POPULATION,
    )
    assert "Xã Sóc Sơn: 250; Phường Ba Đình: 751" in job.rows[0]["shares_label"]
    _apply(users.province_officer, job)
    figure = LegacyFigure.objects.get(old_unit=old.bat_trang)
    assert (figure.value, figure.rule) == (1001, ApportionRule.POPULATION)
    shares = {s.commune_id: (s.value, str(s.share), s.split) for s in figure.shares.all()}
    assert shares == {tree.c1.pk: (751, "0.750250", True), tree.c2.pk: (250, "0.249750", True)}
    assert sum(value for value, _share, _split in shares.values()) == figure.value


def test_sharing_by_population_without_the_population_is_refused_and_changes_nothing(
    users: Users, tree: Tree, old: Old
) -> None:
    job = services.legacy_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=_history([_gia_lam("Xã Bát Tràng", 1000), _gia_lam("Xã Kim Đức", 40)]),
        rule=ApportionRule.POPULATION,
    )
    assert job.status == ImportStatus.INVALID and job.error_count == 1
    assert "dân số chính thức" in job.rows[0]["errors"][0]
    with pytest.raises(DomainError):
        services.figure_import_apply(actor=users.province_officer, job=job)
    assert not LegacyFigure.objects.exists()


def test_the_page_of_a_successor_shows_the_share_and_its_rule(
    users: Users, tree: Tree, old: Old, signed_in: Callable[..., Client]
) -> None:
    _populations(users, tree, c1=3000, c2=1000)
    job = services.legacy_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=_history([_gia_lam("Xã Bát Tràng", 1000), _gia_lam("Xã Bát Tràng", 200, "2024")]),
        rule=ApportionRule.POPULATION,
    )
    _apply(users.province_officer, job)
    page = signed_in("commune_officer").get(f"/so-lieu-chinh-thuc/{tree.c1.pk}/").content.decode()
    assert "Xã Bát Tràng" in page and "75,0% số liệu của xã, chia theo dân số chính thức của các xã kế thừa" in page
    assert "đã chia" in page  # the years with a share are marked
    history = selectors.history(
        user=users.commune_officer,
        unit=tree.c1,
        indicator=Indicator.objects.get(code="vneid_level2"),
        today=timezone.localdate(),
    )
    by_year = {y.year: (y.before, y.apportioned) for y in history.years}
    assert by_year[2023] == (750, True) and by_year[2024] == (150, True) and by_year[2022] == (None, False)
    province = selectors.history(
        user=users.province_officer,
        unit=tree.p1,
        indicator=Indicator.objects.get(code="vneid_level2"),
        today=timezone.localdate(),
    )
    assert {y.year: y.before for y in province.years}[2023] == 1000  # the shares add up again in the province
    legacy_page = signed_in("commune_officer").get(f"/so-lieu-chinh-thuc/{old.bat_trang.pk}/").content.decode()
    assert "Xã Sóc Sơn" in legacy_page and "Phường Ba Đình" in legacy_page and "Quy tắc" in legacy_page


# -- the history import ------------------------------------------------------------------------------


def test_old_names_resolve_through_the_one_resolver_and_reimporting_never_duplicates(
    users: Users, tree: Tree, old: Old
) -> None:
    rows = [
        ("Hà Nội", "Gia Lâm", "xa Kim Duc", LEVEL2, "2023", "1.234"),  # no accents, no type words
        ("TP Hà Nội", "H. Gia Lâm", "Xã Kim Đức", "vneid_level2", "06/2024", 5),
    ]
    job = _apply(
        users.province_officer,
        services.legacy_import_start(
            actor=users.province_officer, unit=tree.p1, upload=_history(rows), rule=ApportionRule.DEFAULT
        ),
    )
    assert job.summary["created"] == 2
    again = _apply(
        users.province_officer,
        services.legacy_import_start(
            actor=users.province_officer, unit=tree.p1, upload=_history(rows), rule=ApportionRule.DEFAULT
        ),
    )
    assert (again.summary["created"], again.summary["updated"]) == (0, 0)
    assert LegacyFigure.objects.count() == 2 and LegacyShare.objects.count() == 2
    assert sorted(LegacyFigure.objects.values_list("bucket", "value")) == [(2023, 1234), (202406, 5)]


def test_bad_history_rows_get_vietnamese_messages_and_change_nothing(users: Users, tree: Tree, old: Old) -> None:
    rows = [
        _gia_lam("Xã Kim Đức", 10, "07/2025"),  # after the old communes ended
        _gia_lam("Xã Kim Đức", 10, "31/02/2023"),  # not a real date
        _gia_lam("Xã Không Có", 10),  # no such commune
        _gia_lam("Xã Kim Đức", "-5", "2022"),
        _gia_lam("Xã Kim Đức", 10, "2023", "Chỉ tiêu lạ"),
        _gia_lam("Xã Đa Tốn", 10),  # now in the other province
        _gia_lam("Xã Kim Đức", 10, "2021"),
        _gia_lam("Xã Kim Đức", 10, "2021"),  # the same again
        _gia_lam("Xã Kim Đức", 3, "03/2022"),  # beside a whole year of 2022 (row 4, itself refused)
        _gia_lam('=HYPERLINK("http://x")', 10),
    ]
    job = services.legacy_import_start(
        actor=users.province_officer, unit=tree.p1, upload=_history(rows), rule=ApportionRule.DEFAULT
    )
    errors = {row["line"]: " ".join(row["errors"]) for row in job.rows}
    assert job.status == ImportStatus.INVALID
    assert "01/07/2025" in errors[2]
    assert "không phải là một ngày có thật" in errors[3] or "không có" in errors[3]
    assert "Xã Không Có" in errors[4]
    assert "không phải là số nguyên" in errors[5]
    assert "Chỉ tiêu lạ" in errors[6]
    assert "Xã Sài Gòn" not in errors[7] and "ngoài" in errors[7]
    assert "dòng 8" in errors[9]
    assert "HYPERLINK" in errors[11]
    assert not LegacyFigure.objects.exists()


def test_a_whole_year_beside_months_of_it_is_refused(users: Users, tree: Tree, old: Old) -> None:
    _apply(
        users.province_officer,
        services.legacy_import_start(
            actor=users.province_officer,
            unit=tree.p1,
            upload=_history([_gia_lam("Xã Kim Đức", 10, "2023")]),
            rule="default",
        ),
    )
    job = services.legacy_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=_history([_gia_lam("Xã Kim Đức", 3, "05/2023")]),
        rule="default",
    )
    assert job.status == ImportStatus.INVALID and "tính hai lần" in job.rows[0]["errors"][0]


def test_a_commune_officer_imports_only_what_goes_to_the_own_commune(users: Users, tree: Tree, old: Old) -> None:
    job = services.legacy_import_start(
        actor=users.commune_officer,
        unit=tree.c1,
        upload=_history([_gia_lam("Xã Kim Đức", 10), _gia_lam("Xã Bát Tràng", 10)]),
        rule=ApportionRule.DEFAULT,
    )
    assert job.status == ImportStatus.INVALID
    assert all("ngoài" in row["errors"][0] for row in job.rows)  # both go to C2 (the main successor)


# -- official figures ------------------------------------------------------------------------------------


def test_official_figures_import_with_preview_and_reimporting_replaces(
    users: Users, tree: Tree, old: Old, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    rows = [
        (tree.c1.code, "", "Định danh điện tử mức 2", str(THIS_YEAR), "1.500", "Công an"),
        ("", "Xã Sóc Sơn", "vneid_level2", str(THIS_YEAR), 200, ""),
        (tree.c1.code, "", "Dân số", str(THIS_YEAR), 5000, ""),
    ]
    answer = officer.post(f"/so-lieu-chinh-thuc/nhap/{tree.p1.pk}/", {"file": _official(rows)})
    assert answer.status_code == 302
    job = ImportJob.objects.get()
    preview = officer.get(answer["Location"]).content.decode()
    assert "Xác nhận và lưu số liệu" in preview and not OfficialFigure.objects.exists()
    confirmed = officer.post(f"/so-lieu-chinh-thuc/lan-nhap/{job.pk}/xac-nhan/")
    assert confirmed.status_code == 302 and OfficialFigure.objects.count() == 3
    rows[1] = ("", "Xã Sóc Sơn", "vneid_level2", str(THIS_YEAR), 250, "")
    job = _apply(
        users.province_officer,
        services.official_import_start(actor=users.province_officer, unit=tree.p1, upload=_official(rows)),
    )
    assert (job.summary["created"], job.summary["updated"]) == (0, 1)
    assert OfficialFigure.objects.count() == 3
    assert OfficialFigure.objects.get(commune=tree.c2).value == 250
    assert selectors.official_population(tree.c1, period_of(THIS_YEAR)) == 5000
    assert selectors.official_population(tree.p1, period_of(THIS_YEAR)) is None  # C2 has none yet
    assert selectors.official_population(tree.c2, period_of(THIS_YEAR)) is None


def test_official_population_of_a_province_needs_every_commune_and_takes_the_latest(
    users: Users, tree: Tree, old: Old
) -> None:
    _populations(users, tree, c1=3000, c2=1000)
    assert selectors.official_population(tree.p1, period_of(THIS_YEAR)) == 4000
    month = THIS_YEAR * 100 + 1
    _apply(
        users.province_officer,
        services.official_import_start(
            actor=users.province_officer,
            unit=tree.p1,
            upload=_official([(tree.c1.code, "", "Dân số", f"01/{THIS_YEAR}", 3100, "")]),
        ),
    )
    assert selectors.official_population(tree.c1, period_of(month)) == 3100
    assert selectors.official_population(tree.c1, period_of(THIS_YEAR - 1)) is None  # nothing published by then
    assert selectors.official_population(tree.c1, period_of(THIS_YEAR), kind=FigureKind.HOUSEHOLDS) is None


def test_bad_official_rows_get_vietnamese_messages_and_change_nothing(users: Users, tree: Tree, old: Old) -> None:
    rows = [
        (tree.c3.code, "", "Dân số", str(THIS_YEAR), 10, ""),  # the other province
        (tree.c1.code, "", "Số cây xanh", str(THIS_YEAR), 10, ""),
        (tree.c1.code, "", "Dân số", "2024", 10, ""),  # before today's communes
        (tree.c1.code, "", "Dân số", str(THIS_YEAR + 1), 10, ""),  # not begun
        (tree.c1.code, "", "Dân số", str(THIS_YEAR), "=1+1", ""),
        (tree.c1.code, "", "Dân số", str(THIS_YEAR), "12,5", ""),
        ("", "=cmd|' /C calc'!A0", "Dân số", str(THIS_YEAR), 10, ""),
    ]
    job = services.official_import_start(actor=users.province_officer, unit=tree.p1, upload=_official(rows))
    errors = {row["line"]: " ".join(row["errors"]) for row in job.rows}
    assert job.status == ImportStatus.INVALID and job.error_count == 7
    assert "26740" in errors[2]
    assert "Số cây xanh" in errors[3]
    assert "01/07/2025" in errors[4]
    assert "chưa bắt đầu" in errors[5]
    assert "=1+1" in errors[6] and "12,5" in errors[7]
    assert "calc" in errors[8]
    assert not OfficialFigure.objects.exists()


def test_reported_beside_official_ranks_the_widest_gap_first(users: Users, tree: Tree, old: Old) -> None:
    rows = [
        (tree.c1.code, "", "Định danh điện tử mức 2", str(THIS_YEAR), 100, ""),
        (tree.c2.code, "", "Định danh điện tử mức 2", str(THIS_YEAR), 10, ""),
    ]
    _apply(
        users.province_officer,
        services.official_import_start(actor=users.province_officer, unit=tree.p1, upload=_official(rows)),
    )
    comparison = selectors.official_comparison(user=users.province_officer, unit=tree.p1, bucket=THIS_YEAR)
    # Nothing reported yet: both are 100% below the official figure; ties by name.
    assert [(g.unit, g.official, g.gap, g.gap_percent) for g in comparison.ranked] == [
        (tree.c1, 100, -100, -100.0),
        (tree.c2, 10, -10, -100.0),
    ]
    own = {g.kind: g for g in comparison.own}
    assert (own["vneid_level2"].official, own["vneid_level2"].communes_with_figure, own["vneid_level2"].communes) == (
        110,
        2,
        2,
    )
    assert own["population"].official is None


# -- the demo's files --------------------------------------------------------------------------------------


def test_the_demo_files_are_read_without_a_file_problem(users: Users, tree: Tree, old: Old) -> None:
    """The sample files' headers and values read (their communes are the real tree's, not this small one)."""
    job = services.official_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=SimpleUploadedFile(samples.OFFICIAL_FILE.name, samples.OFFICIAL_FILE.read_bytes()),
    )
    assert job.row_count == len(samples.official_rows())
    assert all(row["kind"] and row["bucket"] == 2026 and row["amount"] for row in job.rows)
    history = services.legacy_import_start(
        actor=users.province_officer,
        unit=tree.p1,
        upload=SimpleUploadedFile(samples.LEGACY_FILE.name, samples.LEGACY_FILE.read_bytes()),
        rule=ApportionRule.POPULATION,
    )
    assert history.row_count == len(samples.legacy_rows())
    assert all(row["indicator_id"] and row["bucket"] == 2023 for row in history.rows)
    kim_duc = [row for row in history.rows if row["old_commune"] == "Xã Kim Đức"]
    assert kim_duc and all(row["old_unit_id"] == old.kim_duc.pk for row in kim_duc)


# -- scope ----------------------------------------------------------------------------------------------


READ_URLS = (
    lambda t, o: f"/so-lieu-chinh-thuc/{t.c1.pk}/",
    lambda t, o: f"/api/v1/official/units/{t.c1.pk}",
    lambda t, o: f"/api/v1/official/units/{t.c1.pk}/history",
    lambda t, o: f"/api/v1/official/legacy-units/{o.bat_trang.pk}",
    lambda t, o: f"/so-lieu-chinh-thuc/{o.bat_trang.pk}/",
)
IMPORT_URLS = (
    lambda t, o: f"/so-lieu-chinh-thuc/nhap/{t.c1.pk}/",
    lambda t, o: f"/so-lieu-chinh-thuc/nhap/{t.c1.pk}/mau.xlsx",
    lambda t, o: f"/so-lieu-chinh-thuc/truoc-2025/nhap/{t.c1.pk}/",
    lambda t, o: f"/so-lieu-chinh-thuc/truoc-2025/nhap/{t.c1.pk}/mau.xlsx",
)


@pytest.mark.parametrize("url", READ_URLS)
def test_reading_figures_is_scoped(
    url: Callable[[Tree, Old], str], tree: Tree, old: Old, users: Users, signed_in: Callable[..., Client]
) -> None:
    path = url(tree, old)
    anonymous = Client().get(path)
    if path.startswith("/api/"):
        assert anonymous.status_code == 401
    else:
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dang-nhap/")
    assert signed_in("nobody").get(path).status_code == 403
    assert signed_in("outsider").get(path).status_code == 404  # a commune officer of the other province
    assert signed_in("commune_officer").get(path).status_code == 200
    assert signed_in("team_member").get(path).status_code == 200  # aggregates of the member's own commune


@pytest.mark.parametrize("url", IMPORT_URLS)
def test_importing_figures_is_scoped(
    url: Callable[[Tree, Old], str], tree: Tree, old: Old, users: Users, signed_in: Callable[..., Client]
) -> None:
    path = url(tree, old)
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dang-nhap/")
    assert signed_in("team_member").get(path).status_code == 403
    assert signed_in("leader").get(path).status_code == 403
    assert signed_in("outsider").get(path).status_code == 404
    assert signed_in("commune_officer").get(path).status_code == 200
    assert signed_in("province_officer").get(path).status_code == 200


def test_an_import_job_is_scoped(tree: Tree, old: Old, users: Users, signed_in: Callable[..., Client]) -> None:
    job = services.official_import_start(
        actor=users.commune_officer,
        unit=tree.c1,
        upload=_official([("", "", "Dân số", str(THIS_YEAR), 10, "")]),
    )
    assert job.status == ImportStatus.PREVIEW
    for suffix in ("", "xac-nhan/", "huy/"):
        path = f"/so-lieu-chinh-thuc/lan-nhap/{job.pk}/{suffix}"
        anonymous = Client().post(path)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dang-nhap/")
        assert signed_in("team_member").post(path).status_code == 403
        assert signed_in("outsider").post(path).status_code == 404
    assert signed_in("commune_officer").get(f"/so-lieu-chinh-thuc/lan-nhap/{job.pk}/").status_code == 200
    assert not OfficialFigure.objects.exists()
    answer = signed_in("province_officer").post(f"/so-lieu-chinh-thuc/lan-nhap/{job.pk}/xac-nhan/")
    assert answer.status_code == 302 and OfficialFigure.objects.get().commune == tree.c1


def test_the_api_gives_the_gaps_and_the_history(
    users: Users, tree: Tree, old: Old, signed_in: Callable[..., Client]
) -> None:
    _apply(
        users.province_officer,
        services.official_import_start(
            actor=users.province_officer,
            unit=tree.p1,
            upload=_official([(tree.c1.code, "", "vneid_level2", str(THIS_YEAR), 40, "")]),
        ),
    )
    _apply(
        users.province_officer,
        services.legacy_import_start(
            actor=users.province_officer, unit=tree.p1, upload=_history([_gia_lam("Xã Bát Tràng", 90)]), rule="default"
        ),
    )
    officer = signed_in("province_officer")
    body = officer.get(f"/api/v1/official/units/{tree.p1.pk}?figure=vneid_level2").json()
    assert body["ranked"][0]["name"] == tree.c1.name and body["ranked"][0]["gap"] == "-40"
    for bad in ("13/2026", "12/9999", "9999", "31/02/2026", "x"):
        assert officer.get(f"/api/v1/official/units/{tree.p1.pk}?period={bad}").status_code == 400
    assert officer.get(f"/so-lieu-chinh-thuc/{tree.p1.pk}/?ky=12/9999").status_code == 200  # the page falls back
    history = officer.get(f"/api/v1/official/units/{tree.c2.pk}/history?indicator=vneid_level2").json()
    assert {y["year"]: y["before"] for y in history["years"]}[2023] == 90
    assert history["sources"][0]["rule"] == "default" and history["sources"][0]["split"] is True
    legacy = officer.get(f"/api/v1/official/legacy-units/{old.bat_trang.pk}").json()
    assert [s["is_default"] for s in legacy["successors"]] == [True, False]
    assert legacy["figures"][0]["shares"] == [
        {"unit_id": tree.c2.pk, "name": tree.c2.name, "value": 90, "share": "1.000000"}
    ]
    assert officer.get(f"/api/v1/official/legacy-units/{tree.c1.pk}").status_code == 404


def test_the_dashboard_of_todays_commune_shows_the_official_figures_and_the_years_before(
    users: Users, tree: Tree, old: Old, signed_in: Callable[..., Client]
) -> None:
    officer = users.province_officer
    rows = [(tree.c2.code, "", "vneid_level2", str(THIS_YEAR), 321, "")]
    _apply(officer, services.official_import_start(actor=officer, unit=tree.p1, upload=_official(rows)))
    history = [_gia_lam("Xã Kim Đức", 4321), _gia_lam("Xã Bát Tràng", 1000)]
    _apply(officer, services.legacy_import_start(actor=officer, unit=tree.p1, upload=_history(history), rule="default"))
    page = signed_in("province_officer").get(f"/bang-dieu-khien/don-vi/{tree.c2.pk}/").content.decode()
    assert "Số liệu chính thức và các năm trước sắp xếp" in page
    assert "321" in page and "5.321" in page  # the official figure, and 2023 under the old communes
    assert "đã chia" in page and "tính hết cho xã kế thừa chính" in page  # the divided Bát Tràng and its rule


def test_a_file_that_cannot_be_read_is_refused_with_a_message_and_no_job(
    tree: Tree, old: Old, users: Users, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    for url, data in (
        (f"/so-lieu-chinh-thuc/nhap/{tree.p1.pk}/", {}),
        (f"/so-lieu-chinh-thuc/truoc-2025/nhap/{tree.p1.pk}/", {"rule": "default"}),
    ):
        answer = officer.post(url, {"file": SimpleUploadedFile("so-lieu.xls", b"\xd0\xcf\x11\xe0old"), **data})
        assert answer.status_code == 400 and ".xls" in answer.content.decode()
        headerless = _file(("Cột A", "Cột B"), [("1", "2")])
        answer = officer.post(url, {"file": headerless, **data})
        assert answer.status_code == 400 and "thiếu các cột" in answer.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_is_cancelled_by_its_officer_and_then_cannot_be_applied(
    tree: Tree, old: Old, users: Users, signed_in: Callable[..., Client]
) -> None:
    job = services.legacy_import_start(
        actor=users.commune_officer, unit=tree.c1, upload=_history([_gia_lam("Xã Kim Đức", 1)]), rule="default"
    )
    answer = signed_in("commune_officer").post(f"/so-lieu-chinh-thuc/lan-nhap/{job.pk}/huy/")
    assert answer.status_code == 302 and answer["Location"] == f"/so-lieu-chinh-thuc/truoc-2025/nhap/{tree.c1.pk}/"
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    with pytest.raises(DomainError):
        services.figure_import_apply(actor=users.commune_officer, job=job)
    assert not LegacyFigure.objects.exists()
