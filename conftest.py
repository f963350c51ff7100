"""Shared fixtures: a small fixed tree (2 provinces × 2 communes × 2 villages) and one named user per role."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from cdtt.accounts.models import Role, User
from cdtt.geo.loader import LoadStats
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village, VillageKind
from tests.builders import PASSWORD, make_user  # noqa: F401 - PASSWORD re-exported: tests import it from here

# Fast hashing; background tasks run at once inside the test (no worker process). Also used while the
# session-wide data below (the real tree, the demo, the world) is built, outside any test.
FAST_SETTINGS: dict[str, Any] = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
}


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Fast hashing, tasks at once; plain static storage (the manifest exists only after collectstatic)."""
    for name, value in FAST_SETTINGS.items():
        setattr(settings, name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each test builds its own catalogue and tree: no counting rules or places kept from another test.
    from cdtt.progress.engine import forget_rules

    forget_rules()


@dataclass
class Tree:
    vn: AdminUnit
    p1: AdminUnit  # Hà Nội
    p2: AdminUnit  # Hồ Chí Minh
    c1: AdminUnit  # Phường Ba Đình (P1)
    c2: AdminUnit  # Xã Sóc Sơn (P1)
    c3: AdminUnit  # Phường Sài Gòn (P2)
    c4: AdminUnit  # Phường Tân Định (P2)
    v1: Village  # in C1
    v2: Village  # in C1
    v3: Village  # in C2
    v4: Village  # in C2
    v5: Village  # in C3
    v6: Village  # in C3
    v7: Village  # in C4
    v8: Village  # in C4


def _unit(code: str, name: str, short: str, kind: str, parent: AdminUnit | None) -> AdminUnit:
    unit = AdminUnit(
        code=code,
        name=name,
        short_name=short,
        kind=kind,
        parent=parent,
        valid_from=REFORM_DATE if parent is not None else None,
    )
    unit.save()
    return unit


def _village(commune: AdminUnit, name: str, kind: str = VillageKind.THON) -> Village:
    village = Village(commune=commune, name=name, kind=kind, valid_from=REFORM_DATE)
    village.save()
    return village


def _make_tree() -> Tree:
    vn = _unit("VN", "Cộng hòa xã hội chủ nghĩa Việt Nam", "Việt Nam", UnitKind.NATIONAL, None)
    p1 = _unit("01", "Thành phố Hà Nội", "Hà Nội", UnitKind.PROVINCE, vn)
    p2 = _unit("79", "Thành phố Hồ Chí Minh", "Hồ Chí Minh", UnitKind.PROVINCE, vn)
    c1 = _unit("00004", "Phường Ba Đình", "Ba Đình", UnitKind.WARD, p1)
    c2 = _unit("04930", "Xã Sóc Sơn", "Sóc Sơn", UnitKind.COMMUNE, p1)
    c3 = _unit("26740", "Phường Sài Gòn", "Sài Gòn", UnitKind.WARD, p2)
    c4 = _unit("26737", "Phường Tân Định", "Tân Định", UnitKind.WARD, p2)
    return Tree(
        vn=vn,
        p1=p1,
        p2=p2,
        c1=c1,
        c2=c2,
        c3=c3,
        c4=c4,
        v1=_village(c1, "Tổ dân phố số 1", VillageKind.TO_DAN_PHO),
        v2=_village(c1, "Tổ dân phố số 2", VillageKind.TO_DAN_PHO),
        v3=_village(c2, "Thôn Đông Xuân"),
        v4=_village(c2, "Thôn Tiên Dược"),
        v5=_village(c3, "Khu phố 1", VillageKind.KHU_PHO),
        v6=_village(c3, "Khu phố 2", VillageKind.KHU_PHO),
        v7=_village(c4, "Khu phố 3", VillageKind.KHU_PHO),
        v8=_village(c4, "Khu phố 4", VillageKind.KHU_PHO),
    )


def _load_tree(ids: dict[str, int]) -> Tree:
    """The kept tree, read again: fresh objects for each test (a test may change them), linked to each other as
    ``_make_tree`` links them (a village's commune, a unit's parent: no query to reach them)."""
    village_names = {f.name for f in fields(Tree) if f.type in ("Village", Village)}
    unit_names = {f.name for f in fields(Tree)} - village_names
    units = AdminUnit.objects.in_bulk([ids[n] for n in unit_names])
    villages = Village.objects.in_bulk([ids[n] for n in village_names])
    objects: dict[str, Any] = {n: units[ids[n]] for n in unit_names} | {n: villages[ids[n]] for n in village_names}
    for obj in objects.values():
        if isinstance(obj, Village):
            obj.commune = units[obj.commune_id]
        elif obj.parent_id is not None:
            obj.parent = units[obj.parent_id]
    return Tree(**objects)


@pytest.fixture
def tree(db: None) -> Tree:
    """The small tree: made for the test, or read again from the one kept across tests (``_Shared``)."""
    if _SHARED.ids:
        return _load_tree(_SHARED.ids)
    return _make_tree()


@dataclass
class Users:
    national_admin: User
    province_officer: User  # at P1
    commune_officer: User  # at C1
    team_leader: User  # at V1 of C1
    team_member: User  # at V1 of C1
    enterprise_partner: User  # at P1
    leader: User  # at P1
    outsider: User  # commune officer at C3, in the other province
    nobody: User  # signed in, no role anywhere

    def get(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


USER_NAMES = (
    "national_admin",
    "province_officer",
    "commune_officer",
    "team_leader",
    "team_member",
    "enterprise_partner",
    "leader",
    "outsider",
    "nobody",
)


def _make_users(tree: Tree) -> Users:
    def with_role(username: str, full_name: str, role: str, unit: AdminUnit, village: Village | None = None) -> User:
        return make_user(username, full_name, role=role, unit=unit, village=village)

    return Users(
        national_admin=with_role("national_admin", "Quản trị Quốc gia", Role.NATIONAL_ADMIN, tree.vn),
        province_officer=with_role("province_officer", "Cán bộ Tỉnh", Role.PROVINCE_OFFICER, tree.p1),
        commune_officer=with_role("commune_officer", "Cán bộ Xã", Role.COMMUNE_OFFICER, tree.c1),
        team_leader=with_role("team_leader", "Tổ Trưởng", Role.TEAM_LEADER, tree.c1, tree.v1),
        team_member=with_role("team_member", "Tổ Viên", Role.TEAM_MEMBER, tree.c1, tree.v1),
        enterprise_partner=with_role("enterprise_partner", "Doanh Nghiệp", Role.ENTERPRISE_PARTNER, tree.p1),
        leader=with_role("leader", "Lãnh Đạo", Role.LEADER, tree.p1),
        outsider=with_role("outsider", "Người Ngoài", Role.COMMUNE_OFFICER, tree.c3),
        nobody=make_user("nobody", "Chưa Có Vai Trò"),
    )


@pytest.fixture
def users(tree: Tree) -> Users:
    """One named user per role: made for the test, or read again from the ones kept across tests."""
    if _SHARED.user_ids:
        found = User.objects.in_bulk(list(_SHARED.user_ids.values()))
        return Users(**{name: found[pk] for name, pk in _SHARED.user_ids.items()})
    return _make_users(tree)


@pytest.fixture
def signed_in(users: Users) -> Callable[[str], Client]:
    """Return a fresh client signed in as one of the named users: ``signed_in("commune_officer")``."""

    def sign_in(name: str, **client_kwargs: Any) -> Client:
        client = Client(**client_kwargs)
        client.force_login(users.get(name))
        return client

    return sign_in


# -- the order of the run; which tests the SQLite pass runs ------------------------------------------------

ORDER_HELP = """Tests on the real tree (marker ``realtree``) and on the world (marker ``world``) run after every
other test of their process: the tree (and the world) are loaded once and kept in an open transaction until the
end of the process, so no other test may run after them. Keep such tests in files of their own (pytest-xdist
hands out whole files)."""


def _touches_db(item: pytest.Item) -> bool:
    """Whether a test can reach the database: pytest-django blocks every query of a test without a database
    fixture (they all need ``django_db_setup``) or the ``django_db`` marker."""
    if item.get_closest_marker("django_db") is not None or not isinstance(item, pytest.Function):
        return True
    return getattr(item, "_testcase", None) is not None or "django_db_setup" in item.fixturenames


def _rank(item: pytest.Item) -> int:
    if item.get_closest_marker("world") is not None:
        return 2
    return 1 if item.get_closest_marker("realtree") is not None else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that touch no database (``nodb``: the SQLite pass of scripts/test.sh leaves them to the
    PostgreSQL pass, their result cannot depend on the database), and run the real tree's tests, then the
    world's, after all the others (see ORDER_HELP). The longest files come first: pytest-xdist (``--dist
    loadfile``) hands out whole files in this order, so a long file started last would leave the other workers
    idle at the end of the run."""
    for item in items:
        if not _touches_db(item):
            item.add_marker(pytest.mark.nodb)
    weight: dict[str, int] = {}
    for item in items:
        # A test's cost, roughly: most take a fraction of a second; each fuzzing test takes half a minute.
        weight[item.location[0]] = weight.get(item.location[0], 0) + (100 if item.get_closest_marker("fuzz") else 1)
    # Transactional tests stay after the others, as pytest-django orders them (Django's order).
    items.sort(key=lambda item: (_rank(item), _is_transactional(item), -weight[item.location[0]]))  # stable


_KEPT: list[str] = []  # what this process keeps in open transactions: "tree", "demo", "world"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Runs before the test's fixtures are set up (this conftest's hook is called before pytest's own)."""
    if _KEPT and _rank(item) == 0:
        pytest.fail(f"{item.nodeid} runs after the real tree was loaded in this process. {ORDER_HELP}")
    _SHARED.prepare_for(item)


class _Shared:
    """The small tree, and its named users when asked for, kept across the tests that ask for them: most tests
    do, and making them again was a large part of each test's setup (issue 18, the suite's time).

    Made in one open transaction before the first test that asks for them, outside that test's own (``db``
    then works in a savepoint inside it, undone after the test, so no test sees another's writes); the ``tree``
    and ``users`` fixtures read them again, fresh objects for each test. Rolled back before a test that touches
    the database without asking for them (it may make a unit "01" or a user "commune_officer" of its own, or
    count the units), a transactional test (its commits and its other connections would not see them), the
    real tree's and the world's tests, and at the end of the session; made again when asked for next."""

    def __init__(self) -> None:
        self.atomic: Any = None
        self.ids: dict[str, int] = {}
        self.user_ids: dict[str, int] = {}
        self.ready = False  # the test database exists: set once django_db_setup has run
        # CDTT_TEST_SHARED_TREE=0 makes them again for every test (to tell whether a failure comes from sharing).
        self.enabled = os.environ.get("CDTT_TEST_SHARED_TREE", "1") != "0"

    def prepare_for(self, item: pytest.Item) -> None:
        if not self.enabled or not self.ready or not _touches_db(item):
            return  # the first test of a process makes its own; a test without the database cannot see them
        from pytest_django.plugin import blocking_manager_key

        wants_tree = _root_fixture(item, "tree") and not _is_transactional(item) and _rank(item) == 0 and not _KEPT
        wants_users = wants_tree and _root_fixture(item, "users")
        with item.config.stash[blocking_manager_key].unblock():
            if self.atomic is not None and (not wants_tree or (self.user_ids and not wants_users)):
                self.close()
            if not wants_tree:
                return
            with override_settings(**FAST_SETTINGS):
                if self.atomic is None:
                    self.atomic = transaction.atomic()
                    self.atomic.__enter__()
                    made = _make_tree()
                    self.ids = {f.name: getattr(made, f.name).pk for f in fields(Tree)}
                if wants_users and not self.user_ids:
                    people = _make_users(_load_tree(self.ids))
                    self.user_ids = {f.name: getattr(people, f.name).pk for f in fields(Users)}

    def close(self) -> None:
        """Roll the kept rows back (the caller has the database unblocked)."""
        if self.atomic is not None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = None
        self.ids = {}
        self.user_ids = {}


_SHARED = _Shared()


def _root_fixture(item: pytest.Item, name: str) -> bool:
    """Whether the test gets this file's fixture ``name``, not a module's own of the same name (some test
    modules build their own ``tree``)."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get(name) if info is not None else None
    return definitions is not None and len(definitions) > 0 and definitions[-1].baseid == ""


class _Kept:
    """Rows kept for the tests that come after them, in one open transaction (a savepoint when nested) that is
    rolled back when closed. Each test's own writes are undone in a savepoint inside it (``db``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        _KEPT.append(name)

    def close(self) -> None:
        if self.name in _KEPT:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            _KEPT.remove(self.name)


_DEMO: list[_Kept] = []


@pytest.fixture(scope="session")
def real_tree(django_db_setup: None, django_db_blocker: Any) -> Iterator[LoadStats]:
    """The real administrative tree (34 provinces, 3,321 communes, the legacy tree and the links), loaded once
    per process; yields the load's counts. Tests that use it take the ``realtree`` marker and ``db``."""
    from cdtt.geo.loader import admin_units_load
    from cdtt.progress.engine import forget_rules

    with django_db_blocker.unblock(), override_settings(**FAST_SETTINGS):
        kept = _Kept("tree")
        forget_rules()
        stats = admin_units_load()
    try:
        yield stats
    finally:
        with django_db_blocker.unblock():
            kept.close()
            forget_rules()


@pytest.fixture(scope="session")
def real_demo(real_tree: LoadStats, django_db_blocker: Any) -> Iterator[None]:
    """The demo (``manage.py load_demo``) on the real tree, loaded once per process: ``load_demo`` in a test is
    its second run. Tests that use it take the ``realtree`` marker and ``db``."""
    from cdtt.progress.engine import forget_rules

    with django_db_blocker.unblock(), override_settings(**FAST_SETTINGS):
        kept = _Kept("demo")
        _DEMO.append(kept)
        forget_rules()
        call_command("load_demo", stdout=io.StringIO())
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            kept.close()
            forget_rules()


@pytest.fixture(scope="session")
def world(real_tree: LoadStats, django_db_blocker: Any) -> Any:
    """The real tree with the demo and the shapes real data takes (tests/world.py); built once per process,
    rolled back at the end.

    Tests that use it also take ``db`` (each test's writes are undone in a savepoint) and the ``world``
    marker, which runs them after all the others.
    """
    from cdtt.progress.engine import forget_rules
    from tests.world import world_build

    with django_db_blocker.unblock():
        for demo in _DEMO:
            demo.close()  # the world loads its own, lighter demo (the real tree's tests ran before it)
        kept = _Kept("world")
        try:
            forget_rules()
            with override_settings(**FAST_SETTINGS):
                built = world_build(load_tree=False)
            yield built
        finally:
            kept.close()
            forget_rules()


# -- data migrations after a transactional test ---------------------------------------------------------


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


# The data migrations' rows as migrated (ids included), taken before any test can flush them.
_MIGRATED_ROWS: dict[Any, list[dict[str, Any]]] = {}


def _uses_db(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(names & {"db", "transactional_db", "live_server"})


def _forget_content_types(**kwargs: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(scope="session", autouse=True)
def _fresh_content_types() -> None:
    """A flush (a transactional test's teardown, however the test asked for it) recreates the content types
    under new ids through the historical ContentType model of ``post_migrate``, whose manager is not the one the
    code reads: its cache would keep the old ids, and the next generic relation (a report's or a post's
    history, ``core.WorkflowEvent``) would be written with a type id that is gone. Forget them on every
    ``post_migrate`` (only tests flush: production migrates, and then the ids are the ones it keeps)."""
    from django.db.models.signals import post_migrate

    post_migrate.connect(_forget_content_types, weak=False, dispatch_uid="cdtt-tests-forget-content-types")


@pytest.fixture(scope="session", autouse=True)
def _migrated_rows(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    if not any(_uses_db(item) for item in request.session.items):
        yield  # no test database in this run (e.g. tests/test_translations.py alone)
        return
    request.getfixturevalue("django_db_setup")
    from django.contrib.contenttypes.models import ContentType

    from cdtt.households.models import AdoptionItem, ProcessingActivity
    from cdtt.quality.models import QualityRule

    with django_db_blocker.unblock():
        for model in (ContentType, AdoptionItem, ProcessingActivity, QualityRule):
            _MIGRATED_ROWS[model] = [dict(row) for row in model.objects.values()]
    _SHARED.ready = True
    yield
    _SHARED.ready = False
    with django_db_blocker.unblock():
        _SHARED.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Put the data migrations' rows (adoption checklist, register of processing) back after a transactional
    test: its teardown flushes every table. One process ran those tests last, after every test that needs the
    rows; a pytest-xdist worker may be given more test files after one, so the rows must survive it. They come
    back with their migrated ids, so a later test with ``serialized_rollback`` restores them without a clash."""
    result = yield
    if _is_transactional(item) and nextitem is not None:  # after the last test the database is gone
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for model, rows in _MIGRATED_ROWS.items():
                if not model.objects.exists():
                    model.objects.bulk_create([model(**row) for row in rows])
            _restore_content_types()
    return result


def _restore_content_types() -> None:
    """A ``serialized_rollback`` test's flush empties the content types and does not make them again (its
    ``post_migrate`` is inhibited until the next such test restores its copy): they come back above with their
    migrated ids (``_MIGRATED_ROWS``), the ids the next serialized test restores too. Forget the cached ones, or
    a report's history would be written with a type id of before the flush."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
