#!/usr/bin/env python3
"""Builds the two extra bundled font families from Debian's Noto packages (bookworm).

Noto Sans (assets/fonts/NotoSans-*.ttf) covers Latin (Vietnamese included) and Cyrillic.
It has no Arabic or Chinese, and the software renderer falls back only to *system* fonts,
which a bare kiosk image does not have. So every language gets one family that covers all
the text its screens show, including Latin (clinician names, the practice name):

- "Kiosk Sans Arabic": Noto Sans Arabic merged with the Latin of Noto Sans.
- "Kiosk Sans SC": Noto Sans CJK SC cut down to Latin, punctuation, the 6,763 hanzi of
  GB 2312 (everyday Simplified Chinese) and every character of locales/zh.yml and
  assets/forms. The full font is 19 MB per weight; the cut is about 2 MB.

Usage (needs python3-fonttools, or `pip install fonttools`):
    scripts/make-fonts.py            # downloads the .debs with apt-get, writes assets/fonts
The output is committed; CI and builds never run this.
"""

import glob
import os
import pathlib
import subprocess
import sys
import tempfile

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTCollection, TTFont

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "fonts"

LATIN = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x250))  # Latin-1, Latin Extended-A/B
    + list(range(0x300, 0x370))  # combining marks
    + list(range(0x1E00, 0x1F00))  # Latin Extended Additional (Vietnamese)
    + list(range(0x2000, 0x2070))  # general punctuation
    + [0x20AC, 0x2116, 0x2122, 0x2190, 0x2192, 0x2212, 0x25CF]
)


def extract(workdir: pathlib.Path) -> pathlib.Path:
    subprocess.run(
        ["apt-get", "download", "fonts-noto-core", "fonts-noto-cjk"],
        cwd=workdir,
        check=True,
    )
    root = workdir / "root"
    for deb in glob.glob(str(workdir / "*.deb")):
        subprocess.run(["dpkg-deb", "-x", deb, str(root)], check=True)
    return root


def rename(font: TTFont, family: str, style: str) -> None:
    """Give the derived font its own family name (OFL: a modified font is renamed)."""
    name = font["name"]
    postscript = f"{family.replace(' ', '')}-{style}"
    for record in list(name.names):
        if record.nameID in (1, 16):
            name.setName(family, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (2, 17):
            name.setName(style, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            name.setName(f"{family} {style}", 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6):
            name.setName(postscript, record.nameID, record.platformID, record.platEncID, record.langID)


def subset_font(font: TTFont, codepoints) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)


def arabic(root: pathlib.Path, style: str) -> None:
    noto = root / "usr/share/fonts/truetype/noto"
    with tempfile.TemporaryDirectory() as tmp:
        latin = TTFont(noto / f"NotoSans-{style}.ttf")
        subset_font(latin, LATIN)
        latin_path = os.path.join(tmp, "latin.ttf")
        latin.save(latin_path)
        # The Arabic font comes first: its line metrics are the taller ones, and its digits
        # and punctuation win where both fonts have a glyph.
        merged = Merger().merge([str(noto / f"NotoSansArabic-{style}.ttf"), latin_path])
    # Noto Sans Arabic's line box (1374 up, 738 down) is 1.55 times Noto Sans's: Arabic
    # screens would run out of room. Its letters span -421..940; 1100/-500 holds them and
    # the marks above, at 1.17 times the Latin line.
    merged["hhea"].ascent, merged["hhea"].descent, merged["hhea"].lineGap = 1100, -500, 0
    os2 = merged["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = 1100, -500, 0
    os2.usWinAscent, os2.usWinDescent = 1100, 500
    rename(merged, "Kiosk Sans Arabic", style)
    # The same input gives the same file: keep the Arabic font's dates.
    source_head = TTFont(noto / f"NotoSansArabic-{style}.ttf")["head"]
    merged["head"].created, merged["head"].modified = source_head.created, source_head.modified
    merged.recalcTimestamp = False
    merged.save(OUT / f"KioskSansArabic-{style}.ttf")


def texts_in(pattern: str) -> str:
    return "".join(pathlib.Path(p).read_text(encoding="utf-8") for p in glob.glob(str(ROOT / pattern)))


def gb2312_hanzi():
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                yield ord(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass


def chinese(root: pathlib.Path, style: str) -> None:
    ttc = TTCollection(root / f"usr/share/fonts/opentype/noto/NotoSansCJK-{style}.ttc")
    font = next(f for f in ttc.fonts if "Noto Sans CJK SC" in str(f["name"].getDebugName(1)))
    wanted = set(LATIN) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    wanted |= set(gb2312_hanzi())
    wanted |= {ord(c) for c in texts_in("locales/zh.yml") + texts_in("assets/forms/*.json")}
    subset_font(font, sorted(wanted))
    rename(font, "Kiosk Sans SC", style)
    font.recalcTimestamp = False
    font.save(OUT / f"KioskSansSC-{style}.otf")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = extract(pathlib.Path(tmp))
        for style in ("Regular", "Bold"):
            arabic(root, style)
            chinese(root, style)
    for path in sorted(OUT.glob("KioskSans*")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
