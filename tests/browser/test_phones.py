"""Issue 21 in Chromium: a phone shared by two members, a phone cut off by an officer, signing out offline,
the queue sent in the order records were made, and an outcome tap that shows it was saved (issue 15.8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from cdtt.accounts.models import ApiToken, Role, User
from cdtt.accounts.services import device_revoke
from cdtt.activities.models import Activity
from cdtt.catalog.models import Outcome
from cdtt.households.models import Household, Resident
from cdtt.households.services import adoption_set
from tests.browser.world import PASSWORD, Tree, sign_in, village_households
from tests.builders import make_user

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
LEVEL2 = "Đã kích hoạt định danh điện tử mức 2"

IDB = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("cdtt-app"); r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error); });
  const ask = (store, op, key) => new Promise((ok) => { const s = db.transaction(store).objectStore(store);
    const r = key === undefined ? s[op]() : s[op](key); r.onsuccess = () => ok(r.result); });
  const out = { households: await ask("households", "count"), queue: await ask("queue", "count"),
    platforms: await ask("platforms", "count"), token: (await ask("meta", "get", "token")) || null,
    owner: (await ask("meta", "get", "owner")) || null };
  db.close();
  return out;
}"""


def _households(tree: Tree) -> None:
    village_households(tree, NAMES)


def _leader(tree: Tree) -> User:
    leader = make_user(
        "totruong", "Lê Văn Trưởng", role=Role.TEAM_LEADER, unit=tree.commune, village=tree.village, password=PASSWORD
    )
    return leader


def _open_app(page: Any, base: str) -> None:
    """Online once, then under the service worker's control."""
    page.goto(f"{base}/app/")
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")


def _guide(page: Any, name: str) -> None:
    page.click(f"#households button:has-text('{name}')")
    page.click(f"#outcomes button:has-text('{LEVEL2}')")
    page.wait_for_selector("#saved:not([hidden])")
    page.click("#back")


def _sign_out_on_the_web(page: Any, base: str) -> None:
    page.goto(f"{base}/ca-nhan/")
    page.evaluate("document.querySelector(\"form[action='/dang-xuat/']\").submit()")
    page.wait_for_url("**/dang-nhap/**")
    # The sign-in page clears the phone app's data in the background (signout.js); it marks when done.
    page.wait_for_selector("html[data-phone-cleared]", state="attached", timeout=20_000)


def test_a_shared_phone_keeps_each_members_records_under_their_own_name(
    page: Any, live_server: Any, tree: Tree
) -> None:
    base = live_server.url
    _households(tree)
    _leader(tree)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "tovien")
    _open_app(page, base)

    # tovien guides a person; the push does not get through before she signs out on the web.
    page.route("**/api/v1/sync/push", lambda route: route.abort())
    _guide(page, NAMES[0])
    expect(page.locator("#queue li[data-state=waiting]")).to_have_count(1)
    _sign_out_on_the_web(page, base)

    # Signed out on the web: offline, the app lists nobody's households (the record waits for tovien).
    page.context.set_offline(True)
    page.goto(f"{base}/app/")
    expect(page.locator("#gate-text")).to_contain_text("Đã đăng xuất")
    assert page.locator("#households li button").count() == 0 and NAMES[0] not in page.content()
    state = page.evaluate(IDB)
    assert state["households"] == 0 and state["queue"] == 1
    page.context.set_offline(False)

    # totruong signs in on the same phone: tovien's record goes first, under tovien's own token.
    sign_in(page, base, "totruong")
    page.unroute("**/api/v1/sync/push")
    page.goto(f"{base}/app/")
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")
    expect(page.locator("#me")).to_have_text("Đang đăng nhập: Lê Văn Trưởng")
    expect(page.locator("#queue li")).to_have_count(0)  # tovien's queue is not shown to totruong
    page.click(".pwa-tabs button[data-tab=event]")
    page.fill("#ev-people", "30")
    page.click("#event-form button[type=submit]")
    expect(page.locator("#queue li[data-state=sent]")).to_have_count(1, timeout=20_000)

    guidance = Activity.objects.get(kind="guidance")
    talk = Activity.objects.get(kind="propaganda")
    assert guidance.recorded_by is not None and guidance.recorded_by.username == "tovien"
    assert talk.recorded_by is not None and talk.recorded_by.username == "totruong"
    state = page.evaluate(IDB)
    leader_token = ApiToken.objects.get(user__username="totruong", revoked_at__isnull=True)
    assert state["owner"]["name"] == "Lê Văn Trưởng" and state["token"].startswith(leader_token.prefix)
    assert errors == []


