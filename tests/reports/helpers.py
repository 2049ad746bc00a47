"""Text and font inspection of generated PDFs, with poppler's tools and pypdf."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pypdf


def layout_text(pdf: bytes, tmp_path: Path) -> str:
    """Return the text of ``pdf`` as `pdftotext -layout` lays it out (rows kept)."""
    path = tmp_path / "layout.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def plain_text(pdf: bytes) -> str:
    """Return the text of every page as pypdf extracts it."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts(pdf: bytes) -> dict[str, bool]:
    """Map each font used on any page to whether its program is embedded.

    A TrueType or Type 1 font is embedded when its descriptor carries a
    FontFile, FontFile2 or FontFile3 stream; a Type 0 font is checked through
    its descendant font.
    """
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for font in resources.get_object().get("/Font", {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found[str(font["/BaseFont"])] = embedded
    return found


def pdffonts_rows(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    """Return the rows of `pdffonts`, one list of columns per font."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    )
    return [line.split() for line in done.stdout.splitlines()[2:] if line.strip()]
