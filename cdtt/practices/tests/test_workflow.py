"""Good practices: the publication workflow by role, who sees what, search without diacritics, photos."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from PIL import ExifTags, Image

from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.practices import selectors, services
from cdtt.practices.models import Practice, PracticeImage, PracticeStatus
from cdtt.practices.tests.helpers import draft, other_province_officer, photo_bytes, published, submitted, upload
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

ROLES = [
    "national_admin",
    "province_officer",
    "commune_officer",
    "team_leader",
    "team_member",
    "enterprise_partner",
    "leader",
    "outsider",
    "nobody",
]
REFUSED = (Forbidden, NotFound)


def _state() -> tuple[Any, ...]:
    return (
        list(Practice.objects.values_list("id", "status", "title", "featured_at", "review_comment")),
        PracticeImage.objects.count(),
    )


# -- the whole loop ---------------------------------------------------------------------------------------


def test_a_team_post_goes_through_review_to_the_whole_network(tree: Tree, users: Users) -> None:
    post = draft(users.team_member, tree.v1, uploads=[upload()])
    assert (post.status, post.unit_id, post.village_id, post.province_id, post.reviewer_id) == (
        PracticeStatus.DRAFT,
        tree.c1.pk,
        tree.v1.pk,
        tree.p1.pk,
        tree.c1.pk,
    )
    post = services.practice_submit(actor=users.team_leader, practice=post)
    post = services.practice_return(actor=users.commune_officer, practice=post, comment="Thêm ảnh buổi tập huấn")
    assert post.status == PracticeStatus.RETURNED and post.review_comment == "Thêm ảnh buổi tập huấn"
    post = services.practice_update(
        actor=users.team_member,
        practice=post,
        data=services.PracticeIn(title=post.title, body=post.body + " Có ảnh.", tags=["Người cao tuổi"]),
        uploads=[upload("anh2.png", photo_bytes(fmt="PNG", gps=False), "image/png")],
    )
    post = services.practice_submit(actor=users.team_member, practice=post)
    post = services.practice_publish(actor=users.commune_officer, practice=post)
    assert post.status == PracticeStatus.PUBLISHED and post.published_at is not None
    assert post.images.count() == 2
    post = services.practice_feature(actor=users.national_admin, practice=post, featured=True)
    assert post.is_featured
    services.practice_feature(actor=users.national_admin, practice=post, featured=False)

    actions = list(post.events.values_list("action", flat=True))
    assert actions == [
        "created",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "published",
        "featured",
        "unfeatured",
    ]
    audited = list(
        AuditEvent.objects.filter(target_type="practices.practice", target_id=str(post.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert audited == [
        "practice.create",
        "practice.submit",
        "practice.return",
        "practice.update",
        "practice.submit",
        "practice.publish",
        "practice.featured",
        "practice.unfeatured",
    ]
    # Published: every signed-in role anywhere reads it, the other province's officer too.
    for name in ROLES[:-1]:
        assert selectors.practice_get(users.get(name), post.pk).pk == post.pk
    assert selectors.practice_get(other_province_officer(tree), post.pk).pk == post.pk
    with pytest.raises(Forbidden):
        selectors.practice_get(users.nobody, post.pk)


# -- every transition × every role ---------------------------------------------------------------------------

CREATE_TEAM_POST = {"team_leader", "team_member"}
SUBMIT_TEAM_POST = {"team_leader", "team_member"}
REVIEW_TEAM_POST = {"commune_officer"}
REVIEW_COMMUNE_POST = {"province_officer"}
REVIEW_PROVINCE_POST = {"national_admin"}
FEATURE = {"national_admin"}


@pytest.mark.parametrize("who", ROLES)
def test_who_drafts_a_team_post(tree: Tree, users: Users, who: str) -> None:
    if who in CREATE_TEAM_POST:
        assert draft(users.get(who), tree.v1).status == PracticeStatus.DRAFT
    else:
        with pytest.raises(REFUSED):
            draft(users.get(who), tree.v1)
        assert not Practice.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_who_submits_a_team_post(tree: Tree, users: Users, who: str) -> None:
    post = draft(users.team_member, tree.v1)
    if who in SUBMIT_TEAM_POST:
        assert services.practice_submit(actor=users.get(who), practice=post).status == PracticeStatus.SUBMITTED
    else:
        before = _state()
        with pytest.raises(REFUSED):
            services.practice_submit(actor=users.get(who), practice=post)
        assert _state() == before


@pytest.mark.parametrize("action", ["publish", "return"])
@pytest.mark.parametrize(
    ("author", "subject", "allowed"),
    [
        ("team_member", "v1", REVIEW_TEAM_POST),
        ("commune_officer", "c1", REVIEW_COMMUNE_POST),
        ("province_officer", "p1", REVIEW_PROVINCE_POST),
    ],
)
@pytest.mark.parametrize("who", ROLES)
def test_only_the_level_above_publishes_or_returns(
    tree: Tree, users: Users, who: str, author: str, subject: str, allowed: set[str], action: str
) -> None:
    post = submitted(users.get(author), getattr(tree, subject))

    def act() -> Practice:
        if action == "publish":
            return services.practice_publish(actor=users.get(who), practice=post)
        return services.practice_return(actor=users.get(who), practice=post, comment="Sửa lại")

    if who in allowed:
        assert act().status == (PracticeStatus.PUBLISHED if action == "publish" else PracticeStatus.RETURNED)
    else:
        before = _state()
        with pytest.raises(REFUSED):
            act()
        assert _state() == before


@pytest.mark.parametrize("featured", [True, False])
@pytest.mark.parametrize("who", ROLES)
def test_only_national_admins_feature(tree: Tree, users: Users, who: str, featured: bool) -> None:
    post = published(users.team_member, tree.v1, users.commune_officer)
    if not featured:
        services.practice_feature(actor=users.national_admin, practice=post, featured=True)
    if who in FEATURE:
        assert services.practice_feature(actor=users.get(who), practice=post, featured=featured).is_featured is featured
    else:
        before = _state()
        with pytest.raises(REFUSED):
            services.practice_feature(actor=users.get(who), practice=post, featured=featured)
        assert _state() == before


def test_a_reviewer_of_another_province_is_refused_with_a_vietnamese_message(tree: Tree, users: Users) -> None:
    post = submitted(users.commune_officer, tree.c1)
    stranger = other_province_officer(tree)
    with pytest.raises(Forbidden, match="Chỉ cán bộ của Thành phố Hà Nội duyệt bài này"):
        services.practice_publish(actor=stranger, practice=post)
    assert Practice.objects.get(pk=post.pk).status == PracticeStatus.SUBMITTED
    with pytest.raises(NotFound):  # and it does not even see the unpublished post
        selectors.practice_get(stranger, post.pk)


def test_wrong_states_are_refused_and_change_nothing(tree: Tree, users: Users) -> None:
    post = draft(users.team_member, tree.v1)
    with pytest.raises(DomainError, match="Chỉ bài đang chờ duyệt"):
        services.practice_publish(actor=users.commune_officer, practice=post)
    with pytest.raises(DomainError, match="Chỉ bài đã đăng"):
        services.practice_feature(actor=users.national_admin, practice=post, featured=True)
    post = services.practice_submit(actor=users.team_member, practice=post)
    with pytest.raises(DomainError, match="không thể sửa"):
        services.practice_submit(actor=users.team_member, practice=post)
    with pytest.raises(DomainError, match="Hãy nêu"):
        services.practice_return(actor=users.commune_officer, practice=post, comment="   ")
    with pytest.raises(DomainError):
        draft(users.team_member, tree.v1, title="  ")
    with pytest.raises(DomainError):
        draft(users.team_member, tree.v1, platform_ids=[999_999])
    assert Practice.objects.count() == 1
    assert Practice.objects.get().status == PracticeStatus.SUBMITTED


# -- who sees unpublished posts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "who", "sees"),
    [
        ("draft", "team_member", True),
        ("draft", "team_leader", True),
        ("draft", "commune_officer", False),  # a draft is the team's until it is sent
        ("draft", "province_officer", False),
        ("draft", "national_admin", False),
        ("draft", "outsider", False),
        ("submitted", "commune_officer", True),  # the reviewer
        ("submitted", "province_officer", False),
        ("submitted", "leader", False),
        ("submitted", "enterprise_partner", False),
        ("submitted", "outsider", False),
        ("returned", "commune_officer", True),
        ("returned", "team_member", True),
        ("returned", "outsider", False),
    ],
)
def test_unpublished_posts_stay_with_their_unit_and_reviewers(
    tree: Tree, users: Users, state: str, who: str, sees: bool
) -> None:
    post = draft(users.team_member, tree.v1)
    if state != "draft":
        post = services.practice_submit(actor=users.team_member, practice=post)
    if state == "returned":
        post = services.practice_return(actor=users.commune_officer, practice=post, comment="Sửa")
    if sees:
        assert selectors.practice_get(users.get(who), post.pk).pk == post.pk
    else:
        with pytest.raises(NotFound):
            selectors.practice_get(users.get(who), post.pk)
    listed = selectors.practice_list(user=users.get(who), filters=selectors.Filters())
    assert post.pk not in {p.pk for p in listed}


# -- search and lists --------------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_filters_by_platform_tag_and_province(tree: Tree, users: Users) -> None:
    catalog_load()
    vneid = Platform.objects.get(code="vneid")
    hanoi = published(
        users.team_member,
        tree.v1,
        users.commune_officer,
        title="Cách làm hay: Đăng ký định danh điện tử cho người cao tuổi",
        platform_ids=[vneid.pk],
        tags="Người cao tuổi",
    )
    saigon_officer = other_province_officer(tree)
    from cdtt.accounts.models import Role, RoleAssignment
    from conftest import make_user

    p2_admin_reviewer = make_user("sai_gon_xa", "Cán bộ xã Sài Gòn 2")
    RoleAssignment.objects.create(user=p2_admin_reviewer, role=Role.COMMUNE_OFFICER, unit=tree.c3)
    saigon = published(
        users.outsider, tree.c3, saigon_officer, title="Chợ phiên số ở Sài Gòn", body="Bán hàng trực tuyến.", tags=""
    )

    def found(q: str = "", **filters: Any) -> set[int]:
        return {p.pk for p in selectors.practice_list(user=saigon_officer, filters=selectors.Filters(q=q, **filters))}

    assert found("cach lam hay") == {hanoi.pk}
    assert found("CÁCH LÀM HAY") == {hanoi.pk}
    assert found("dang ky dinh danh") == {hanoi.pk}  # đ folds to d
    assert found("nguoi cao tuoi") == {hanoi.pk}  # a tag
    assert found("ba dinh") == {hanoi.pk}  # the author's place
    assert found("cho phien") == {saigon.pk}
    assert found("cach lam hay sai gon") == set()  # every word must match
    assert found() == {hanoi.pk, saigon.pk}
    assert found(platform=vneid.pk) == {hanoi.pk}
    assert found(tag="nguoi cao tuoi") == {hanoi.pk}
    assert found(province=tree.p2.pk) == {saigon.pk}
    assert found(kind="typical_case") == set()


def test_featured_posts_come_first_and_lists_are_paginated(
    tree: Tree, users: Users, signed_in: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    posts = [
        published(users.team_member, tree.v1, users.commune_officer, title=f"Bài số {n}", tags=f"chủ đề {n % 3}")
        for n in range(25)
    ]
    services.practice_feature(actor=users.national_admin, practice=posts[0], featured=True)
    listed = list(selectors.practice_list(user=users.leader, filters=selectors.Filters()))
    assert listed[0].pk == posts[0].pk and listed[1].pk == posts[-1].pk
    client = signed_in("leader")
    with django_assert_max_num_queries(16):
        first = client.get("/cach-lam-hay/")
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 25 and len(first.context["page"]) == 20
    second = client.get("/cach-lam-hay/?page=2")
    assert len(second.context["page"]) == 5
    assert "Nổi bật" in first.content.decode()


# -- photos --------------------------------------------------------------------------------------------------


def test_photos_are_re_encoded_without_exif_or_gps(tree: Tree, users: Users) -> None:
    original = photo_bytes()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries a position
        assert before.getexif()[ExifTags.Base.Model] == "Cheap Android 3G"
    post = draft(users.team_member, tree.v1, uploads=[upload(content=original)])
    stored = post.images.get()
    data = stored.image.read()
    assert data[:3] == b"\xff\xd8\xff" and b"Exif" not in data and b"Cheap Android" not in data
    with Image.open(io.BytesIO(data)) as after:
        assert after.format == "JPEG"
        assert not after.getexif()
        assert (after.width, after.height) == (stored.width, stored.height) == (640, 480)


def test_a_large_photo_is_scaled_down(tree: Tree, users: Users) -> None:
    post = draft(users.team_member, tree.v1, uploads=[upload(content=photo_bytes(size=(3200, 1600), gps=False))])
    assert (post.images.get().width, post.images.get().height) == (1600, 800)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("thu.jpg", "Đây là một tệp văn bản, không phải ảnh.\n".encode(), "không phải là ảnh"),
        ("hong.jpg", photo_bytes()[:400], "không phải là ảnh"),  # a truncated JPEG
        ("tai-lieu.jpg", b"%PDF-1.7\n1 0 obj\n", "không phải là ảnh"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_written(
    tree: Tree, users: Users, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        draft(users.team_member, tree.v1, uploads=[upload(name, content)])
    assert not Practice.objects.exists() and not PracticeImage.objects.exists()
    post = draft(users.team_member, tree.v1)
    with pytest.raises(DomainError, match=message):
        services.practice_update(
            actor=users.team_member,
            practice=post,
            data=services.PracticeIn(title="Tên mới", body=post.body),
            uploads=[upload(name, content)],
        )
    assert Practice.objects.get().title == post.title and not PracticeImage.objects.exists()


@override_settings(UPLOAD_MAX_BYTES=50_000)
def test_a_photo_over_the_size_limit_is_refused(tree: Tree, users: Users) -> None:
    big = photo_bytes(size=(1200, 1200))
    noisy = Image.effect_noise((900, 900), 90).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=95)
    big = out.getvalue()
    assert len(big) > 50_000
    with pytest.raises(DomainError, match="Ảnh quá lớn"):
        draft(users.team_member, tree.v1, uploads=[upload(content=big)])
    assert not Practice.objects.exists()


def test_at_most_eight_photos(tree: Tree, users: Users) -> None:
    with pytest.raises(DomainError, match="tối đa 8 ảnh"):
        draft(users.team_member, tree.v1, uploads=[upload(f"{n}.jpg", photo_bytes(gps=False)) for n in range(9)])
    assert not Practice.objects.exists()


# -- notifications -------------------------------------------------------------------------------------------


def test_reviewers_and_authors_are_notified(tree: Tree, users: Users) -> None:
    from cdtt.notices.models import Notification

    post = submitted(users.team_member, tree.v1, title="Bài có thông báo")
    sent = Notification.objects.get(kind="practice_submitted")
    assert sent.recipient_id == users.commune_officer.pk and sent.url == f"/cach-lam-hay/{post.pk}/"
    assert "Bài có thông báo" in sent.title
    services.practice_return(actor=users.commune_officer, practice=post, comment="Thêm số liệu")
    returned = Notification.objects.filter(kind="practice_returned")
    assert set(returned.values_list("recipient_id", flat=True)) == {users.team_member.pk, users.team_leader.pk}
    assert returned.first().body == "Thêm số liệu"  # type: ignore[union-attr]
    services.practice_submit(actor=users.team_leader, practice=post)
    services.practice_publish(actor=users.commune_officer, practice=post)
    published_notices = Notification.objects.filter(kind="practice_published")
    assert set(published_notices.values_list("recipient_id", flat=True)) == {
        users.team_member.pk,
        users.team_leader.pk,
    }
    commune_post = submitted(users.commune_officer, tree.c1)
    assert set(
        Notification.objects.filter(kind="practice_submitted", url=f"/cach-lam-hay/{commune_post.pk}/").values_list(
            "recipient_id", flat=True
        )
    ) == {users.province_officer.pk}
