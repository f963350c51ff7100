"""Shared helpers of the practice tests: photos with real EXIF and GPS, and posts in each state."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.geo.models import AdminUnit, Village
from cdtt.practices import services
from cdtt.practices.models import Practice
from conftest import Tree, Users, make_user


def photo_bytes(*, size: tuple[int, int] = (640, 480), fmt: str = "JPEG", gps: bool = True) -> bytes:
    """A photo as a phone camera writes it: EXIF with the maker, model, time and the GPS position."""
    picture = Image.new("RGB", size, (200, 60, 40))
    for x in range(0, size[0], 16):  # some detail, so that the JPEG is not trivially small
        picture.putpixel((x, x % size[1]), (0, 0, 255))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Cheap Android 3G"
    exif[ExifTags.Base.DateTime] = "2026:11:20 08:30:00"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (21.0, 0.0, 5.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (105.0, 55.0, 1.0),
        }
    out = io.BytesIO()
    picture.save(out, format=fmt, exif=exif)
    return out.getvalue()


def upload(name: str = "anh.jpg", content: bytes | None = None, content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, photo_bytes() if content is None else content, content_type=content_type)


def draft(
    actor: User, subject: AdminUnit | Village, *, title: str = "Cách làm hay về định danh điện tử", **extra: Any
) -> Practice:
    data = services.PracticeIn(
        title=title,
        body=extra.pop("body", "Tổ đến từng hộ, hướng dẫn kích hoạt VNeID mức 2 vào buổi tối."),
        kind=extra.pop("kind", "good_practice"),
        platform_ids=extra.pop("platform_ids", []),
        tags=extra.pop("tags", "người cao tuổi, buổi tối"),
    )
    return services.practice_create(actor=actor, subject=subject, data=data, **extra)


def submitted(actor: User, subject: AdminUnit | Village, **extra: Any) -> Practice:
    return services.practice_submit(actor=actor, practice=draft(actor, subject, **extra))


def published(author: User, subject: AdminUnit | Village, reviewer: User, **extra: Any) -> Practice:
    return services.practice_publish(actor=reviewer, practice=submitted(author, subject, **extra))


def other_province_officer(tree: Tree) -> User:
    """A province officer of P2 (Hồ Chí Minh), the other province."""
    user = make_user("tinh_hcm", "Cán bộ Sở TP.HCM")
    RoleAssignment.objects.create(user=user, role=Role.PROVINCE_OFFICER, unit=tree.p2)
    return user


def team_post(users: Users, tree: Tree, **extra: Any) -> Practice:
    return draft(users.team_member, tree.v1, **extra)
