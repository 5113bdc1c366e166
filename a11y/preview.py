"""The screen-reader preview: what a screen-reader user gets from a page, as data and as text.

Built on :mod:`a11y.axtree` (one :class:`a11y.axtree.PageTree` read per page):
:func:`build_preview` is a pure function of the tree, :func:`preview` reads the tree from
a driver first, :func:`format_preview` renders the data for the terminal. Used by
``python -m a11y preview`` and the app's Preview page.
"""

from __future__ import annotations

from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from a11y.axtree import AXNode, PageTree, read_page_tree

LANDMARK_ROLES = ("banner", "navigation", "main", "contentinfo", "complementary", "search", "form", "region")
"""Landmark roles; ``form`` and ``region`` count only when named, as screen readers list them."""
NATIVE_COMPOSITE_ROLES = ("Date", "DateTime", "InputTime", "ColorWell")
"""Native controls Chromium builds from inner parts (month, day, year, picker button); shown as one."""
FIELD_ROLES = ("textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "switch", "slider",
               "spinbutton", *NATIVE_COMPOSITE_ROLES)
IMAGE_ROLES = ("image", "img", "graphics-document", "graphics-symbol")
# Read as one item ("link, Home"); their content is their name.
_ATOMIC_ROLES = frozenset({"heading", "link", "button", "textbox", "searchbox", "combobox", "listbox",
                           "checkbox", "radio", "switch", "slider", "spinbutton", "menuitem",
                           "menuitemcheckbox", "menuitemradio", "tab", "option", "treeitem",
                           *IMAGE_ROLES, *NATIVE_COMPOSITE_ROLES})
# Chromium's internal role names, as the preview shows them.
_ROLE_NAMES = {"Date": "date", "DateTime": "datetime", "InputTime": "time", "ColorWell": "color"}
_NOT_TAB_STOPS = frozenset({"RootWebArea", "option", "MenuListOption", "Iframe"})


def _inside_composite(node: AXNode) -> bool:
    return any(a.role in NATIVE_COMPOSITE_ROLES for a in node.ancestors())


def _is_landmark(node: AXNode) -> bool:
    return node.role in LANDMARK_ROLES and (node.role not in ("form", "region") or bool(node.name))


def _reading_order(root: AXNode) -> list[dict[str, Any]]:
    """Browse-mode reading: text runs, and one item per link, heading, image or control;
    landmarks and frames are announced as they start."""
    out: list[dict[str, Any]] = []
    for node in root.walk(descend=lambda n: n.ignored or (n.role != "StaticText"
                                                          and n.role not in _ATOMIC_ROLES)):
        role = node.role
        if node.ignored:
            continue
        if role == "StaticText":
            if node.name.strip():
                out.append({"role": "text", "text": node.name})
        elif role in _ATOMIC_ROLES:
            item: dict[str, Any] = {"role": "image" if role in IMAGE_ROLES else _ROLE_NAMES.get(role, role),
                                    "text": node.name or node.text()}
            if role == "heading":
                item["level"] = int(node.prop("level") or 2)
            out.append(item)
        elif _is_landmark(node):
            out.append({"role": role, "text": node.name})
        elif role == "Iframe":
            out.append({"role": "frame", "text": node.name})
    return out


def _tabindex(node: AXNode) -> int | None:
    raw = node.dom.attrs.get("tabindex") if node.dom is not None else None
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _tab_order(document_root: AXNode) -> list[AXNode]:
    """Sequential focus order of one document, frames expanded where their <iframe> sits.

    HTML's rules: positive ``tabindex`` first, ascending, ties in document order; then
    ``tabindex="0"`` and natively focusable elements in document order; negative
    ``tabindex`` never. A radio group is one stop: its checked radio, else its first.
    A native date or time input is shown as one stop (Chromium tabs through its parts).
    """
    stops: list[tuple[int, int, list[AXNode]]] = []
    radio_groups: dict[tuple, list[int]] = {}

    # Frames are their own focus scope; a native date input is one stop; options are not stops.
    opaque = frozenset({"Iframe", "MenuListPopup", "listbox", *NATIVE_COMPOSITE_ROLES})
    for node in document_root.walk(descend=lambda n: n is document_root or n.role not in opaque):
        tabindex = _tabindex(node)
        if tabindex is not None and tabindex < 0:
            continue
        if node.role == "Iframe":
            frames = [c for c in node.children if c.role == "RootWebArea"]
            if frames:
                stops.append((max(tabindex or 0, 0), len(stops), _tab_order(frames[0])))
        elif not node.ignored and node.prop("focusable") and node.role not in _NOT_TAB_STOPS:
            if node.role == "radio" and node.dom is not None and node.dom.attr("name"):
                key = (id(node.dom.scope), node.dom.attr("name"))
                radio_groups.setdefault(key, []).append(len(stops))
            stops.append((max(tabindex or 0, 0), len(stops), [node]))

    dropped: set[int] = set()
    for indexes in radio_groups.values():
        checked = [i for i in indexes if str(stops[i][2][0].prop("checked")) == "true"]
        keep = checked[0] if checked else indexes[0]
        dropped.update(i for i in indexes if i != keep)
    ordered = sorted((s for i, s in enumerate(stops) if i not in dropped),
                     key=lambda s: (s[0] == 0, s[0], s[1]))
    return [node for _, _, nodes in ordered for node in nodes]


