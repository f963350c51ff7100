"""One demo account per role, sharing the documented demo password."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.core.audit import audit_record
from cdtt.core.text import fold
from cdtt.demo.places import DEMO_COMMUNE, DEMO_VILLAGE, OTHER_PROVINCE, PROVINCE
from cdtt.geo.models import AdminUnit, Village

# (username, full name, role, unit code or None for the national root, village or None)
ACCOUNTS: list[tuple[str, str, str, str | None, str | None]] = [
    ("admin", "Quản trị quốc gia", Role.NATIONAL_ADMIN, None, None),
    ("tinh", "Cán bộ Sở KH&CN Hà Nội", Role.PROVINCE_OFFICER, PROVINCE, None),
    ("xa", "Cán bộ UBND xã Bát Tràng", Role.COMMUNE_OFFICER, DEMO_COMMUNE, None),
    ("totruong", "Nguyễn Văn An", Role.TEAM_LEADER, DEMO_COMMUNE, DEMO_VILLAGE),
    ("tovien", "Trần Thị Bình", Role.TEAM_MEMBER, DEMO_COMMUNE, DEMO_VILLAGE),
    ("badinh", "Cán bộ UBND phường Ba Đình", Role.COMMUNE_OFFICER, "00004", None),
    ("bavi", "Cán bộ UBND xã Ba Vì", Role.COMMUNE_OFFICER, "09700", None),
    ("socson", "Cán bộ UBND xã Sóc Sơn", Role.COMMUNE_OFFICER, "00376", None),
    ("doanhnghiep", "VNPT Hà Nội", Role.ENTERPRISE_PARTNER, PROVINCE, None),
    ("lanhdao", "Lãnh đạo UBND thành phố", Role.LEADER, PROVINCE, None),
    # Another province's officer: finds Hà Nội's published practices across the network.
    ("tinhhcm", "Cán bộ Sở KH&CN TP. Hồ Chí Minh", Role.PROVINCE_OFFICER, OTHER_PROVINCE, None),
]
DEFAULT_PASSWORD = "CdttDemo@2026"  # noqa: S105 - the documented demo password, printed on purpose


def accounts_seed(*, root: AdminUnit, communes: dict[str, AdminUnit], password: str) -> None:
    """Every demo account active with ``password`` and its role (made when missing, reset when present)."""
    # One hash for the shared, published demo password: hashing it per account took most of a re-run.
    hashed = make_password(password)
    for username, full_name, role, unit_code, village_name in ACCOUNTS:
        unit = root if unit_code is None else communes.get(unit_code) or AdminUnit.objects.current().get(code=unit_code)
        village = Village.objects.get(commune=unit, name_folded=fold(village_name)) if village_name else None
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        user.password = hashed
        user.is_active = True
        user.save()
        RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit, village=village)
        if created:
            audit_record(actor=None, action="user.create", target=user, unit=unit, actor_name="load_demo")
