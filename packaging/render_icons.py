"""Render resources/icon.svg to the PNG sizes, the Windows .ico and the macOS .icns the installers need.

Run from anywhere: ``.venv/bin/python packaging/render_icons.py`` (rewrites resources/icons/*; commit the result).
PNGs are drawn with Qt's own SVG renderer, so no Pillow or Inkscape is needed; .ico and .icns are simple containers
of PNG images, written here byte by byte.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SVG = REPO / "resources" / "icon.svg"
OUT = REPO / "resources" / "icons"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Windows shows 16–48 in lists and 256 in large views; PNG entries are valid in .ico since Vista.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# .icns element types holding PNG data, by pixel size (Apple's "@2x" types reuse the doubled pixel size).
ICNS_TYPES: tuple[tuple[bytes, int], ...] = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
    (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512),
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_name(size: int) -> str:
    return f"icon-{size}.png"


def render_pngs(svg: Path, sizes: Iterable[int]) -> dict[int, bytes]:
    """Draw the SVG at each size onto a transparent ARGB image and return the PNG bytes by size."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    out: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buf, "PNG"):
            raise RuntimeError(f"Qt could not encode the {size}px PNG")
        buf.close()
        out[size] = bytes(data.data())
    return out


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if png[:8] != PNG_MAGIC or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def ico_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """An .ico file: ICONDIR, one 16-byte ICONDIRENTRY per image, then the PNG images themselves."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries = b""
    for size in sizes:
        if not 1 <= size <= 256:
            raise ValueError(f".ico images are at most 256 px, got {size}")
        data = pngs[size]
        # A width/height byte of 0 means 256; planes 1, 32 bits per pixel, no palette.
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(pngs[s] for s in sizes)


def icns_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """An .icns file: 'icns' + total length, then (type, length including its 8-byte header, PNG) elements."""
    body = b""
    for kind, size in ICNS_TYPES:
        if size in pngs:
            body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    if not body:
        raise ValueError("no PNG of an .icns size was given")
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_all(svg: Path = SVG, out: Path = OUT) -> list[Path]:
    pngs = render_pngs(svg, PNG_SIZES)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for size, data in pngs.items():
        path = out / png_name(size)
        path.write_bytes(data)
        written.append(path)
    for name, data in (("icon.ico", ico_bytes({s: pngs[s] for s in ICO_SIZES})), ("icon.icns", icns_bytes(pngs))):
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SVG)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    for path in write_all(args.svg, args.out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
