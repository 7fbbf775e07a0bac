"""What a student sees must make its point: rules over a notebook's rendered outputs.

Used by run_notebooks.py on every notebook it runs (so every lesson, both versions), and usable alone:
    rendered.py EXECUTED.ipynb ...   (prints the problems; exit 1 when there are any)

The rules (what a student must be able to read in every lesson):
- an SVG chart is at most MAX_WIDTH px wide, and none of its text is cut off ("…") or runs past its
  edges (estimated from the text's position, anchor and font size: a chart that hides its legend or
  its labels hides the point);
- no text in a chart is a number printed with six decimals (`0.000000`: an axis with nothing to show);
- no cell of an HTML table holds JSON (`{"readErrors":"544 + 600"}`): tables are for people.
"""
import html
import json
import re
import sys
import xml.etree.ElementTree as ET

MAX_WIDTH = 900
SVG_NS = "{http://www.w3.org/2000/svg}"
SIX_DECIMALS = re.compile(r"\d\.\d{6}\b")
TRANSLATE = re.compile(r"translate\(\s*(-?[\d.e+-]+)[ ,]+(-?[\d.e+-]+)\s*\)")
# Average glyph width of sans-serif text, in em: a low estimate, so that only clear overflows count.
EM_PER_CHAR = 0.5
SLACK_PX = 4


def _translate(el):
    t = el.get("transform") or ""
    if "rotate" in t or "scale" in t or "matrix" in t:
        return None  # not a plain offset: we do not estimate where its text ends
    m = TRANSLATE.search(t)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def _font_px(el, inherited):
    size = el.get("font-size")
    if size and size.endswith("px"):
        return float(size[:-2])
    return inherited


def svg_problems(svg):
    """Problems of one SVG document, in words."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        return [f"an SVG that does not parse ({exc})"]
    problems = []
    try:
        width = float(root.get("width", "0").replace("px", ""))
    except ValueError:
        width = 0.0
    if width > MAX_WIDTH:
        problems.append(f"a chart {width:.0f} px wide (at most {MAX_WIDTH})")

    def walk(el, x, y, font, plain):
        offset = _translate(el)
        if offset is None:
            plain = False
        else:
            x, y = x + offset[0], y + offset[1]
        font = _font_px(el, font)
        if el.tag == SVG_NS + "text":
            text = "".join(el.itertext()).strip()
            if text.endswith("…") or text.endswith("..."):
                problems.append(f"chart text cut off: {text!r}")
            if SIX_DECIMALS.search(text):
                problems.append(f"chart text with six decimals: {text!r}")
            if plain and width and text:
                w = len(text) * font * EM_PER_CHAR
                anchor = el.get("text-anchor", "start")
                try:  # a text placed by its own x attribute (hand-drawn SVG) rather than a translate (Vega)
                    own_x = float(el.get("x", "0").replace("px", ""))
                except ValueError:
                    own_x = 0.0
                left = x + own_x - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
                if left < -SLACK_PX or left + w > width + SLACK_PX:
                    problems.append(f"chart text runs past the chart's edge ({width:.0f} px): {text!r}")
        for child in el:
            walk(child, x, y, font, plain)

    walk(root, 0.0, 0.0, 10.0, True)
    return problems


CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
TAG = re.compile(r"<[^>]+>")
SVG_IN_HTML = re.compile(r"<svg\b.*?</svg>", re.S)


def html_problems(text):
    problems = []
    for raw in CELL.findall(text):
        cell = html.unescape(TAG.sub("", raw)).strip()
        if cell[:1] in "{[" and cell[-1:] in "}]":
            try:
                json.loads(cell)
            except ValueError:
                continue
            problems.append(f"a table cell holds JSON: {cell[:80]!r}")
    for svg in SVG_IN_HTML.findall(text):
        problems += svg_problems(svg)
    return problems


def output_problems(output):
    """Problems of one cell output (a display_data or execute_result)."""
    data = output.get("data") or {}
    text = lambda v: "".join(v) if isinstance(v, list) else (v or "")
    if "image/svg+xml" in data:
        return svg_problems(text(data["image/svg+xml"]))
    if "text/html" in data:
        return html_problems(text(data["text/html"]))
    return []


def notebook_problems(nb):
    """[(cell index, problem)] over every output of an executed notebook (a dict, nbformat 4)."""
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        seen = set()
        for output in cell.get("outputs", []) or []:
            for p in output_problems(output):
                if p not in seen:  # one line per distinct problem and cell
                    seen.add(p)
                    found.append((index, p))
    return found


def main(paths):
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for index, problem in notebook_problems(json.load(f)):
                print(f"{path}: cell {index}: {problem}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