def test_a_revoked_phone_keeps_its_queue_and_sends_it_once_after_signing_in_again(
    page: Any, live_server: Any, tree: Tree, screenshot_dir: Path
) -> None:
    base = live_server.url
    _households(tree)
    sign_in(page, base, "tovien")
    _open_app(page, base)
    member = User.objects.get(username="tovien")
    old = ApiToken.objects.get(user=member)

    page.context.set_offline(True)
    for name in NAMES:
        _guide(page, name)
    expect(page.locator("#queue li[data-state=waiting]")).to_have_count(3)
    device_revoke(actor=User.objects.get(username="xa"), user=member, token_id=old.pk)

    # Back online: the push is told the phone was cut off; the queue stays, the households go.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#gate")).to_be_visible(timeout=20_000)
    expect(page.locator("#gate-text")).to_contain_text("thu hồi")
    page.screenshot(path=str(screenshot_dir / "phone_revoked.png"), full_page=True)
    state = page.evaluate(IDB)
    assert state["queue"] == 3 and state["households"] == 0 and state["token"] is None
    assert Activity.objects.count() == 0

    # The session was ended too: signing in again (with the password) sends the three, each once.
    page.click("#gate-sign-in")
    page.fill("#id_username", "tovien")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/app/")
    page.click(".pwa-tabs button[data-tab=queue]")
    expect(page.locator("#queue li[data-state=sent]")).to_have_count(3, timeout=20_000)
    page.click("#sync")
    page.wait_for_timeout(500)
    assert Activity.objects.count() == 3
    assert set(Activity.objects.values_list("recorded_by__username", flat=True)) == {"tovien"}
    live = ApiToken.objects.filter(user=member, revoked_at__isnull=True)
    assert live.count() == 1 and live.get().pk != old.pk


def test_signing_out_clears_the_phone_and_nothing_is_listed_offline(page: Any, live_server: Any, tree: Tree) -> None:
    base = live_server.url
    _households(tree)
    sign_in(page, base, "tovien")
    _open_app(page, base)

    # Offline, one record waiting: signing out says so first, and discards it only when asked again.
    page.context.set_offline(True)
    _guide(page, NAMES[1])
    page.click(".pwa-tabs button[data-tab=account]")
    page.click("#signout")
    expect(page.locator("#signout-msg")).to_contain_text("1 bản ghi chưa được gửi")
    assert page.evaluate(IDB)["queue"] == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#signout-anyway")
    expect(page.locator("#gate-text")).to_contain_text("Đã đăng xuất")

    # Reopened without a network: the app opens from its cache and lists nothing.
    page.reload()
    expect(page.locator("#gate-text")).to_contain_text("Đã đăng xuất")
    assert page.locator("#households li button").count() == 0
    state = page.evaluate(IDB)
    assert state == {"households": 0, "queue": 0, "platforms": 0, "token": None, "owner": None}
    assert NAMES[0] not in page.content()

    # Online again: the session it could not end offline is ended now.
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#gate-text")).to_contain_text("Đã đăng xuất")
    page.goto(f"{base}/ca-nhan/")
    assert "/dang-nhap/" in page.url
    assert Activity.objects.count() == 0


