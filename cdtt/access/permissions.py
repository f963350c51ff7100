"""What each role may do. This table and ``scope.py`` are the only places access rules live."""

from __future__ import annotations

from enum import StrEnum

from cdtt.accounts.models import Role


class Perm(StrEnum):
    VIEW_UNITS = "geo.view"  # browse units and villages, with counts
    MANAGE_VILLAGES = "geo.manage_villages"  # create, rename, retire, import villages
    MANAGE_ACCOUNTS = "accounts.manage"  # create accounts and grant roles below one's unit
    VIEW_AUDIT = "audit.view"  # read the audit trail of one's units
    VIEW_TEAMS = "teams.view"  # rosters with names and phones (personal data)
    MANAGE_TEAMS = "teams.manage"  # set up teams, change rosters, draft and sign decisions
    MANAGE_GROUPS = "teams.manage_groups"  # record the village or commune chat group
    VIEW_FIGURES = "figures.view"  # aggregate counts only, no personal data
    IMPORT_FIGURES = "figures.import"  # official figures and pre-2025 history of one's units (XLSX imports)
    VIEW_PHONES = "teams.view_phones"  # members' phone numbers in full (others see them masked)
    VIEW_HOUSEHOLDS = "households.view"  # the register's personal details (each view is audited)
    EDIT_HOUSEHOLDS = "households.edit"  # add and change households, tick adoption, record consent
    MANAGE_PRIVACY = "households.privacy"  # data-subject requests, erasure, the processing register
    RECORD_ACTIVITIES = "activities.record"  # guidance, propaganda, group sessions (and their edits, voids)
    ASSIGN_TARGETS = "targets.assign"  # set targets below (or at) one's unit, split them across child units
    MANAGE_CATALOG = "catalog.manage"  # platforms and indicators (nationally; a province adds its own)
    VIEW_REPORTS = "reports.view"  # periodic reports of one's units (aggregates and the team's own text)
    SUBMIT_REPORTS = "reports.submit"  # write and submit the report of one's own village team or unit
    REVIEW_REPORTS = "reports.review"  # approve, return, reopen the reports sent to one's unit; deadlines
    VIEW_TRAINING = "training.view"  # guides and materials; a team member's own training history
    MANAGE_TRAINING = "training.manage"  # courses of one's units, invitations, attendance, partners, materials
    RUN_TRAINING = "training.run"  # an enterprise partner's own courses and sessions (counts only, no names)
    VIEW_NETWORK = "network.view"  # the Ministry's side-by-side view of every province (national level only)
    VIEW_PRACTICES = "practices.view"  # published good practices of the whole network (and one's own drafts)
    WRITE_PRACTICES = "practices.write"  # draft and submit good practices of one's own village team or unit
    REVIEW_PRACTICES = "practices.review"  # publish or return the posts sent to one's unit
    FEATURE_PRACTICES = "practices.feature"  # feature a published post nationally
    VIEW_ANNOUNCEMENTS = "announcements.view"  # announcements sent to oneself
    SEND_ANNOUNCEMENTS = "announcements.send"  # send announcements to units of one's area; see read receipts
    READ_NOTICES = "notices.read"  # one's own notifications (nobody reads anyone else's)
    VIEW_DIFFICULTIES = "difficulties.view"  # difficulties raised in one's units, with their threads
    RAISE_DIFFICULTIES = "difficulties.raise"  # raise a difficulty for one's team or unit; resolve or reopen it
    HANDLE_DIFFICULTIES = "difficulties.handle"  # assign, answer, escalate the difficulties one's unit handles
    MANAGE_CHANNELS = "channels.manage"  # the chat channel's health (the Zalo OA serves the whole deployment)
    MANAGE_BREACHES = "privacy.breaches"  # the personal-data breach register of one's units (72-hour notice)
    VIEW_QUALITY = "quality.view"  # data-quality flags raised in one's units, and the rule catalogue
    REVIEW_QUALITY = "quality.review"  # confirm, correct or void the flagged records of one's own commune
    # The figures of one's units without what the records under open flags add (aggregates only: no flag's
    # records): what officers check and what a leader stands behind.
    LEAVE_OUT_FLAGGED = "quality.leave_out"


_OFFICER = frozenset(
    {
        Perm.VIEW_UNITS,
        Perm.MANAGE_VILLAGES,
        Perm.MANAGE_ACCOUNTS,
        Perm.VIEW_AUDIT,
        Perm.VIEW_TEAMS,
        Perm.MANAGE_TEAMS,
        Perm.MANAGE_GROUPS,
        Perm.VIEW_FIGURES,
        Perm.IMPORT_FIGURES,
        Perm.VIEW_PHONES,
        Perm.ASSIGN_TARGETS,
        Perm.VIEW_REPORTS,
        Perm.SUBMIT_REPORTS,
        Perm.REVIEW_REPORTS,
        Perm.VIEW_TRAINING,
        Perm.MANAGE_TRAINING,
        Perm.MANAGE_BREACHES,
        Perm.VIEW_QUALITY,
        Perm.LEAVE_OUT_FLAGGED,
    }
)
_REPORTER = frozenset({Perm.VIEW_REPORTS, Perm.SUBMIT_REPORTS})
# Every role reads the network's published practices and the announcements sent to it.
_NETWORK = frozenset({Perm.VIEW_PRACTICES, Perm.VIEW_ANNOUNCEMENTS})

