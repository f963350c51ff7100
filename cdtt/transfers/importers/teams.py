"""Team and member import: one row per member; rows naming the same village make one team.

``parse`` maps the header row and returns the raw cells; ``validate`` resolves each row's commune,
village, role and personal details, finds the village's open team (the row then joins it) and
attaches errors. ``validate`` runs at upload and again when the officer confirms, on the stored cells.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.core.errors import DomainError
from cdtt.core.tabular import (
    Column,
    FileProblem,
    TooManyRows,
    find_header,
    label_key,
    missing_columns_message,
    read_rows,
    too_many_rows,
)
from cdtt.core.text import fold, nfc, normalize_phone
from cdtt.geo.models import AdminUnit, Village
from cdtt.teams.models import Gender, MemberRole, Membership, Organisation, Team
from cdtt.teams.services import MAX_MEMBERS, MemberIn
from cdtt.transfers import selectors
from cdtt.transfers.importers import dates
from cdtt.transfers.importers import villages as village_importer
from cdtt.transfers.importers.places import VillageFinder

MAX_ROWS = 5000
MAX_NAME = 150
HEADER_SEARCH_ROWS = village_importer.HEADER_SEARCH_ROWS
# The programme began in 2020-2022; an earlier joining date is a typing or date-format mistake.
EARLIEST_JOINED = datetime.date(2020, 1, 1)
EXCEL_EPOCH = dates.EXCEL_EPOCH
MIN_AGE, MAX_AGE = 14, 100  # the bounds cdtt.teams.services checks

COMMUNE_CODE, COMMUNE_NAME = village_importer.COMMUNE_CODE, village_importer.COMMUNE_NAME
VILLAGE, ROLE, FULL_NAME, GENDER, BIRTH_YEAR, PHONE = "village", "role", "full_name", "gender", "birth_year", "phone"
ORGANISATION, OCCUPATION, VILLAGE_HEAD, PUBLISH_PHONE, JOINED_ON = (
    "organisation",
    "occupation",
    "village_head",
    "publish_phone",
    "joined_on",
)
NEW_TEAM, JOIN = "new_team", "join"

_COMMUNE_COLUMNS = {column.key: column for column in village_importer.COLUMNS}

COLUMNS = (
    _COMMUNE_COLUMNS[COMMUNE_CODE],
    _COMMUNE_COLUMNS[COMMUNE_NAME],
    Column(
        VILLAGE,
        gettext_lazy("Village name"),
        gettext_lazy("The village as the commune lists it; leave empty for the commune-level team."),
        (
            "thon",
            "ten thon",
            "thon to dan pho",
            "ten thon to dan pho",
            "thon ban",
            "ten thon ban",
            "thon xom",
            "thon ban to dan pho",
            "ten thon ban to dan pho",
            "thon ap",
            "ap",
            "ban",
            "to dan pho",
            "khu pho",
            "village",
            "village name",
        ),
    ),
    Column(
        ROLE,
        gettext_lazy("Role"),
        gettext_lazy("Tổ trưởng, Tổ phó or Thành viên; empty means Thành viên. One leader per team."),
        (
            "chuc danh",
            "chuc vu",
            "chuc vu trong to",
            "chuc danh trong to",
            "vai tro",
            "vi tri",
            "role",
        ),
    ),
    Column(
        FULL_NAME,
        gettext_lazy("Full name"),
        gettext_lazy("Required."),
        ("ho va ten", "ho ten", "ho va ten thanh vien", "ten thanh vien", "full name", "name"),
    ),
    Column(
        GENDER,
        gettext_lazy("Gender"),
        gettext_lazy("Nam, Nữ or Khác; may be empty."),
        ("gioi tinh", "gioi", "gender", "sex"),
    ),
    Column(
        BIRTH_YEAR,
        gettext_lazy("Birth year"),
        gettext_lazy("Four digits, e.g. 1990; a full date of birth is also accepted."),
        ("nam sinh", "ngay sinh", "ngay thang nam sinh", "birth year", "year of birth", "date of birth"),
    ),
    Column(
        PHONE,
        gettext_lazy("Phone"),
        gettext_lazy("A Vietnamese number; 0912…, +84 912…, spaces and dots are all fine."),
        (
            "sdt",
            "so dien thoai",
            "dien thoai",
            "so dt",
            "dt",
            "dtdd",
            "so dien thoai di dong",
            "dien thoai di dong",
            "phone",
            "phone number",
        ),
    ),
    Column(
        ORGANISATION,
        gettext_lazy("Organisation"),
        gettext_lazy("Đoàn Thanh niên, Hội Liên hiệp Phụ nữ, Hội Cựu chiến binh or Khác; empty means Khác."),
        ("to chuc", "doan the", "to chuc doan the", "to chuc chinh tri xa hoi", "organisation", "organization"),
    ),
    Column(
        OCCUPATION,
        gettext_lazy("Occupation"),
        gettext_lazy("May be empty."),
        ("nghe nghiep", "nghe", "cong viec", "occupation", "job"),
    ),
    Column(
        VILLAGE_HEAD,
        gettext_lazy("Village head"),
        gettext_lazy("“x” (or “có”) when the member is also the village head; otherwise empty."),
        ("truong thon", "la truong thon", "kiem truong thon", "truong thon to truong to dan pho", "village head"),
    ),
    Column(
        PUBLISH_PHONE,
        gettext_lazy("Agrees to publish the phone"),
        gettext_lazy("“x” (or “có”) when the member agreed to show their phone on the public page."),
        (
            "dong y cong khai sdt",
            "dong y cong khai so dien thoai",
            "dong y cong khai dien thoai",
            "cong khai sdt",
            "cong khai so dien thoai",
            "cong khai",
            "dong y cong khai",
            "publish phone",
        ),
    ),
    Column(
        JOINED_ON,
        gettext_lazy("Joined on"),
        gettext_lazy("Day/month/year, e.g. 15/03/2025; empty means the day the import is confirmed."),
        ("ngay tham gia", "ngay vao to", "ngay bat dau", "tham gia tu ngay", "joined on", "joined"),
    ),
)
REQUIRED = (VILLAGE, ROLE, FULL_NAME)

_ROLE_PREFIXES = (
    ("to truong", MemberRole.LEADER),
    ("truong to", MemberRole.LEADER),
    ("to pho", MemberRole.DEPUTY),
    ("pho to", MemberRole.DEPUTY),
    ("thanh vien", MemberRole.MEMBER),
    ("to vien", MemberRole.MEMBER),
)
_ROLE_WORDS = {
    "leader": MemberRole.LEADER,
    "team leader": MemberRole.LEADER,
    "tt": MemberRole.LEADER,
    "deputy": MemberRole.DEPUTY,
    "deputy leader": MemberRole.DEPUTY,
    "tp": MemberRole.DEPUTY,
    "member": MemberRole.MEMBER,
    "tv": MemberRole.MEMBER,
}
_GENDER_WORDS = {
    "nam": Gender.MALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "nu": Gender.FEMALE,
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "khac": Gender.OTHER,
    "other": Gender.OTHER,
}
_ORGANISATION_WORDS = {
    Organisation.YOUTH_UNION: (
        "doan thanh nien",
        "doan tn",
        "dtn",
        "doan",
        "thanh nien",
        "doan thanh nien cong san ho chi minh",
        "doan tncs ho chi minh",
        "doan tncs hcm",
        "youth union",
    ),
    Organisation.WOMENS_UNION: (
        "hoi lien hiep phu nu",
        "hoi lhpn",
        "lhpn",
        "hoi pn",
        "hoi phu nu",
        "phu nu",
        "women s union",
        "womens union",
    ),
    Organisation.VETERANS: ("hoi cuu chien binh", "hoi ccb", "ccb", "cuu chien binh", "veterans association"),
    Organisation.OTHER: ("khac", "other"),
}
_YES = {"x", "co", "yes", "y", "1", "true", "dong y", "v"}
_NO = {"khong", "khong dong y", "no", "n", "0", "false"}
_CHECKMARKS = {"✓", "✔", "☑", "☒", "✗", "✘"}


# -- parsing ------------------------------------------------------------------------------------


def parse(*, data: bytes, filename: str, commune_optional: bool) -> list[dict[str, Any]]:
    """The data rows of a team file as dicts of raw cells; ``FileProblem`` for a bad file."""
    try:
        rows = read_rows(data=data, filename=filename, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS)
    except TooManyRows:
        raise _too_many() from None
    found = find_header(rows[:HEADER_SEARCH_ROWS], columns=COLUMNS, anchor=FULL_NAME)
    index, positions = found or (0, {})
    missing = [key for key in REQUIRED if key not in positions]
    if not commune_optional and COMMUNE_CODE not in positions and COMMUNE_NAME not in positions:
        missing.insert(0, COMMUNE_CODE)
    if missing:
        raise FileProblem(_missing_columns_message(missing))
    data_rows = rows[index + 1 :]
    if not data_rows:
        raise FileProblem(_("The file has a header row but no member rows."))
    if len(data_rows) > MAX_ROWS:
        raise _too_many()
    other_dates = dates.other_date_columns(rows[index][1], positions)
    parsed = []
    for line, cells in data_rows:
        values = {key: (cells[pos] if pos < len(cells) else "") for key, pos in positions.items()}
        if not any(values.values()):  # cells only in columns we do not read, e.g. a row number
            continue
        known = {column.key: values.get(column.key, "") for column in COLUMNS}
        parsed.append({"line": line, **known, **dates.other_date_cells(cells, other_dates)})
    if not parsed:
        raise FileProblem(_("The file has a header row but no member rows."))
    return parsed


def _too_many() -> FileProblem:
    return too_many_rows(
        _("The file has more than %(max)s member rows. Split it into smaller files."), max_rows=MAX_ROWS
    )


def _missing_columns_message(missing: list[str]) -> str:
    return missing_columns_message(missing, columns=COLUMNS, either=(COMMUNE_CODE, COMMUNE_NAME))


# -- single values ------------------------------------------------------------------------------


def read_role(raw: str) -> str | None:
    """The role a cell names ("Tổ trưởng", "to pho", "Member"…), "member" when empty, None if unknown."""
    key = label_key(raw)
    if not key:
        return MemberRole.MEMBER
    if key in _ROLE_WORDS:
        return _ROLE_WORDS[key]
    for prefix, role in _ROLE_PREFIXES:
        if key == prefix or key.startswith(prefix + " "):
            return role
    labels = {label_key(str(label)): value for value, label in MemberRole.choices}
    return labels.get(key)


def read_gender(raw: str) -> str | None:
    key = label_key(raw)
    if not key:
        return ""
    return _GENDER_WORDS.get(key) or {label_key(str(label)): value for value, label in Gender.choices}.get(key)


def read_organisation(raw: str) -> str | None:
    key = label_key(raw)
    if not key:
        return Organisation.OTHER
    for value, words in _ORGANISATION_WORDS.items():
        if key in words or key == label_key(value):
            return value
    return {label_key(str(label)): value for value, label in Organisation.choices}.get(key)


def read_flag(raw: str) -> bool | None:
    """True for "x", "có", "yes"…, False for empty or "không", None for anything else."""
    text = raw.strip()
    if text in _CHECKMARKS:
        return True
    if text in {"", "-", "–"}:
        return False
    key = label_key(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def read_date(raw: str) -> datetime.date | None:
    """A date as ``dates.parse_date`` reads it (dd/mm/yyyy, ISO, an Excel date); None if it is not one."""
    try:
        return dates.parse_date(raw, column="")
    except dates.DateProblem:
        return None


# -- validation ----------------------------------------------------------------------------------


@dataclass
class Checked:
    rows: list[dict[str, Any]]
    communes: dict[int, AdminUnit] = field(default_factory=dict)
    villages: dict[int, Village] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row["errors"])


def validate(*, user: Any, unit: AdminUnit, rows: list[dict[str, Any]]) -> Checked:
    """Check every row; return the rows with resolved values, their target team and error messages."""
    communes = village_importer.Communes(user=user, unit=unit, rows=rows, perm=Perm.MANAGE_TEAMS)
    checked = []
    for raw in rows:
        commune, problem = communes.resolve(raw.get(COMMUNE_CODE, ""), raw.get(COMMUNE_NAME, ""))
        row = _check_fields(raw)
        row["commune_id"] = commune.pk if commune else None
        row["commune_label"] = commune.name if commune else ""
        if problem:
            row["errors"].insert(0, problem)
        checked.append(row)
    commune_ids = {row["commune_id"] for row in checked if row["commune_id"]}
    villages = VillageFinder(selectors.import_villages(user=user, commune_ids=commune_ids))
    teams = selectors.import_open_teams(user=user, commune_ids=commune_ids)
    team_by_target = {(t.commune_id, t.village_id): t for t in teams}
    for row in checked:
        _resolve_target(row, villages, team_by_target, communes.by_id)
    _check_teams(checked, {t.pk: t for t in teams})
    _check_people(user, checked)
    return Checked(
        rows=checked,
        communes=dict(communes.by_id),
        villages=villages.by_id,
        teams={t.pk: t for t in teams},
    )


def _check_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The row's own cells: name, role, gender, birth year, phone, organisation, flags, date."""
    errors: list[str] = []
    dates.check_other_dates(raw, errors)
    values = {column.key: nfc(str(raw.get(column.key, ""))) for column in COLUMNS}
    name = values[FULL_NAME]
    if not name:
        errors.append(_("Enter the full name."))
    elif len(name) > MAX_NAME:
        errors.append(_("The full name is too long (at most 150 characters)."))
    role = read_role(values[ROLE])
    if role is None:
        errors.append(_("Unknown role “%(value)s”: use Tổ trưởng, Tổ phó or Thành viên.") % {"value": values[ROLE]})
    gender = read_gender(values[GENDER])
    if gender is None:
        errors.append(_("Unknown gender “%(value)s”: use Nam, Nữ or Khác.") % {"value": values[GENDER]})
    organisation = read_organisation(values[ORGANISATION])
    if organisation is None:
        errors.append(
            _(
                "Unknown organisation “%(value)s”: use Đoàn Thanh niên, Hội Liên hiệp Phụ nữ, Hội Cựu chiến binh "
                "or Khác."
            )
            % {"value": values[ORGANISATION]}
        )
    birth_year = _check_birth_year(values[BIRTH_YEAR], errors)
    phone = ""
    if values[PHONE]:
        try:
            phone = normalize_phone(values[PHONE])
        except DomainError as exc:
            errors.append(exc.message)
    flags = {}
    for key in (VILLAGE_HEAD, PUBLISH_PHONE):
        flag = read_flag(values[key])
        if flag is None:
            errors.append(
                _("“%(value)s” in the column “%(column)s”: enter x (or có) for yes, or leave it empty.")
                % {"value": values[key], "column": _label(key)}
            )
        flags[key] = bool(flag)
    if flags[PUBLISH_PHONE] and not phone and values[PHONE] == "":
        errors.append(_("The member agrees to publish the phone, but no phone is given."))
    joined = _check_joined(values[JOINED_ON], errors)
    return {
        "line": raw["line"],
        **{key: text for key, text in raw.items() if key.startswith(dates.OTHER_DATE)},
        **values,
        "role_value": role or "",
        "role_label": str(MemberRole(role).label) if role else "",
        "gender_value": gender or "",
        "organisation_value": organisation or "",
        "birth_year_value": birth_year,
        "phone_value": phone,
        "village_head_value": flags[VILLAGE_HEAD],
        "publish_phone_value": flags[PUBLISH_PHONE],
        "joined_on_value": joined.isoformat() if joined else "",
        "joined_on_label": joined.strftime("%d/%m/%Y") if joined else "",
        "village_id": None,
        "village_label": "",
        "team_id": None,
        "team_label": "",
        "action": "",
        "errors": errors,
    }