def _images(tree: PageTree) -> list[dict[str, Any]]:
    """Every image in document order: exposed (role image, with its name) or presentational/hidden."""
    by_backend = {n.dom.backend_id: n for n in tree.root.walk() if n.dom is not None}
    out = []
    for dom in [tree.document, *tree.document.iter_flat()]:
        node = by_backend.get(dom.backend_id)
        exposed = node is not None and not node.ignored and node.role in IMAGE_ROLES
        name = node.name if node is not None and exposed else ""
        if not exposed and dom.tag != "img":
            continue
        alt = dom.attrs.get("alt")
        if exposed:
            role = "image"
        elif alt == "" or (dom.attrs.get("role") or "").strip() in ("presentation", "none"):
            role = "presentational"
        else:
            role = "hidden"
        out.append({"name": name, "alt": alt, "role": role,
                    "src": dom.attrs.get("src", "")})
    return out


def build_preview(tree: PageTree) -> dict[str, Any]:
    """What a screen-reader user gets from a page, as data.

    Returns
    -------
    dict
        ``url``, ``title``, ``lang`` (the top document's), and lists in reading order:
        ``headings`` [{level, text}], ``landmarks`` [{role, name}], ``links`` [{name, href}],
        ``form_fields`` [{role, name, name_source, description, required}],
        ``images`` [{name, alt, role, src}] with role ``"image"``, ``"presentational"`` or
        ``"hidden"``, ``reading_order``
        [{role, text} (+ ``level`` for headings)] with role ``"text"`` for plain text,
        ``tab_order`` [{role, name}], and ``unreadable_frames`` [url].
    """
    nodes = list(tree.walk())
    html = next((d for d in tree.document.children if d.tag == "html"), None)
    return {
        "url": tree.url,
        "title": tree.root.name,
        "lang": html.attrs.get("lang") if html is not None else None,
        "headings": [{"level": int(n.prop("level") or 2), "text": n.name or n.text()}
                     for n in nodes if n.role == "heading"],
        "landmarks": [{"role": n.role, "name": n.name} for n in nodes if _is_landmark(n)],
        "links": [{"name": n.name, "href": n.prop("url") or ""} for n in nodes if n.role == "link"],
        "form_fields": [{"role": _ROLE_NAMES.get(n.role, n.role), "name": n.name,
                         "name_source": n.name_source, "description": n.description,
                         "required": n.prop("required") is True}
                        for n in nodes if n.role in FIELD_ROLES and not _inside_composite(n)],
        "images": _images(tree),
        "reading_order": _reading_order(tree.root),
        "tab_order": [{"role": _ROLE_NAMES.get(n.role, n.role), "name": n.name or n.text()}
                      for n in _tab_order(tree.root)],
        "unreadable_frames": list(tree.unreadable_frames),
    }


def preview(driver: WebDriver, tree: PageTree | None = None) -> dict[str, Any]:
    """The screen-reader preview of the driver's current page (see :func:`build_preview`)."""
    return build_preview(tree or read_page_tree(driver))


def _line(label: str, text: str) -> str:
    return f"  {label}: {text}" if text else f"  {label}"


def format_preview(data: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`build_preview`'s dict, section by section, for the terminal."""
    out = [f"Screen-reader preview of {data.get('url', '')}",
           f"Title: {data.get('title') or '(none)'}", f"Language: {data.get('lang') or '(none)'}", ""]

    def section(title: str, lines: list[str]) -> None:
        out.append(f"{title} ({len(lines)})")
        out.extend(lines or ["  (none)"])
        out.append("")

    section("Headings", [f"  {'  ' * (h['level'] - 1)}h{h['level']} {h['text'] or '(empty)'}"
                         for h in data["headings"]])
    section("Landmarks", [_line(lm["role"], lm["name"]) for lm in data["landmarks"]])
    section("Links", [f"  {link['name'] or '(no name)'} -> {link['href']}" for link in data["links"]])
    section("Form fields", [
        f"  {f['role']}: {f['name'] or '(no name)'} [name from {f['name_source']}]"
        + (", required" if f.get("required") else "")
        + (f" – {f['description']}" if f.get("description") else "")
        for f in data["form_fields"]])
    section("Images", [f"  {img['role']}: {img['name'] or '(no name)'}" if img["role"] == "image"
                       else f"  {img['role']}: {img['src']}" for img in data["images"]])
    section("Tab order", [f"  {i}. {stop['role']}: {stop['name'] or '(no name)'}"
                          for i, stop in enumerate(data["tab_order"], 1)])
    section("Reading order", [
        f"  {item['text']}" if item["role"] == "text"
        else _line(f"heading level {item['level']}" if item["role"] == "heading" else item["role"],
                   item["text"])
        for item in data["reading_order"]])
    if data.get("unreadable_frames"):
        section("Frames that could not be read", [f"  {url}" for url in data["unreadable_frames"]])
    return "\n".join(out).rstrip() + "\n"