# Personal details of households stay in the commune: the commune officer (the controller's staff) and
# the village's team. Province and national roles read aggregates only.
_HOUSEHOLD = frozenset({Perm.VIEW_HOUSEHOLDS, Perm.EDIT_HOUSEHOLDS})

# Difficulties: teams and officers raise them to the level above; officers handle what reaches their unit.
# Leaders read them; enterprise partners do not see them.
_DIFFICULTIES_RAISE = frozenset({Perm.VIEW_DIFFICULTIES, Perm.RAISE_DIFFICULTIES})
_DIFFICULTIES_HANDLE = frozenset({Perm.VIEW_DIFFICULTIES, Perm.HANDLE_DIFFICULTIES})

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    # The national level has no level above it to raise a difficulty to. The Ministry reviews provinces'
    # posts and features the best; it does not write posts itself.
    Role.NATIONAL_ADMIN: frozenset(Perm)
    - _HOUSEHOLD
    - {
        Perm.MANAGE_PRIVACY,
        Perm.RECORD_ACTIVITIES,
        Perm.RAISE_DIFFICULTIES,
        Perm.RUN_TRAINING,
        Perm.WRITE_PRACTICES,
    },
    # The provincial department shares its own practices too (reviewed by the Ministry).
    Role.PROVINCE_OFFICER: _OFFICER
    | _DIFFICULTIES_RAISE
    | _DIFFICULTIES_HANDLE
    | _NETWORK
    | {
        Perm.MANAGE_CATALOG,
        Perm.MANAGE_CHANNELS,
        Perm.WRITE_PRACTICES,
        Perm.REVIEW_PRACTICES,
        Perm.SEND_ANNOUNCEMENTS,
    },
    Role.COMMUNE_OFFICER: _OFFICER
    | _HOUSEHOLD
    | _DIFFICULTIES_RAISE
    | _DIFFICULTIES_HANDLE
    | _NETWORK
    | {
        Perm.MANAGE_PRIVACY,
        Perm.RECORD_ACTIVITIES,
        Perm.WRITE_PRACTICES,
        Perm.REVIEW_PRACTICES,
        # The commune's officers review the flags on their villages' records (they may correct or void them).
        Perm.REVIEW_QUALITY,
    },
    Role.TEAM_LEADER: frozenset(
        {Perm.VIEW_UNITS, Perm.VIEW_TEAMS, Perm.MANAGE_GROUPS, Perm.VIEW_FIGURES, Perm.VIEW_PHONES, Perm.VIEW_TRAINING}
    )
    | _HOUSEHOLD
    | _REPORTER
    | _DIFFICULTIES_RAISE
    | _NETWORK
    | {Perm.RECORD_ACTIVITIES, Perm.WRITE_PRACTICES},
    Role.TEAM_MEMBER: frozenset(
        {Perm.VIEW_UNITS, Perm.VIEW_TEAMS, Perm.VIEW_FIGURES, Perm.RECORD_ACTIVITIES, Perm.VIEW_TRAINING}
    )
    | _HOUSEHOLD
    | _REPORTER
    | _DIFFICULTIES_RAISE
    | _NETWORK
    | {Perm.WRITE_PRACTICES},
    # Enterprise partners and leaders read aggregates only, never rosters.
    Role.ENTERPRISE_PARTNER: frozenset({Perm.VIEW_UNITS, Perm.VIEW_FIGURES, Perm.VIEW_TRAINING, Perm.RUN_TRAINING})
    | _NETWORK,
    # The network view is for leaders at national level; the view checks the level.
    Role.LEADER: frozenset(
        {
            Perm.VIEW_UNITS,
            Perm.VIEW_FIGURES,
            Perm.VIEW_REPORTS,
            Perm.VIEW_DIFFICULTIES,
            Perm.VIEW_NETWORK,
            Perm.LEAVE_OUT_FLAGGED,
        }
    )
    | _NETWORK,
}
# Everyone with a role reads their own notifications.
ROLE_PERMS = {role: perms | {Perm.READ_NOTICES} for role, perms in ROLE_PERMS.items()}


def roles_with(perm: Perm) -> list[str]:
    """The roles whose holders carry ``perm`` (to find, e.g., the officers to notify at a unit)."""
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


# Which roles a holder of each role may grant, always strictly below their own unit.
GRANTABLE: dict[str, frozenset[str]] = {
    Role.NATIONAL_ADMIN: frozenset(Role.values),
    Role.PROVINCE_OFFICER: frozenset(
        {Role.COMMUNE_OFFICER, Role.TEAM_LEADER, Role.TEAM_MEMBER, Role.ENTERPRISE_PARTNER, Role.LEADER}
    ),
    Role.COMMUNE_OFFICER: frozenset({Role.TEAM_LEADER, Role.TEAM_MEMBER, Role.LEADER}),
}

# The kind of unit each role is held at (team roles are held at a village of a commune).
ROLE_UNIT_KINDS: dict[str, tuple[str, ...]] = {
    Role.NATIONAL_ADMIN: ("national",),
    Role.PROVINCE_OFFICER: ("province",),
    Role.COMMUNE_OFFICER: ("commune", "ward", "special_zone"),
    Role.TEAM_LEADER: ("village",),
    Role.TEAM_MEMBER: ("village",),
    Role.ENTERPRISE_PARTNER: ("national", "province", "commune", "ward", "special_zone"),
    Role.LEADER: ("national", "province", "commune", "ward", "special_zone"),
}