def _label(key: str) -> str:
    return next(str(column.label) for column in COLUMNS if column.key == key)


def _check_birth_year(raw: str, errors: list[str]) -> int | None:
    if not raw:
        return None
    year = dates.read_year(raw, column=_label(BIRTH_YEAR), errors=errors)
    this_year = timezone.localdate().year
    if year is None:
        pass  # the message is already in errors
    elif year > this_year:
        errors.append(_("The birth year %(year)s is in the future.") % {"year": year})
    elif not (this_year - MAX_AGE <= year <= this_year - MIN_AGE):
        errors.append(
            _("The birth year %(year)s is not plausible: a member is %(min)s to %(max)s years old.")
            % {"year": year, "min": MIN_AGE, "max": MAX_AGE}
        )
    else:
        return year
    return None


def _check_joined(raw: str, errors: list[str]) -> datetime.date | None:
    if not raw:
        return None
    day = dates.read_date(raw, column=_label(JOINED_ON), errors=errors)
    if day is None:
        pass  # the message is already in errors
    elif day > timezone.localdate():
        errors.append(_("The joining date %(date)s is in the future.") % {"date": day.strftime("%d/%m/%Y")})
    elif day < EARLIEST_JOINED:
        errors.append(_("The joining date %(date)s is too early.") % {"date": day.strftime("%d/%m/%Y")})
    else:
        return day
    return None


