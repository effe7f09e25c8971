"""Why a link is invisible to a reader (暗链 detection), read from the page alone.

Pure lxml and cheap, because it runs on every link of every page: only the inline `style` and
attributes of the <a> and its ancestors are read, plus the simple top-level `.class` / `#id` /
`tag.class` rules of the page's own <style> blocks. No external stylesheet, no cascade engine.

A reason is a short string `TECHNIQUE [detail] @where`, e.g. `offscreen left:-9999px @div`,
`display-none @ul.subnav`, `display-none .hide{} @div.hide`. `where` names the element that
hides the link (tag, first class, id), so a check can tell a bare injected `<div>` from a menu
panel that a script opens (JS-toggled menus are common on real government sites).

Techniques (standards.md §7 dark_links: "links hidden via CSS (display:none, off-screen, 0-size
font)"):
- strong — no reason for a reader-facing link to be there: `offscreen` (position absolute/fixed/
  relative with left/top/right ≤ -999px, or margin-left/margin-top ≤ -999px), `text-indent`
  (≤ -999px), `zero-size` (width or height ≤ 1px with overflow hidden), `font-size-0` (on the
  link or inline wrappers around it, and only for a link without an image), `marquee` (a
  <marquee> at most 5px high or wide);
- soft — what scripts toggle for menus and panels: `display-none`, `visibility-hidden`,
  `hidden-attribute`.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SOFT", "STRONG", "HiddenLinks", "is_named", "technique"]

STRONG = frozenset({"offscreen", "text-indent", "zero-size", "font-size-0", "marquee"})
SOFT = frozenset({"display-none", "visibility-hidden", "hidden-attribute"})

OFFSCREEN_PX = -999.0  # issue 3; injected links use -999px … -99999px, layouts never
TINY_PX = 1.0  # a box this small with overflow hidden shows nothing
MARQUEE_PX = 5.0  # a real news ticker is at least a line high

# A style worth parsing: it hides something, or undoes an inherited visibility/font-size.
_STYLE_HINT_RE = re.compile(r"none|hidden|collapse|visible|font-size|-\s*\d\d")
_LENGTH_RE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(px|em|rem|pt)?$")
_UNIT_PX = {None: 1.0, "px": 1.0, "em": 16.0, "rem": 16.0, "pt": 4 / 3}
_POSITIONED = {"absolute", "fixed", "relative"}
# Tags that cannot carry an external font-size reset in practice: font-size:0 on a block
# container is the inline-block whitespace trick, undone by the children's own CSS.
_INLINE_TAGS = {"a", "span", "font", "b", "strong", "em", "i", "u", "small", "big", "label"}
# <style> text: declarations that may hide. One pattern per declaration, each starting with a
# literal, because re finds a literal prefix fast and an alternation slowly (a saved page may
# carry 400 KB of CSS). Case-sensitive: lower-casing that much text costs more than the scan.
_CSS_HINT_RES = (
    re.compile(r"display\s*:\s*none"),
    re.compile(r"visibility\s*:\s*(?:hidden|collapse)"),
    re.compile(r"font-size\s*:\s*0(?![.\d])"),
    re.compile(r":\s*-\s*\d\d"),
    re.compile(r"height\s*:\s*[01](?:px)?\s*[;}!]"),
    re.compile(r"width\s*:\s*[01](?:px)?\s*[;}!]"),
)
_CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
_SIMPLE_SELECTOR_RE = re.compile(r"^[a-z0-9]*([.#][\w-]+)$", re.I)
_MAX_CSS_CHARS = 200_000  # a larger inline stylesheet is only read this far


def technique(reason: str) -> str:
    """Return the technique of a reason string (`offscreen`, `display-none`, ...)."""
    return reason.split(" ", 1)[0]


def is_named(reason: str) -> bool:
    """Return whether the hiding element has a class or id (a handle a script can toggle)."""
    where = reason.rsplit("@", 1)[-1]
    return "." in where or "#" in where


def _rank(reason: str | None) -> int:
    """Order reasons: strong > soft on a bare element > soft on a named element > none."""
    if reason is None:
        return -1
    if technique(reason) in STRONG:
        return 2
    return 0 if is_named(reason) else 1


def _px(value: str) -> float | None:
    """Return a CSS length in px (em/rem as 16px), or None when it is not a plain length."""
    m = _LENGTH_RE.match(value.strip())
    if not m:
        return None
    return float(m.group(1)) * _UNIT_PX[m.group(2)]


def _declarations(style: str) -> dict[str, str]:
    """Parse `a: b; c: d !important` into {a: b, c: d} (lower-cased)."""
    out: dict[str, str] = {}
    for part in style.lower().split(";"):
        prop, sep, value = part.partition(":")
        if sep:
            out[prop.strip()] = value.replace("!important", "").strip()
    return out


def _where(el: Any) -> str:
    """Name an element for the reason: tag, first class, id (`div.nav#top`)."""
    out = el.tag if isinstance(el.tag, str) else "?"
    cls = (el.get("class") or "").split()
    if cls:
        out += "." + cls[0]
    ident = (el.get("id") or "").strip()
    if ident:
        out += "#" + ident.split()[0]
    return out[:60]


def _hides(decls: dict[str, str], tag: str) -> tuple[str | None, str | None, str | None]:
    """Return (fixed, visibility, font) reasons without `@where` for one element's declarations.

    `fixed` cannot be undone by a descendant; visibility and font-size can.
    """
    fixed = None
    position = decls.get("position", "")
    for prop in ("left", "top", "right"):
        if prop in decls and position in _POSITIONED:
            px = _px(decls[prop])
            if px is not None and px <= OFFSCREEN_PX:
                fixed = f"offscreen {prop}:{decls[prop]}"
                break
    if fixed is None:
        for prop in ("margin-left", "margin-top"):
            px = _px(decls.get(prop, ""))
            if px is not None and px <= OFFSCREEN_PX:
                fixed = f"offscreen {prop}:{decls[prop]}"
                break
    if fixed is None and decls.get("overflow", decls.get("overflow-x", "")) == "hidden":
        for prop in ("height", "width"):
            px = _px(decls.get(prop, ""))
            if px is not None and px <= TINY_PX:
                fixed = f"zero-size {prop}:{decls[prop]};overflow:hidden"
                break
    if fixed is None and tag == "marquee":
        for prop in ("height", "width"):
            px = _px(decls.get(prop, ""))
            if px is not None and px <= MARQUEE_PX:
                fixed = f"marquee {prop}:{decls[prop]}"
                break
    if fixed is None:
        px = _px(decls.get("text-indent", ""))
        if px is not None and px <= OFFSCREEN_PX:
            fixed = f"text-indent {decls['text-indent']}"
    if fixed is None and decls.get("display") == "none":
        fixed = "display-none"
    vis = decls.get("visibility")
    visibility = "visibility-hidden" if vis in ("hidden", "collapse") else vis
    size = decls.get("font-size")
    font = None if size is None else ("font-size-0" if _px(size) == 0 else "")
    return fixed, visibility, font


def _css_hints(css: str) -> list[int]:
    """Return the sorted offsets of declarations in `css` that may hide an element."""
    return sorted({m.start() for rx in _CSS_HINT_RES for m in rx.finditer(css)})


def _style_rules(root: Any) -> dict[str, dict[str, str]]:
    """Return {'.cls' or '#id': declarations} of the page's simple top-level hiding rules.

    Only rules at brace depth 0 count: a rule inside @media hides for some screens only.
    """
    texts = [s.text for s in root.iter("style") if s.text]
    if not texts:
        return {}
    css = "\n".join(texts)[:_MAX_CSS_CHARS]
    rules: dict[str, dict[str, str]] = {}
    depth = 0
    scanned = 0
    for pos in _css_hints(css):
        if pos < scanned:
            continue  # another declaration of a rule already read
        depth += css.count("{", scanned, pos) - css.count("}", scanned, pos)
        scanned = pos
        open_ = css.rfind("{", 0, pos)
        close = css.find("}", pos)
        if depth != 1 or open_ < 0 or close < 0:
            continue  # inside @media, or malformed
        start = max(css.rfind("}", 0, open_), css.rfind(";", 0, open_)) + 1
        if css.rfind("/*", start, pos) > css.rfind("*/", start, pos):
            continue  # commented out
        head = css[start:open_]
        if "/*" in head:
            head = _CSS_COMMENT_RE.sub(" ", head)
        selectors = []
        for sel in head.split(","):
            sm = _SIMPLE_SELECTOR_RE.match(sel.strip())
            if sm:
                selectors.append(sm.group(1))
        if selectors:
            decls = _declarations(css[open_ + 1 : close])
            for sel in selectors:
                rules.setdefault(sel, {}).update(decls)
        # Skip to the end of this rule; the depth there is back to 0.
        depth += css.count("{", scanned, close + 1) - css.count("}", scanned, close + 1)
        scanned = close + 1
    return rules


_State = tuple[str | None, str | None, str | None]  # (fixed, visibility, font) full reasons


class HiddenLinks:
    """Tell for links of one parsed page whether (and how) they are hidden; cached per element."""

    def __init__(self, root: Any) -> None:
        self._root = root
        self._rules: dict[str, dict[str, str]] | None = None
        self._state: dict[Any, _State] = {}

    @property
    def rules(self) -> dict[str, dict[str, str]]:
        """The page's simple hiding rules from <style> (read on first use)."""
        if self._rules is None:
            self._rules = _style_rules(self._root)
        return self._rules

    def reason(self, link: Any) -> str | None:
        """Return why `link` (an <a>/<area> element) is hidden, or None when a reader sees it."""
        chain = []
        el = link
        state = self._state
        while el is not None and el not in state:
            chain.append(el)
            el = el.getparent()
        current: _State = state[el] if el is not None else (None, None, None)
        for node in reversed(chain):
            current = self._step(current, node)
            state[node] = current
        fixed, visibility, font = current
        if fixed is None and visibility is None and font is None:
            return None  # nothing on the way up hides it (most links; issue 7)
        if font is not None and link.find(".//img") is not None:
            font = None  # font-size:0 hides text, not an image link
        best = fixed
        for other in (visibility, font):
            if _rank(other) > _rank(best):
                best = other
        return best

    def _step(self, parent: _State, el: Any) -> _State:
        """Return an element's state from its parent's and its own style, attributes, rules."""
        fixed, visibility, font = parent
        tag = el.tag
        if not isinstance(tag, str):
            return parent
        if font is not None and tag not in _INLINE_TAGS:
            font = None  # a block in between may reset the size from an external stylesheet
        if tag != "marquee" and not el.keys():
            return fixed, visibility, font  # no style, class, id or hidden (issue 7: fast path)
        style = el.get("style")
        rules = self.rules
        own: list[tuple[dict[str, str], str]] = []  # (declarations, source note)
        if tag == "marquee":  # size attributes first: an inline style overrides them
            own.append(({k: f"{el.get(k)}px" for k in ("height", "width") if el.get(k)}, ""))
        if rules:
            for token in (el.get("class") or "").split():
                decls = rules.get("." + token)
                if decls:
                    own.append((decls, f".{token}{{}}"))
            ident = el.get("id")
            if ident and (decls := rules.get("#" + ident.strip())):
                own.append((decls, f"#{ident.strip()}{{}}"))
        if style and (own or tag == "marquee" or _STYLE_HINT_RE.search(style.lower())):
            own.append((_declarations(style), ""))  # inline last: it wins over rules
        if el.get("hidden") is not None:
            hidden = f"hidden-attribute @{_where(el)}"
            if _rank(hidden) > _rank(fixed):
                fixed = hidden
        if not own:
            return fixed, visibility, font
        merged: dict[str, str] = {}
        note = ""
        for decls, source in own:
            merged.update(decls)
            note = source or note
        own_fixed, own_vis, own_font = _hides(merged, tag)
        where = f"{note + ' ' if note else ''}@{_where(el)}"
        if own_fixed is not None:
            candidate = f"{own_fixed} {where}"
            if _rank(candidate) > _rank(fixed):
                fixed = candidate
        if own_vis is not None:
            # visibility:visible on a descendant shows it again (CSS 2.1 §11.2).
            visibility = f"{own_vis} {where}" if own_vis.startswith("visibility-") else None
        if own_font is not None:
            font = f"{own_font} {where}" if own_font else None
        return fixed, visibility, font
