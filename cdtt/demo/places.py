"""The demo's slice of Hà Nội: villages in four real communes, and which officer records in each."""

from __future__ import annotations

from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, Village, VillageKind

PROVINCE = "01"  # Thành phố Hà Nội
OTHER_PROVINCE = "79"  # Thành phố Hồ Chí Minh
# Real communes of Hà Nội (codes from the official register); village names are demo data.
VILLAGES: dict[str, list[tuple[str, str]]] = {
    "00583": [  # Xã Bát Tràng
        ("Thôn Giang Cao", VillageKind.THON),
        ("Thôn Kim Lan", VillageKind.THON),
        ("Thôn Văn Đức", VillageKind.THON),
        ("Thôn Bát Tràng", VillageKind.THON),
    ],
    "00004": [  # Phường Ba Đình
        ("Tổ dân phố số 1", VillageKind.TO_DAN_PHO),
        ("Tổ dân phố số 2", VillageKind.TO_DAN_PHO),
        ("Tổ dân phố số 3", VillageKind.TO_DAN_PHO),
    ],
    "09700": [  # Xã Ba Vì
        ("Thôn Yên Sơn", VillageKind.THON),
        ("Thôn Hợp Nhất", VillageKind.THON),
        ("Bản Dao Ba Vì", VillageKind.BAN),
    ],
    "00376": [  # Xã Sóc Sơn
        ("Thôn Đông Hạ", VillageKind.THON),
        ("Thôn Xuân Dương", VillageKind.THON),
    ],
}
DEMO_COMMUNE = "00583"
DEMO_VILLAGE = "Thôn Giang Cao"
# The year's work in the four demo communes, so that the dashboards have targets, a trend and a ranking:
# (commune code, officer who records there, share of the monthly pace the commune keeps up).
YEAR_COMMUNES = [("00583", "xa", 1.0), ("00004", "badinh", 0.8), ("09700", "bavi", 0.55), ("00376", "socson", 0.35)]


def demo_communes() -> dict[str, AdminUnit]:
    """The current demo communes by code."""
    return {u.code: u for u in AdminUnit.objects.current().filter(code__in=VILLAGES)}


def villages_seed(*, root: AdminUnit, communes: dict[str, AdminUnit]) -> int:
    """The demo villages that are missing (valid since the tree's start); returns how many were made."""
    created_villages = 0
    for code, villages in VILLAGES.items():
        for name, kind in villages:
            _village, created = Village.objects.get_or_create(
                commune=communes[code],
                name_folded=fold(name),
                valid_to=None,
                defaults={"name": name, "kind": kind, "valid_from": root.valid_from},
            )
            created_villages += int(created)
    return created_villages