def _resolve_target(
    row: dict[str, Any],
    villages: VillageFinder,
    team_by_target: dict[tuple[int, int | None], Team],
    communes: dict[int, AdminUnit],
) -> None:
    """Set the row's village and team: the village's open team to join, or a new team to propose."""
    commune_id = row["commune_id"]
    if commune_id is None:
        return
    village: Village | None = None
    if row[VILLAGE]:
        village = villages.find(commune_id, row[VILLAGE])
        if village is None:
            row["errors"].append(
                _("No village named “%(name)s” was found in %(commune)s.")
                % {"name": row[VILLAGE], "commune": communes[commune_id].name}
            )
            return
        row["village_id"], row["village_label"] = village.pk, village.name
    team = team_by_target.get((commune_id, village.pk if village else None))
    if team is not None:
        row["team_id"], row["team_label"], row["action"] = team.pk, team.name, JOIN
    else:
        row["action"] = NEW_TEAM


def target_key(row: dict[str, Any]) -> tuple[int, int | None]:
    """The team a row goes to: its commune and village (None for the commune-level team)."""
    return (row["commune_id"], row["village_id"])


def _check_teams(rows: list[dict[str, Any]], teams: dict[int, Team]) -> None:
    """One leader per team, counting the open team's leader; at most MAX_MEMBERS members."""
    first_leader: dict[tuple[int, int | None], int] = {}
    size: dict[tuple[int, int | None], int] = defaultdict(int)
    for row in rows:
        if not row["action"]:
            continue
        key = target_key(row)
        team = teams.get(row["team_id"]) if row["team_id"] else None
        size[key] += 1
        if size[key] + (team.member_count if team else 0) > MAX_MEMBERS:  # type: ignore[attr-defined]
            row["errors"].append(_("The team would have more than %(n)s members.") % {"n": MAX_MEMBERS})
        if row["role_value"] != MemberRole.LEADER:
            continue
        if team is not None and team.leader_count:  # type: ignore[attr-defined]
            row["errors"].append(
                _("%(team)s already has a leader; a team has one leader at a time.") % {"team": team.name}
            )
        elif key in first_leader:
            row["errors"].append(
                _("Two leaders for one team: row %(line)s is already its leader.") % {"line": first_leader[key]}
            )
        else:
            first_leader[key] = row["line"]


