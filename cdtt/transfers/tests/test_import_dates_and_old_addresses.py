"""Issue 15.3 and 15.4: old addresses the conversion data knows are accepted; every date in an import is checked."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor
from cdtt.households.models import Household
from cdtt.teams.models import Team
from cdtt.transfers.importers import dates
from cdtt.transfers.models import ImportStatus, RowOutcome
from cdtt.transfers.tests import test_household_import as households
from cdtt.transfers.tests import test_team_import as teams
from conftest import Tree

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def phu_dong(tree: Tree) -> AdminUnit:
    """The old Xã Phù Đổng (Gia Lâm, Hà Nội), code 00544 as in the package, now part of the test tree's C1."""

    def unit(code: str, name: str, short: str, kind: str, parent: AdminUnit) -> AdminUnit:
        return AdminUnit.objects.create(
            code=code, name=name, short_name=short, kind=kind, parent=parent, valid_from=None, valid_to=LEGACY_END
        )

    hanoi = unit("01", "Thành phố Hà Nội", "Hà Nội", UnitKind.PROVINCE, tree.vn)
    gia_lam = unit("018", "Huyện Gia Lâm", "Gia Lâm", UnitKind.DISTRICT, hanoi)
    old = unit("00544", "Xã Phù Đổng", "Phù Đổng", UnitKind.COMMUNE, gia_lam)
    UnitSuccessor.objects.create(old=old, new=tree.c1, is_default=True)
    return old


HEADER = ["STT", "Thôn/Tổ dân phố", "Họ và tên chủ hộ", "Địa chỉ", "SĐT", "Ngày cập nhật"]


def test_an_alias_of_an_old_commune_no_longer_blocks_a_household_file(
    tree: Tree, phu_dong: AdminUnit, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("commune_officer")
    rows = [
        [1, "Tổ dân phố số 1", "Nguyễn Văn Mầu", "Thôn Trung Mầu, Xã Trung Mầu, Huyện Gia Lâm, Hà Nội", "", ""],
        [2, "Tổ dân phố số 2", "Lê Thị Đổng", "xã phù đổng, h. gia lâm, hà nội", "", "05/03/2025"],
    ]
    households.upload(officer, tree.c1, households.xlsx(rows, HEADER))

    job = households.last_job()
    assert [row.errors for row in households.rows_of(job)] == [[], []]
    assert job.status == ImportStatus.PREVIEW
    households.confirm(officer, job)
    assert Household.objects.filter(commune=tree.c1).count() == 2


def test_a_messy_file_with_one_impossible_date_is_refused_whole_with_the_row_named(
    tree: Tree, phu_dong: AdminUnit, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("commune_officer")
    rows = [
        [1, "tổ dân phố số 1", "  Nguyễn  Văn Mầu ", "Xã Trung Mầu, Huyện Gia Lâm, Hà Nội", "0912 345 678", "1/3/2025"],
        [2, "TDP 2", "Lê Thị Đổng", "Số 5, Phường Ba Đình, Hà Nội", "", D(2025, 3, 5)],  # an Excel date cell
        [3, "Tổ dân phố số 2", "Trần Văn Sai", "", "", "31/02/2025"],
        [4, "Tổ dân phố số 2", "Phạm Thị Năm", "", "", "05/03/20255"],
    ]
    households.upload(officer, tree.c1, households.xlsx(rows, HEADER))

    job = households.last_job()
    stored = households.rows_of(job)
    assert job.status == ImportStatus.INVALID
    assert [row.outcome == RowOutcome.ERROR for row in stored] == [False, False, True, True]
    assert stored[2].errors == [
        "“31/02/2025” ở cột “Ngày cập nhật” không phải là ngày có thật: tháng 2 năm 2025 không có ngày 31."
    ]
    assert "20255" in stored[3].errors[0]
    # The report lists the rows with errors, each with its line and its message, in Vietnamese.
    report = officer.get(reverse("transfers:household_job", args=[job.pk]), {"show": "errors"}).content.decode()
    assert "không phải là ngày có thật" in report and "Trần Văn Sai" in report and "Phạm Thị Năm" in report
    assert "Nguyễn Văn Mầu" not in report  # the good rows are not in the list of errors
    households.confirm(officer, job)  # refused: nothing is written while a row is wrong
    assert not Household.objects.exists()


# -- one date reader: good and bad dates, in every importer ------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("05/03/2025", D(2025, 3, 5)),
        ("5/3/2025", D(2025, 3, 5)),
        (" 05.03.2025 ", D(2025, 3, 5)),
        ("05-03-2025", D(2025, 3, 5)),
        ("2025-03-05", D(2025, 3, 5)),
        ("2025-03-05T00:00:00", D(2025, 3, 5)),  # an Excel date cell as the reader gives it
        ("45721", D(2025, 3, 5)),  # an Excel serial saved into a CSV
        ("29/02/2024", D(2024, 2, 29)),
    ],
)
def test_the_usual_vietnamese_date_forms_are_read(written: str, expected: D) -> None:
    assert dates.parse_date(written, column="Ngày") == expected


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("31/02/2025", "không có ngày 31"),
        ("29/02/2025", "không có ngày 29"),
        ("12/31/2025", "không có ngày 12"),  # month first (American) is not a Vietnamese date
        ("00/01/2025", "không có ngày 0"),
        ("2025-13-01", "không có ngày 1"),
        ("05/03/25", "bốn chữ số"),
        ("05/03/1800", "1800"),
        ("05/03/2999", "2999"),
        ("0001-01-01", "1"),
        ("ngày mai", "không phải là ngày"),
        ("5 tháng 3", "không phải là ngày"),
        ("2025", "không phải là ngày"),
    ],
)
def test_an_impossible_or_absurd_date_is_refused_with_a_vietnamese_message(written: str, fragment: str) -> None:
    with pytest.raises(dates.DateProblem) as problem:
        dates.parse_date(written, column="Ngày cập nhật")
    assert fragment in problem.value.message
    assert "Ngày cập nhật" in problem.value.message


