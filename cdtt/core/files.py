"""User files in and out: the real type from the content, and responses that never run as a page.

Every file a user uploads (a guide, a decision's scan, a photo) is served from the platform's own origin, so a
file that a browser would render as HTML or SVG could run script with the viewer's session. Files are checked
by their first bytes on the way in, and on the way out every response says exactly what it is (nosniff), is
sandboxed by its own Content-Security-Policy, and is a download unless it is a type a browser only displays.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError

_ZIP = b"PK"  # local header, empty archive or spanned: all start with "PK", which no browser renders as a page
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"

# The first bytes each accepted extension must start with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (_ZIP,),
    ".pptx": (_ZIP,),
    ".xlsx": (_ZIP,),
    ".zip": (_ZIP,),
    ".doc": (_OLE,),
    ".ppt": (_OLE,),
    ".png": (_PNG,),
    ".jpg": (_JPEG,),
    ".jpeg": (_JPEG,),
}

# Shown in the browser rather than downloaded: types a browser displays and never runs as a page.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4"}
# A PDF viewer does not work inside a CSP sandbox; the other types do not need one to display.
_SANDBOX = "default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'none'; sandbox"
_PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"


def extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot != -1 else ""


def content_matches(head: bytes, ext: str) -> bool:
    """Whether a file's first bytes are what its extension says (an .mp4 has "ftyp" at offset 4)."""
    if ext == ".mp4":
        return head[4:8] == b"ftyp"
    return any(head.startswith(signature) for signature in SIGNATURES.get(ext, ()))


def check_content(upload: Any, *, field: str = "file") -> None:
    """Refuse a file whose content is not what its name says (an HTML page renamed .pdf, a script .png)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ext = extension(upload.name or "")
    if not content_matches(head, ext):
        raise DomainError(
            _("The content of “%(name)s” is not a %(type)s file. Choose the real file.")
            % {"name": upload.name or "", "type": ext.lstrip(".").upper()},
            field=field,
        )


def user_file_response(handle: Any, *, filename: str, content_type: str = "", inline: bool = False) -> FileResponse:
    """Serve a user's file so that it can only be displayed or downloaded, never run as a page."""
    kind = (content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream").split(";")[0].lower()
    if kind not in INLINE_TYPES:
        inline, kind = False, "application/octet-stream" if _renders_as_page(kind) else kind
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _PDF_POLICY if kind == "application/pdf" else _SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _renders_as_page(kind: str) -> bool:
    return kind.startswith("text/") or "html" in kind or "xml" in kind or "svg" in kind or "javascript" in kind
