"""Vietnamese text: NFC storage, diacritic-free folding, phone numbers."""

from __future__ import annotations

import unicodedata

import pytest
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError
from cdtt.core.text import fold, mask_phone, nfc, normalize_phone
from cdtt.geo.models import AdminUnit, UnitKind, Village
from conftest import Tree, make_user

HANOI = "Thành phố Hà Nội"


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


def test_nfc_composes_and_tidies_spaces() -> None:
    assert nfd(HANOI) != HANOI
    assert nfc("  " + nfd(HANOI) + "\t\n") == HANOI
    assert nfc("Phường   Ba\u00a0Đình") == "Phường Ba Đình"


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        (HANOI, "thanh pho ha noi"),
        (nfd(HANOI), "thanh pho ha noi"),
        ("HÀ NỘI", "ha noi"),
        ("Đặc khu Phú Quốc", "dac khu phu quoc"),
        ("đường ĐÊ", "duong de"),
        ("Thuỷ  Thủy", "thuy thuy"),
        ("Ngã Năm", "nga nam"),
        ("Ứng Hòa", "ung hoa"),
    ],
)
def test_fold_drops_diacritics_case_and_extra_spaces(value: str, folded: str) -> None:
    assert fold(value) == folded


@pytest.mark.parametrize("query", ["ha noi", "HA NOI", "hà nội", nfd("hà nội"), "Hà Nội"])
def test_every_spelling_folds_into_the_stored_name(query: str) -> None:
    assert fold(query) in fold(HANOI)


def test_a_unit_name_is_stored_in_nfc(tree: Tree) -> None:
    unit = AdminUnit(
        code="99999", name=nfd("Phường Hoàn Kiếm"), short_name=nfd("Hoàn Kiếm"), kind=UnitKind.WARD, parent=tree.p1
    )
    unit.save()
    stored = AdminUnit.objects.get(pk=unit.pk)
    assert stored.name == "Phường Hoàn Kiếm"
    assert unicodedata.is_normalized("NFC", stored.name)
    assert stored.short_name == "Hoàn Kiếm"
    assert stored.name_folded == "phuong hoan kiem"


def test_a_village_name_is_stored_in_nfc_and_found_by_either_form(tree: Tree) -> None:
    Village(commune=tree.c1, name=nfd("Thôn Hạ")).save()
    assert Village.objects.get(name="Thôn Hạ").name == "Thôn Hạ"
    assert Village.objects.filter(name=nfd("Thôn Hạ")).count() == 1


def test_a_user_full_name_is_stored_in_nfc_and_folded_for_search(db: None) -> None:
    user = make_user("nva", nfd("Nguyễn Văn A"))
    user.refresh_from_db()
    assert user.full_name == "Nguyễn Văn A"
    assert user.name_folded == "nva nguyen van a"


@pytest.mark.parametrize("raw", ["0912 345 678", "+84 912.345.678", "84912345678", "0912-345-678", "(091) 234-5678"])
def test_phone_numbers_are_written_one_way(raw: str) -> None:
    assert normalize_phone(raw) == "0912345678"


def test_landlines_keep_their_area_code() -> None:
    assert normalize_phone("+84 24 3825 1234") == "02438251234"


@pytest.mark.parametrize("raw", ["", "12345", "số điện thoại", "0912 345", "+1 202 555 0143", "0912345678901", "+84"])
def test_an_invalid_phone_number_is_refused_with_a_message(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        normalize_phone(raw)
    assert refused.value.message == _("The phone number “%(value)s” is not valid.") % {"value": nfc(raw)}


def test_a_phone_number_is_masked_for_display() -> None:
    assert mask_phone("0912345678") == "0912***678"
    assert mask_phone("123") == "***"