BAD_DATES = ["31/02/2025", "05/03/25", "05/03/2999", "hôm qua"]


@pytest.mark.parametrize("bad", BAD_DATES)
def test_the_team_import_refuses_a_bad_joining_date_or_date_of_birth(
    tree: Tree, signed_in: Callable[..., Client], bad: str
) -> None:
    officer = signed_in("commune_officer")
    teams.upload(officer, tree.c1, teams.xlsx([teams.member_row(joined=bad)]))
    assert any(bad in error for error in teams.errors_of(teams.last_job())[0])
    teams.upload(officer, tree.c1, teams.xlsx([teams.member_row(birth_year=bad.replace("2025", "1990"))]))
    assert teams.errors_of(teams.last_job())[0]
    assert not Team.objects.exists()


@pytest.mark.parametrize("bad", BAD_DATES)
def test_the_household_import_refuses_a_bad_date_of_birth_or_a_bad_date_in_any_date_column(
    tree: Tree, signed_in: Callable[..., Client], bad: str
) -> None:
    officer = signed_in("commune_officer")
    header = ["Thôn", "Chủ hộ", "Họ và tên", "Ngày sinh", "Ngày khảo sát"]
    birth = bad.replace("2025", "1990")
    households.upload(officer, tree.c1, households.xlsx([["Tổ dân phố số 1", "An", "An", birth, ""]], header))
    assert households.rows_of(households.last_job())[0].errors
    households.upload(officer, tree.c1, households.xlsx([["Tổ dân phố số 1", "An", "An", "1990", bad]], header))
    errors = households.rows_of(households.last_job())[0].errors
    assert len(errors) == 1 and bad in errors[0] and "Ngày khảo sát" in errors[0]
    assert not Household.objects.exists()