def _person_keys(row: dict[str, Any]) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    if row["phone_value"]:
        keys.append(("phone", row["phone_value"]))
    if row[FULL_NAME] and row["birth_year_value"]:
        keys.append(("name", fold(row[FULL_NAME]), str(row["birth_year_value"])))
    return keys


def _check_people(user: Any, rows: list[dict[str, Any]]) -> None:
    """A person is on one team: not already on an open team in scope, not listed twice in the file."""
    on_teams = selectors.import_people_on_teams(
        user=user,
        phones={row["phone_value"] for row in rows},
        folded_names={fold(row[FULL_NAME]) for row in rows if row["birth_year_value"]},
    )
    known: dict[tuple[str, ...], Membership] = {}
    for membership in on_teams:
        member = membership.member
        if member.phone:
            known[("phone", member.phone)] = membership
        if member.birth_year:
            known[("name", member.name_folded, str(member.birth_year))] = membership
    seen: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        keys = _person_keys(row)
        on_team = next((known[key] for key in keys if key in known), None)
        if on_team is not None:
            if row["action"] and on_team.team_id == row["team_id"]:
                row["errors"].append(
                    _("%(name)s is already a member of this team.") % {"name": on_team.member.full_name}
                )
            else:
                row["errors"].append(
                    _("%(name)s is already on %(team)s; they must leave it first.")
                    % {"name": on_team.member.full_name, "team": on_team.team.name}
                )
        earlier = next((seen[key] for key in keys if key in seen), None)
        if earlier is not None:
            if earlier["action"] and row["action"] and target_key(earlier) != target_key(row):
                message = _("The same person is already listed in row %(line)s for another team.")
            else:
                message = _("The same person is already listed in row %(line)s.")
            row["errors"].append(message % {"line": earlier["line"]})
        for key in keys:
            seen.setdefault(key, row)


