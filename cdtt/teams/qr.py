"""QR codes for chat-group invite links, drawn as SVG with segno (no image library, no network)."""

from __future__ import annotations

import io
import re

import segno

SCALE = 4
_SIZE = re.compile(r'<svg ([^>]*?)width="(\d+)" height="(\d+)"')


def qr_svg(link: str, *, scale: int = SCALE) -> str:
    """Return an SVG QR code (black on white, no XML declaration) for ``link``."""
    # micro=False: a Micro QR is smaller but most phone cameras (and Zalo's scanner) cannot read it.
    code = segno.make(link, micro=False, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, dark="#000", light="#fff", xmldecl=False, nl=False)
    svg = out.getvalue().decode("utf-8")
    # Keep the natural size and add a viewBox, so that the code scales cleanly when shown larger or smaller.
    return _SIZE.sub(r'<svg \1width="\2" height="\3" viewBox="0 0 \2 \3"', svg, count=1)
