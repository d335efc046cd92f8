"""The size at which a figure's SVG text is rendered (scripts/check-book.py):
each <text>'s font size, in the SVG's user units, scaled by the size the
<img> is shown at, must reach MIN_TEXT_PX."""

import base64
import re
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

MIN_TEXT_PX = 11.0

# ------------------------------------------------------------ SVG text size

LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z%]*)\s*$")
KEYWORDS = {"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18,
            "x-large": 24, "xx-large": 32, "xxx-large": 48}


def font_size(value, inherited):
    """A CSS/SVG font-size in px (user units), relative ones against inherited."""
    value = value.strip().lower()
    if value in KEYWORDS:
        return KEYWORDS[value]
    m = LENGTH.match(value)
    if not m:
        return inherited
    n, unit = float(m.group(1)), m.group(2)
    return {"": n, "px": n, "pt": n * 4 / 3, "pc": n * 16, "in": n * 96, "cm": n * 96 / 2.54,
            "mm": n * 96 / 25.4, "em": n * inherited, "rem": n * 16, "%": n * inherited / 100,
            "ex": n * inherited / 2}.get(unit, inherited)


def own_font_size(el, inherited):
    style = el.get("style") or ""
    m = re.search(r"font-size\s*:\s*([^;]+)", style)
    if m:
        return font_size(m.group(1), inherited)
    if el.get("font-size"):
        return font_size(el.get("font-size"), inherited)
    m = re.search(r"(?:^|;)\s*font\s*:\s*(?:[^;]*?\s)?([\d.]+(?:px|pt|em|%)?)(?:/[\d.]+\S*)?\s+[^;]+", style)
    return font_size(m.group(1), inherited) if m else inherited


def svg_texts(root):
    """(font-size in user units, text) of every <text>/<tspan> holding text."""
    out = []

    def walk(el, size):
        size = own_font_size(el, size)
        is_text = el.tag.rsplit("}", 1)[-1] in ("text", "tspan", "textPath")
        if is_text and (el.text or "").strip():
            out.append((size, el.text.strip()))
        for child in el:
            walk(child, size)
            if is_text and (child.tail or "").strip():  # <text>a<tspan>b</tspan>c</text>: c is the text's
                out.append((size, child.tail.strip()))

    walk(root, 16.0)
    return out


def svg_user_size(root):
    """The SVG's own width and height in user units: its viewBox, else width/height."""
    vb = root.get("viewBox")
    if vb:
        parts = [float(p) for p in re.split(r"[\s,]+", vb.strip()) if p]
        if len(parts) == 4 and parts[2] > 0 and parts[3] > 0:
            return parts[2], parts[3], "viewBox"
    size = []
    for attr in ("width", "height"):
        m = LENGTH.match(root.get(attr) or "")
        size.append(font_size(root.get(attr), 16) if m and m.group(2) != "%" else None)
    return size[0], size[1], "width/height"


def svg_bytes(src, base):
    if src.startswith("data:"):
        head, _, body = src.partition(",")
        if not head.split(";")[0][5:].startswith("image/svg"):
            return None
        return base64.b64decode(body) if head.endswith(";base64") else urllib.parse.unquote_to_bytes(body)
    if urllib.parse.urlsplit(src).path.lower().endswith(".svg") and src.startswith(base):
        with urllib.request.urlopen(src, timeout=10) as r:
            return r.read()
    return None


def check_svg_text(images, base):
    """Problems, and the smallest rendered SVG text size of the page (or None)."""
    problems, smallest = [], None
    for img in images:
        try:
            data = svg_bytes(img["src"], base)
        except OSError as e:
            problems.append(f"image {img['index']}: could not fetch {img['src'][:80]}: {e}")
            continue
        if data is None:
            continue
        name = f"{'figure' if img['figure'] else 'image'} {img['index']}"
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            problems.append(f"{name}: its SVG does not parse: {e}")
            continue
        texts = svg_texts(root)
        if not texts:
            continue
        if img["width"] <= 0:
            continue  # not displayed (display:none), so nothing to read
        uw, uh, source = svg_user_size(root)
        uw = uw or img["naturalWidth"]
        uh = uh or img["naturalHeight"]
        if not uw:
            problems.append(f"{name}: the SVG has no viewBox, width or natural width to scale by")
            continue
        scale = img["width"] / uw
        if uh and img["height"] > 0:
            scale = min(scale, img["height"] / uh)
        sizes = sorted((s * scale, s, t) for s, t in texts)
        low = [x for x in sizes if x[0] < MIN_TEXT_PX - 1e-6]
        px, user, text = sizes[0]
        smallest = px if smallest is None else min(smallest, px)
        if low:
            user_sizes = sorted({round(s, 2) for _, s, _ in low})
            examples = ", ".join(f"'{t[:20]}'" for _, _, t in low[:4])
            problems.append(
                f"{name}: SVG text rendered below {MIN_TEXT_PX:g} px: {len(low)} of {len(texts)} texts "
                f"(e.g. {examples}); font-size {'/'.join(f'{s:g}' for s in user_sizes[:6])} in an SVG "
                f"{uw:g}x{uh or 0:g} ({source}) shown {img['width']:.0f}x{img['height']:.0f} px "
                f"(scale {scale:.3f}): smallest {user:g} -> {px:.1f} px; needs scale >= "
                f"{MIN_TEXT_PX / user:.3f} or font-size >= {MIN_TEXT_PX / scale:.1f}")
    return problems, smallest