def test_the_queue_goes_out_in_the_order_made_and_a_second_tap_saves_nothing_twice(
    page: Any, live_server: Any, tree: Tree
) -> None:
    base = live_server.url
    _households(tree)
    # The first household's head already has level 2: the app says so and does not offer it again.
    first = Household.objects.get(head_name=NAMES[0])
    outcome = Outcome.objects.get(name=LEVEL2)
    assert outcome.adoption_item is not None
    adoption_set(
        actor=User.objects.get(username="xa"),
        household=first,
        item_code=outcome.adoption_item.code,
        resident=Resident.objects.get(household=first),
        reached_on=timezone.localdate(),
    )
    sign_in(page, base, "tovien")
    _open_app(page, base)
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/v1/sync/push") else None,
    )

    page.click(f"#households button:has-text('{NAMES[0]}')")
    reached = page.locator(f"#outcomes button:has-text('{LEVEL2}')")
    expect(reached).to_be_disabled()
    expect(reached).to_have_attribute("data-state", "reached")
    expect(page.locator("#hh-reached")).to_contain_text(outcome.adoption_item.name)  # type: ignore[union-attr]
    page.click("#back")

    page.context.set_offline(True)
    for name in NAMES[1:]:
        page.click(f"#households button:has-text('{name}')")
        expect(page.locator("#hh-name")).to_have_text(name)
        button = page.locator(f"#outcomes button:has-text('{LEVEL2}')")
        expect(button).to_be_enabled()
        button.evaluate("b => { b.click(); b.click(); }")  # a double tap
        expect(button).to_have_attribute("data-state", "saved")
        expect(button).to_contain_text("Đã lưu")
        expect(button).to_be_disabled()
        page.click("#back")
        page.click(f"#households button:has-text('{name}')")  # reopened: still shown as saved
        expect(page.locator("#hh-name")).to_have_text(name)
        expect(page.locator(f"#outcomes button:has-text('{LEVEL2}')")).to_have_attribute("data-state", "saved")
        page.click("#back")
    page.click(".pwa-tabs button[data-tab=event]")
    for people in ("11", "12", "13", "14"):
        page.click(".pwa-tabs button[data-tab=event]")
        page.fill("#ev-people", people)
        page.click("#event-form button[type=submit]")
        expect(page.locator("#tab-queue")).to_be_visible()  # saved: the app shows the queue
    expect(page.locator("#queue li[data-state=waiting]")).to_have_count(6)  # 2 guidance (not 4) + 4 talks
    made = page.evaluate(
        """async () => {
          const db = await new Promise((ok) => {
            const r = indexedDB.open("cdtt-app");
            r.onsuccess = () => ok(r.result);
          });
          const all = await new Promise((ok) => { const r = db.transaction("queue").objectStore("queue").getAll();
            r.onsuccess = () => ok(r.result); });
          db.close();
          return all.sort((a, b) => a.seq - b.seq).map((item) => item.uuid);
        }"""
    )

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue li[data-state=sent]")).to_have_count(6, timeout=20_000)

    sent = [record["uuid"] for body in bodies for record in body["records"]]
    assert sent == made
    assert all(record["author"] == User.objects.get(username="tovien").pk for b in bodies for record in b["records"])
    talks = Activity.objects.filter(kind="propaganda")
    assert sorted(a.people_reached for a in talks) == [11, 12, 13, 14]
    assert Activity.objects.filter(kind="guidance").count() == 2


def test_a_repeat_visit_opens_from_the_cache_first(page: Any, live_server: Any, tree: Tree) -> None:
    base = live_server.url
    _households(tree)
    sign_in(page, base, "tovien")
    _open_app(page, base)
    # A newer shell on the server (marked): stale-while-revalidate shows the kept one first, and the newer
    # one on the visit after; network-first would show the newer one at once (and wait on the network).
    newer = page.request.get(f"{base}/app/").text().replace("<head>", '<head><meta name="newer" content="1">')
    served: list[str] = []

    def fulfil(route: Any) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=newer)

    page.context.route(f"{base}/app/", fulfil)

    page.goto(f"{base}/app/")
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")
    first = page.locator("meta[name=newer]").count()
    page.wait_for_timeout(500)  # the revalidation is stored
    page.goto(f"{base}/app/")
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")
    second = page.locator("meta[name=newer]").count()

    assert served  # the service worker asked the network too (revalidate)
    assert (first, second) == (0, 1)