# -- applying --------------------------------------------------------------------------------------


def member_in(row: dict[str, Any]) -> MemberIn:
    """The details of a checked row, in the form the team services take."""
    return MemberIn(
        full_name=row[FULL_NAME],
        role=row["role_value"],
        gender=row["gender_value"],
        birth_year=row["birth_year_value"],
        phone=row["phone_value"],
        organisation=row["organisation_value"],
        occupation=row[OCCUPATION],
        is_village_head=row["village_head_value"],
        publish_phone=row["publish_phone_value"],
    )


def joined_on(row: dict[str, Any]) -> datetime.date | None:
    return datetime.date.fromisoformat(row["joined_on_value"]) if row["joined_on_value"] else None


def by_team(rows: list[dict[str, Any]]) -> dict[tuple[int, int | None], list[dict[str, Any]]]:
    """Rows grouped by the team they go to, in the order the file first names each team."""
    groups: dict[tuple[int, int | None], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(target_key(row), []).append(row)
    return groups


@dataclass(frozen=True)
class Summary:
    new_teams: int
    joined_teams: int
    new_team_members: int
    joining_members: int


def summarise(rows: list[dict[str, Any]]) -> Summary:
    """How many teams a job proposes or adds to, and how many members each way (rows without errors)."""
    valid = [row for row in rows if not row.get("errors") and row.get("action")]
    new = [row for row in valid if row["action"] == NEW_TEAM]
    joining = [row for row in valid if row["action"] == JOIN]
    return Summary(
        new_teams=len({target_key(row) for row in new}),
        joined_teams=len({row["team_id"] for row in joining}),
        new_team_members=len(new),
        joining_members=len(joining),
    )


# -- template ------------------------------------------------------------------------------------


def template_xlsx() -> bytes:
    """An empty member sheet with the expected headers, and a second sheet listing accepted values."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from cdtt.core.sheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Members")[:31]
    sheet.append([str(column.label) for column in COLUMNS])
    widths = {FULL_NAME: 26, VILLAGE: 24, COMMUNE_NAME: 22, ORGANISATION: 22, OCCUPATION: 18, PUBLISH_PHONE: 18}
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column.key, 14)
        if column.key in (PHONE, COMMUNE_CODE, JOINED_ON):
            # Typed as text, so Excel keeps a phone's leading 0 and the date as written.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    values = workbook.create_sheet(_("Accepted values")[:31])
    values.append([_("Column"), _("Accepted values")])
    for cell in values[1]:
        cell.font = Font(bold=True)
    values.column_dimensions["A"].width = 26
    values.column_dimensions["B"].width = 70
    for key, accepted in accepted_values():
        values.append([_label(key), accepted])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def accepted_values() -> list[tuple[str, str]]:
    """(column key, the values a user may write) for the columns with a fixed list."""
    # Official Vietnamese terms: the words officers write in their lists.
    return [
        (ROLE, "Tổ trưởng, Tổ phó, Thành viên"),
        (GENDER, "Nam, Nữ, Khác"),
        (ORGANISATION, "Đoàn Thanh niên (Đoàn TN), Hội Liên hiệp Phụ nữ (Hội PN), Hội Cựu chiến binh (CCB), Khác"),
        (VILLAGE_HEAD, "x, có"),
        (PUBLISH_PHONE, "x, có"),
        (JOINED_ON, "dd/mm/yyyy"),
    ]