def test_good_dates_in_every_form_pass_every_importer(tree: Tree, signed_in: Callable[..., Client]) -> None:
    officer = signed_in("commune_officer")
    joined = [teams.member_row(name=f"Người {i}", joined=day) for i, day in enumerate(["1/3/2025", "2025-03-02"])]
    teams.upload(officer, tree.c1, teams.xlsx(joined))
    assert teams.errors_of(teams.last_job()) == [[], []]
    header = ["Thôn", "Chủ hộ", "Ngày cập nhật"]
    today = timezone.localdate()
    households.upload(
        officer,
        tree.c1,
        households.xlsx([["Tổ dân phố số 1", "An", today], ["Tổ dân phố số 1", "Bình", "05/03/2025"]], header),
    )
    assert [row.errors for row in households.rows_of(households.last_job())] == [[], []]


# -- commune names in village and team files go through the same resolver ---------------------------------


def test_a_village_file_naming_an_old_commune_or_its_alias_goes_to_todays_commune(
    tree: Tree, phu_dong: AdminUnit, signed_in: Callable[..., Client]
) -> None:
    from cdtt.geo.models import Village
    from cdtt.transfers.tests import test_village_import as villages

    header = ["Mã xã", "Tên xã", "Tên thôn", "Loại"]
    rows = [["", "Xã Trung Mầu", "Thôn Trung Mầu", "Thôn"], ["00544", "", "Thôn Phù Đổng", "Thôn"]]
    officer = signed_in("province_officer")
    villages.upload(officer, tree.p1, villages.xlsx(rows, header))

    job = villages.last_job()
    assert [row["errors"] for row in job.rows] == [[], []]
    assert [row["commune_id"] for row in job.rows] == [tree.c1.pk, tree.c1.pk]
    officer.post(reverse("transfers:job_confirm", args=[job.pk]))
    assert set(Village.objects.filter(commune=tree.c1).values_list("name", flat=True)) >= {
        "Thôn Trung Mầu",
        "Thôn Phù Đổng",
    }


def test_a_split_old_commune_in_a_village_file_names_the_communes_it_became(
    tree: Tree, phu_dong: AdminUnit, signed_in: Callable[..., Client]
) -> None:
    from cdtt.transfers.tests import test_village_import as villages

    UnitSuccessor.objects.create(old=phu_dong, new=tree.c2, is_default=False)
    officer = signed_in("province_officer")
    villages.upload(
        officer,
        tree.p1,
        villages.xlsx([["", "Trung Mầu", "Thôn Một", "Thôn"]], ["Mã xã", "Tên xã", "Tên thôn", "Loại"]),
    )

    errors = villages.last_job().rows[0]["errors"]
    assert len(errors) == 1
    assert tree.c1.name in errors[0] and tree.c2.name in errors[0] and "01/07/2025" in errors[0]


@pytest.mark.parametrize("bad", BAD_DATES)
def test_the_team_and_village_imports_check_a_date_column_they_do_not_read(
    tree: Tree, signed_in: Callable[..., Client], bad: str
) -> None:
    from cdtt.transfers.tests import test_village_import as villages

    officer = signed_in("commune_officer")
    teams.upload(officer, tree.c1, teams.xlsx([[*teams.member_row(), bad]], [*teams.HEADER, "Ngày cập nhật"]))
    errors = teams.errors_of(teams.last_job())[0]
    assert len(errors) == 1 and bad in errors[0] and "Ngày cập nhật" in errors[0]

    header = ["Tên thôn", "Loại", "Ngày lập"]
    villages.upload(
        officer, tree.c1, villages.xlsx([["Thôn Mới", "Thôn", bad], ["Thôn Hai", "Thôn", "1/7/2025"]], header)
    )
    job = villages.last_job()
    assert [len(row["errors"]) for row in job.rows] == [1, 0]
    assert bad in job.rows[0]["errors"][0] and "Ngày lập" in job.rows[0]["errors"][0]
    assert job.status == ImportStatus.INVALID
