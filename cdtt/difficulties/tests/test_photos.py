"""Photos: only real JPEG or PNG images, not too large, stored without EXIF or GPS."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cdtt.core.errors import DomainError
from cdtt.difficulties.images import clean_image
from cdtt.difficulties.models import Difficulty, DifficultyPhoto
from cdtt.difficulties.tests.conftest import FIXTURES
from conftest import Users

JPEG = (FIXTURES / "python.jpg").read_bytes()
PNG = (FIXTURES / "python.png").read_bytes()
GPS_MARK = b"GPS-21.0285N-105.8542E"


def _exif_app1(orientation: int) -> bytes:
    """An EXIF segment as a phone writes it: IFD0 with Make, Orientation and a GPS pointer, and a GPS IFD."""
    entries = [
        (0x010F, 2, len(b"PhoneMaker\x00"), 0),  # Make, value at an offset (filled below)
        (0x0112, 3, 1, orientation << 16),
        (0x8825, 4, 1, 0),  # GPS IFD pointer (filled below)
    ]
    ifd0 = 8
    ifd0_size = 2 + 12 * len(entries) + 4
    make_at = ifd0 + ifd0_size
    gps_at = make_at + len(b"PhoneMaker\x00")
    entries[0] = (0x010F, 2, len(b"PhoneMaker\x00"), make_at)
    entries[2] = (0x8825, 4, 1, gps_at)
    tiff = b"MM\x00\x2a" + struct.pack(">I", ifd0) + struct.pack(">H", len(entries))
    for tag, kind, count, value in entries:
        tiff += struct.pack(">HHII", tag, kind, count, value)
    tiff += struct.pack(">I", 0) + b"PhoneMaker\x00"
    gps_value_at = gps_at + 2 + 12 + 4
    tiff += struct.pack(">H", 1) + struct.pack(">HHII", 0x0002, 2, len(GPS_MARK), gps_value_at) + struct.pack(">I", 0)
    tiff += GPS_MARK
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _with_exif(orientation: int = 6) -> bytes:
    comment = b"\xff\xfe" + struct.pack(">H", 2 + 12) + b"owner: Binh!"
    return JPEG[:2] + _exif_app1(orientation) + comment + JPEG[2:] + b"trailer after the image " + GPS_MARK


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_phone_photo_loses_exif_gps_comments_and_trailer_but_keeps_its_orientation() -> None:
    raw = _with_exif(orientation=6)
    assert GPS_MARK in raw and b"PhoneMaker" in raw
    clean = clean_image(raw)
    assert (clean.content_type, clean.width, clean.height) == ("image/jpeg", 16, 16)
    assert GPS_MARK not in clean.data and b"PhoneMaker" not in clean.data and b"owner" not in clean.data
    assert clean.data.endswith(b"\xff\xd9")
    # What remains: the original image's own segments, with one EXIF segment holding the orientation alone.
    assert clean.data.count(b"Exif\x00\x00") == 1
    tiff = clean.data[clean.data.index(b"Exif\x00\x00") + 6 :]
    assert struct.unpack(">HHHIH", tiff[8:20]) == (1, 0x0112, 3, 1, 6)  # one entry: the orientation
    assert clean_image(clean.data).data == clean.data  # cleaning is stable


def test_a_photo_without_orientation_gets_no_exif_at_all() -> None:
    clean = clean_image(_with_exif(orientation=1))
    assert b"Exif" not in clean.data


def test_png_text_chunks_are_dropped() -> None:
    text = _chunk(b"tEXt", b"Comment\x00" + GPS_MARK)
    raw = PNG[:33] + text + PNG[33:]
    clean = clean_image(raw)
    assert GPS_MARK not in clean.data and clean.content_type == "image/png"
    assert clean.data == clean_image(PNG).data


@pytest.mark.parametrize(
    "data",
    [
        b"day la mot tep van ban, khong phai anh\n" * 10,
        JPEG[:200],  # cut short
        PNG[:-12],  # no end chunk
        PNG[:40] + b"X" + PNG[41:],  # a damaged chunk (bad CRC)
        b"\xff\xd8\xff\xd9",  # markers only, no image
        b"",
    ],
    ids=["text", "truncated-jpeg", "truncated-png", "bad-crc", "empty-jpeg", "empty"],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(DomainError) as refused:
        clean_image(data)
    assert refused.value.field == "photos"


def test_a_decompression_bomb_is_refused() -> None:
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + _chunk(b"IEND", b"")
    with pytest.raises(DomainError) as refused:
        clean_image(bomb)
    assert "điểm ảnh" in refused.value.message


def _raise(client: Client, *files: SimpleUploadedFile) -> Any:
    data: dict[str, Any] = {"category": "devices", "description": "Máy hỏng.", "photos": list(files)}
    return client.post("/kho-khan/moi/", data)


def test_a_text_file_renamed_jpg_is_refused_and_nothing_is_saved(
    signed_in: Callable[..., Client], users: Users
) -> None:
    fake = SimpleUploadedFile("anh.jpg", b"khong phai anh " * 50, content_type="image/jpeg")
    response = _raise(signed_in("team_member"), fake)
    assert response.status_code == 400
    assert "JPEG hoặc PNG" in response.content.decode()
    assert not Difficulty.objects.exists() and not DifficultyPhoto.objects.exists()


def test_a_too_large_photo_is_refused(signed_in: Callable[..., Client], users: Users, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1000  # below the 1,020-byte PNG (the middleware allows the form's overhead)
    big = SimpleUploadedFile("anh.png", PNG, content_type="image/png")
    response = _raise(signed_in("team_member"), big)
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert not Difficulty.objects.exists()


def test_too_many_photos_are_refused(signed_in: Callable[..., Client], users: Users) -> None:
    photos = [SimpleUploadedFile(f"{n}.jpg", JPEG, content_type="image/jpeg") for n in range(4)]
    assert _raise(signed_in("team_member"), *photos).status_code == 400
    assert not Difficulty.objects.exists()


def test_the_stored_photo_has_no_exif(signed_in: Callable[..., Client], users: Users) -> None:
    photo = SimpleUploadedFile("IMG_2031.jpg", _with_exif(), content_type="image/jpeg")
    response = _raise(signed_in("team_member"), photo)
    assert response.status_code == 302
    stored = DifficultyPhoto.objects.get()
    assert "IMG_2031" not in str(stored.file.name)  # the phone's file name is not kept either
    with stored.file.open("rb") as handle:
        data = handle.read()
    assert GPS_MARK not in data and b"PhoneMaker" not in data
    assert stored.size == len(data) and (stored.width, stored.height) == (16, 16)
    served = signed_in("commune_officer").get(f"/kho-khan/{stored.difficulty_id}/anh/{stored.pk}/")
    assert b"".join(served.streaming_content) == data  # type: ignore[attr-defined]
