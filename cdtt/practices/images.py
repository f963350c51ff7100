"""Check that an upload really is an image, and re-encode it without its metadata.

Photos from phones carry EXIF: the camera, the time and often the GPS position of a resident's house.
Under the personal-data law (Law 91/2025/QH15) we keep none of it: every image is decoded by Pillow,
turned upright, scaled down and saved again as a fresh JPEG that holds only the pixels.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # MPO: the JPEG variant some phone cameras write
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
MAX_SIDE = 1600  # enough for a phone screen and a printed page; keeps pages light on 3G
JPEG_QUALITY = 82


def max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def clean_image(upload: UploadedFile) -> tuple[ContentFile[bytes], int, int]:
    """Return the re-encoded JPEG (no EXIF, no GPS) and its size; a DomainError for anything else."""
    # Imported here: a machine without Pillow (requirements.txt) still serves every other page, and refuses
    # photos with a clear message rather than keeping a file it cannot check.
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:
        raise DomainError(
            _("Photos cannot be checked on this server right now. Save the post without photos and add them later."),
            field="images",
        ) from None

    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise DomainError(
            _("The image is too large (at most %(mb)d MB).") % {"mb": limit // (1024 * 1024)}, field="images"
        )
    not_image = _("“%(name)s” is not an image. Choose a JPEG, PNG or WebP photo.") % {"name": upload.name or ""}
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise DomainError(not_image, field="images")
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(_("The image has too many pixels (at most 40 megapixels)."), field="images")
            probe.verify()  # a truncated or forged file fails here
        upload.seek(0)
        with Image.open(upload) as source:
            source.load()
            picture = ImageOps.exif_transpose(source)  # keep the photo upright once the EXIF is gone
            if picture.mode not in ("RGB", "L"):
                background = Image.new("RGB", picture.size, "white")
                rgba = picture.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                picture = background
            picture.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # A new image object: no exif=, no icc_profile=, no comment: nothing but the pixels is written.
            clean = Image.new(picture.mode, picture.size)
            clean.paste(picture)
            clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise DomainError(not_image, field="images") from None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue()), clean.width, clean.height
