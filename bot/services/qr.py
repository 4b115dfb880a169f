"""QR codes as PNG pictures (e.g. the check-in link a leader puts up at a duty's site)."""

from __future__ import annotations

import io


def qr_png(text: str) -> bytes:
    """``text`` (a link) as a QR code in a PNG, large enough to scan from a printed sheet."""
    import qrcode  # loaded when a code is made, not at start (it brings Pillow)

    image = qrcode.make(text, box_size=12, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
