"""Photos sent with a difficulty: prove a file is a JPEG or PNG image and drop its metadata.

Phone photos carry EXIF (the phone's make, the time, often GPS coordinates of where it was taken): personal
data the platform does not need (Decree 13/2023). The file is walked segment by segment; only the parts an
image needs to be drawn are kept (allow-list), plus the EXIF orientation alone, so that a portrait photo
still shows upright. Anything after the end-of-image marker (phone makers append extra data there) is
dropped. A file whose structure does not hold (a text file renamed .jpg, a truncated upload) is refused.

Pure Python on purpose: the environment has no imaging library; a re-encode would need one.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError

MAX_PIXELS = 50_000_000  # 50 megapixels: more than any phone camera, less than a decompression bomb

JPEG_SOI = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Markers without a length field.
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Start-of-frame markers (not DHT C4, JPG C8, DAC CC): they carry the image size.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# Segments an image needs: frames, tables (DHT, DAC, DQT, DRI, DNL), scans, restart markers.
_JPEG_KEEP = _SOF | {0xC4, 0xCC, 0xDB, 0xDD, 0xDC, 0xDA}
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs"}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


class _Invalid(Exception):
    pass


def clean_image(data: bytes) -> CleanImage:
    """The image without its metadata; DomainError with a Vietnamese message when it is not a JPEG or PNG."""
    try:
        if data.startswith(JPEG_SOI):
            body, width, height = _jpeg(data)
            image = CleanImage(body, "image/jpeg", "jpg", width, height)
        elif data.startswith(PNG_SIGNATURE):
            body, width, height = _png(data)
            image = CleanImage(body, "image/png", "png", width, height)
        else:
            raise _Invalid
    except (_Invalid, struct.error, IndexError):
        raise DomainError(_("The photo must be a JPEG or PNG image."), field="photos") from None
    if width < 1 or height < 1:
        raise DomainError(_("The photo must be a JPEG or PNG image."), field="photos")
    if width * height > MAX_PIXELS:
        raise DomainError(_("The photo has too many pixels; send a smaller one."), field="photos")
    return image


# -- JPEG ---------------------------------------------------------------------------------------------


def _jpeg(data: bytes) -> tuple[bytes, int, int]:
    out = bytearray(JPEG_SOI)
    pos = 2
    size: tuple[int, int] | None = None
    in_scan = False
    orientation = 0
    exif_at: int | None = None
    while True:
        if in_scan:
            pos = _scan_end(data, pos)  # the next marker after the entropy-coded data
        if pos + 1 >= len(data) or data[pos] != 0xFF:
            raise _Invalid
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # end of image: whatever follows is dropped
            if size is None or not in_scan:
                raise _Invalid
            out += b"\xff\xd9"
            break
        if marker in _STANDALONE:
            out += bytes((0xFF, marker))
            continue
        if marker in (0xD8, 0x00):
            raise _Invalid
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > len(data):
            raise _Invalid
        segment = data[pos + 2 : pos + length]
        pos += length
        if marker in _SOF:
            _precision, height, width = struct.unpack(">BHH", segment[:5])
            size = (width, height)
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            orientation = orientation or _exif_orientation(segment[6:])
            exif_at = exif_at if exif_at is not None else len(out)
        if _keep_jpeg(marker, segment):
            out += bytes((0xFF, marker)) + struct.pack(">H", length) + segment
        if marker == 0xDA:
            if size is None:
                raise _Invalid
            in_scan = True
    if size is None:
        raise _Invalid
    if orientation > 1 and exif_at is not None:
        out[exif_at:exif_at] = _orientation_segment(orientation)
    return bytes(out), size[0], size[1]


def _keep_jpeg(marker: int, segment: bytes) -> bool:
    if marker in _JPEG_KEEP:
        return True
    if marker == 0xE0:  # APP0: the JFIF header only (not JFXX thumbnails or other makers' data)
        return segment.startswith(b"JFIF\x00")
    if marker == 0xE2:  # APP2: the colour profile only
        return segment.startswith(b"ICC_PROFILE\x00")
    if marker == 0xEE:  # APP14: Adobe's colour transform flag, needed to draw the colours right
        return segment.startswith(b"Adobe")
    return False  # EXIF, XMP, IPTC, comments, makers' notes, thumbnails


def _scan_end(data: bytes, pos: int) -> int:
    """The position of the first marker after entropy-coded data (skipping stuffed bytes and restarts)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise _Invalid
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def _exif_orientation(tiff: bytes) -> int:
    """The Orientation tag (1-8) of IFD0, or 0 when there is none or the EXIF is malformed."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        magic, ifd = struct.unpack(order + "HI", tiff[2:8])
        if magic != 42:
            return 0
        (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
        for index in range(count):
            entry = tiff[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
            tag, kind, _count = struct.unpack(order + "HHI", entry[:8])
            if tag == 0x0112 and kind == 3:
                (value,) = struct.unpack(order + "H", entry[8:10])
                return value if 1 <= value <= 8 else 0
    except (KeyError, struct.error):
        return 0
    return 0


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 EXIF segment holding nothing but the orientation."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


# -- PNG ----------------------------------------------------------------------------------------------


def _png(data: bytes) -> tuple[bytes, int, int]:
    out = bytearray(PNG_SIGNATURE)
    pos = len(PNG_SIGNATURE)
    size: tuple[int, int] | None = None
    has_data = False
    while True:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 8 + length + 4
        if end > len(data):
            raise _Invalid
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            raise _Invalid
        if size is None:
            if kind != b"IHDR" or length != 13:
                raise _Invalid
            size = struct.unpack(">II", body[:8])
        has_data = has_data or kind == b"IDAT"
        if kind in _PNG_KEEP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    if size is None or not has_data:
        raise _Invalid
    return bytes(out), size[0], size[1]
