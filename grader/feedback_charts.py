"""Charts that a feedback notebook shows untrusted.

A feedback notebook comes from the grader, not from the student's own session, so Jupyter opens it
untrusted. JupyterLab and the classic Notebook then render no image/svg+xml output: they show its
text/plain line (or "Cannot display an untrusted SVG"). They do render sanitized text/html, and their
sanitizer keeps an <img> whose src is a data: URL. So each chart output also gets a text/html form: the
same SVG as an <img>, with the chart's description as its alt text. A trusted front end shows that
HTML too (it ranks text/html above SVG): the same picture either way. The SVG stays in the output for
tools that read it.
"""
import base64
import html
import re

SVG = "image/svg+xml"
HTML = "text/html"
_ROOT = re.compile(r"<svg\b[^>]*>")


def _attribute(tag, name):
    m = re.search(rf'\s{name}="([^"]*)"', tag)
    return html.unescape(m.group(1)) if m else None


def _description(svg, fallback):
    """The chart's description: its aria-label, else its <title>, else the output's text/plain."""
    root = _ROOT.search(svg)
    label = _attribute(root.group(0), "aria-label") if root else None
    title = re.search(r"<title>([^<]*)</title>", svg)
    text = label or (html.unescape(title.group(1)) if title else None) or fallback
    return " ".join(text.split())


def image_html(svg, fallback=""):
    """An <img> showing `svg`, as big as the SVG says, with the chart's description as alt text."""
    if not isinstance(svg, str):
        raise ValueError(f"svg: expected the SVG document as a string, got {type(svg).__name__}")
    root = _ROOT.search(svg)
    size = ""
    for name in ("width", "height"):
        value = _attribute(root.group(0), name) if root else None
        if value and re.fullmatch(r"\d+(\.\d+)?", value):
            size += f' {name}="{value}"'
    if root and "xmlns=" not in root.group(0):
        # An image of SVG needs its namespace (an inline <svg> does not): added as JupyterLab adds it.
        svg = svg[: root.start()] + '<svg xmlns="http://www.w3.org/2000/svg"' + svg[root.start() + 4 :]
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:{SVG};base64,{data}" alt="{html.escape(_description(svg, fallback))}"{size}>'


def add_untrusted_charts(cells):
    """Gives every SVG output of `cells` (nbformat cells, changed in place) a text/html <img> form; returns how many."""
    added = 0
    for cell in cells:
        for output in cell.get("outputs", []):
            data = output.get("data") if output.get("output_type") in ("display_data", "execute_result") else None
            if not data or SVG not in data or HTML in data:
                continue
            svg = data[SVG]
            svg = "".join(svg) if isinstance(svg, list) else svg
            plain = data.get("text/plain", "")
            data[HTML] = image_html(svg, "".join(plain) if isinstance(plain, list) else plain)
            added += 1
    return added
