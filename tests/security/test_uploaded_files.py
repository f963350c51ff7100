"""Issue 16.7: every upload path (practices, difficulties, guides, decisions) checks the real type from the
content, strips image metadata, bounds the pixel count, and no user file is ever served as a page."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from cdtt.core.errors import DomainError
from cdtt.core.files import user_file_response
from cdtt.training.tests.conftest import World
from conftest import Users
from tests.security.walk import routes

# -- hostile files -------------------------------------------------------------------------------------------


def _gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (21.0, 2.0, 3.0)
    gps[3], gps[4] = "E", (105.0, 51.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG", exif=exif.tobytes(), comment=b"nha ong An")
    assert b"Samsung" in out.getvalue()
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bomb() -> bytes:
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _chunk(b"IEND", b"")


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect width="9"/></svg>'

# (id, file name, content) refused by every path that takes an image
REFUSED_IMAGES = [
    ("html named .jpg", "anh.jpg", HTML),
    ("svg named .png", "anh.png", SVG),
    ("svg", "anh.svg", SVG),
    ("decompression bomb", "bom.png", _png_bomb()),
    ("truncated jpeg", "cut.jpg", _gps_jpeg()[:40]),
]

# -- every upload path: a function that takes (name, bytes) and returns the bytes the platform keeps -----------


def _practices(world: World, users: Users) -> Callable[[str, bytes], bytes]:
    from cdtt.practices.images import clean_image

    def keep(name: str, data: bytes) -> bytes:
        content, _w, _h = clean_image(SimpleUploadedFile(name, data))
        return bytes(content.read())

    return keep


def _difficulties(world: World, users: Users) -> Callable[[str, bytes], bytes]:
    from cdtt.difficulties.images import clean_image

    return lambda _name, data: clean_image(data).data


def _guides(world: World, users: Users) -> Callable[[str, bytes], bytes]:
    from cdtt.training.services import MaterialIn, material_create

    def keep(name: str, data: bytes) -> bytes:
        material = material_create(
            actor=users.province_officer,
            data=MaterialIn(
                platform_id=world.vneid.pk,
                title="Hướng dẫn",
                owner_id=users.province_officer.assignments.get().unit_id,
                issued_on=timezone.localdate(),
            ),
            upload=SimpleUploadedFile(name, data),
        )
        with material.file.open("rb") as handle:
            return bytes(handle.read())

    return keep


IMAGE_PATHS: dict[str, Callable[[World, Users], Callable[[str, bytes], bytes]]] = {
    "practices (web form and API)": _practices,
    "difficulties": _difficulties,
    "guides": _guides,
}


@pytest.mark.parametrize("path", IMAGE_PATHS)
@pytest.mark.parametrize(("label", "name", "data"), REFUSED_IMAGES, ids=[r[0] for r in REFUSED_IMAGES])
def test_a_hostile_image_is_refused_by_every_path(
    world: World, users: Users, path: str, label: str, name: str, data: bytes
) -> None:
    keep = IMAGE_PATHS[path](world, users)
    with pytest.raises(DomainError):
        keep(name, data)


@pytest.mark.parametrize("path", IMAGE_PATHS)
def test_a_phone_photo_is_kept_without_exif_gps_or_comment(world: World, users: Users, path: str) -> None:
    kept = IMAGE_PATHS[path](world, users)("anh.jpg", _gps_jpeg())
    assert b"Samsung" not in kept and b"nha ong An" not in kept
    with Image.open(io.BytesIO(kept)) as picture:
        exif = picture.getexif()
        assert 0x8825 not in exif and 0x010F not in exif
        assert not exif.get_ifd(0x8825)


# Guides take documents too: their first bytes must be what the name says.
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("huong-dan.pdf", HTML),
        ("huong-dan.docx", HTML),
        ("huong-dan.pptx", b"%PDF-1.7 not a zip"),
        ("huong-dan.zip", HTML),
        ("huong-dan.mp4", SVG),
        ("huong-dan.doc", b"PK\x03\x04 a zip, not an old Word file"),
    ],
)
def test_a_guide_whose_content_is_not_its_type_is_refused(world: World, users: Users, name: str, data: bytes) -> None:
    with pytest.raises(DomainError, match="không phải"):
        _guides(world, users)(name, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("huong-dan.pdf", b"%PDF-1.7\n%%EOF\n"),
        ("huong-dan.docx", b"PK\x03\x04rest"),
        ("v.mp4", b"\x00\x00\x00\x18ftypmp42"),
    ],
)
def test_a_real_guide_file_is_kept(world: World, users: Users, name: str, data: bytes) -> None:
    assert _guides(world, users)(name, data) == data


# -- serving: every view that serves a stored user file goes through user_file_response -------------------------


def _file_serving_routes() -> dict[str, str]:
    return {r.name: r.source for r in routes() if '.open("rb")' in r.source}


def test_every_view_serving_a_stored_file_uses_the_safe_response() -> None:
    found = _file_serving_routes()
    assert set(found) == {
        "teams:decision_scan",
        "mobile:guide_file",
        "training:material_file",
        "practices:image",
        "difficulties:photo",
    }
    for name, source in found.items():
        assert "user_file_response(" in source, name


@pytest.mark.parametrize(
    ("filename", "content_type", "inline"),
    [
        ("trang.html", "text/html", True),
        ("anh.svg", "image/svg+xml", True),
        ("anh.svg", "", True),
        ("x.xml", "", True),
        ("x.js", "", True),
        ("tai-lieu.bin", "", True),
    ],
)
def test_a_file_that_would_render_as_a_page_is_a_sandboxed_download(
    filename: str, content_type: str, inline: bool
) -> None:
    response = user_file_response(io.BytesIO(HTML), filename=filename, content_type=content_type, inline=inline)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_served_guide_photo_is_inline_sandboxed_and_nosniff(
    world: World, users: Users, signed_in: Callable[..., Client]
) -> None:
    from cdtt.training.models import Material

    _guides(world, users)("anh.jpg", _gps_jpeg())
    material = Material.objects.latest("pk")
    for url in (f"/dao-tao/tai-lieu/{material.pk}/tep/", f"/app/huong-dan/{material.pk}/tep/"):
        response = signed_in("province_officer").get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
