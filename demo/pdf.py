"""A small, valid PDF built in code, for the demo agreement documents.

One A4 page of Helvetica text lines. The cross-reference table carries the real byte
offset of every object, so strict readers open it without repairing it.
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 72
TITLE_SIZE, BODY_SIZE = 16, 11
LINE_GAP = 6


def _pdf_text(text: str) -> bytes:
    """A PDF literal string: ASCII only (the standard fonts' encoding), with the three
    characters that have a meaning inside ``( )`` escaped."""
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    escaped = ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})".encode("ascii")


def _content_stream(title: str, lines: Sequence[str]) -> bytes:
    parts = [
        b"BT",
        f"/F1 {TITLE_SIZE} Tf".encode(),
        f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode(),
        _pdf_text(title) + b" Tj",
        f"/F1 {BODY_SIZE} Tf".encode(),
        f"{BODY_SIZE + LINE_GAP} TL".encode(),  # leading: the distance T* moves down
        b"T*",
    ]
    for line in lines:
        parts.append(b"T* " + _pdf_text(line) + b" Tj")
    parts.append(b"ET")
    return b"\n".join(parts)


def text_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A one-page PDF showing ``title`` and then ``lines`` (plain ASCII text)."""
    stream = _content_stream(title, lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
    ]
    # The binary comment line tells transfer tools that the file is not plain text.
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"  # each entry is exactly 20 bytes, as the format requires
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)
