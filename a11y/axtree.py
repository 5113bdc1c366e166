"""Chromium's accessibility tree: what a screen reader gets, as a Python tree.

One read of a page (:func:`read_page_tree`) costs a ``DOM.getDocument`` plus one
``Accessibility.getFullAXTree`` per frame, over CDP, and works for a local
Chromium and for a remote chromedriver / Selenium Grid alike (through
:func:`a11y.browser.cdp`). Each frame's tree is spliced in under its ``<iframe>``,
and open shadow DOM is already flattened into the tree by Chromium, so callers
see one tree in reading order.

Two consumers, both pure functions of a :class:`PageTree`:

* :func:`a11y.checks.find_issues` — checks beyond axe (``source="custom"``);
* :func:`build_preview` — the screen-reader preview of ``python -m a11y preview``.

:func:`custom_findings` and :func:`preview` read the tree from a driver and call them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from a11y.browser import cdp
from a11y.checks import find_issues
from a11y.findings import Finding

# --- the DOM side ------------------------------------------------------------------------------

_ELEMENT, _DOCUMENT, _FRAGMENT = 1, 9, 11
_CSS_IDENT = re.compile(r"-?[_A-Za-z][-_A-Za-z0-9]*")
_OPENING_TAG = re.compile(r"<[^\s>/]+(?:\s+[^\s=>]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]*))?)*\s*/?>")
SNIPPET_MAX = 250
"""Longer ``outerHTML`` is cut to the element's opening tag, as axe does."""


@dataclass(eq=False)
class DomNode:
    """An element, document or shadow root from ``DOM.getDocument(pierce=True)``.

    ``parent`` of a shadow root is its host; ``parent`` of an iframe's document is
    the ``<iframe>`` element. Text nodes are not kept (the accessibility tree has the text).
    """

    backend_id: int
    kind: str  # "element", "document" or "shadow"
    tag: str  # lower-case tag name, "#document" or "#shadow-root"
    attrs: dict[str, str]
    parent: DomNode | None = None
    children: list[DomNode] = field(default_factory=list)  # light-DOM element children
    shadow_root: DomNode | None = None
    content_document: DomNode | None = None
    frame_id: str | None = None  # documents and iframes: the (content) document's frame

    def attr(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def scope(self) -> DomNode:
        """The document or shadow root this node lives in (itself for those)."""
        node = self
        while node.kind == "element" and node.parent is not None:
            node = node.parent
        return node

    def iter_scope(self) -> Iterator[DomNode]:
        """Elements of this tree scope in document order, not entering shadow roots or frames."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def iter_flat(self) -> Iterator[DomNode]:
        """Elements in document order, entering shadow roots and same-process frames
        (a host's shadow tree and an iframe's document come right after the element)."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if node.kind == "element":
                yield node
            stack.extend(reversed(node.children))
            for inner in (node.content_document, node.shadow_root):
                if inner is not None:
                    stack.append(inner)

    @cached_property
    def _scope_counts(self) -> tuple[Counter, Counter]:
        """(ids, tags) counted over this scope; only called on documents and shadow roots."""
        ids, tags = Counter(), Counter()
        for el in self.iter_scope():
            tags[el.tag] += 1
            if el.attrs.get("id"):
                ids[el.attrs["id"]] += 1
        return ids, tags

    def _step(self) -> tuple[str, bool]:
        """This element's selector step, and whether it is unique in its scope on its own."""
        ids, tags = self.scope._scope_counts
        el_id = self.attrs.get("id", "")
        if el_id and ids[el_id] == 1:
            if _CSS_IDENT.fullmatch(el_id):
                return f"#{el_id}", True
            return '[id="{}"]'.format(el_id.replace("\\", "\\\\").replace('"', '\\"')), True
        if tags[self.tag] == 1:
            return self.tag, True
        siblings = [c for c in (self.parent.children if self.parent else []) if c.tag == self.tag]
        if len(siblings) > 1:
            return f"{self.tag}:nth-of-type({siblings.index(self) + 1})", False
        return self.tag, False

    def local_selector(self) -> str:
        """A CSS selector unique within this element's scope: anchored at the nearest unique
        ancestor (an id or a tag that occurs once), then ``>`` steps with ``:nth-of-type``."""
        steps, node = [], self
        while node is not None and node.kind == "element":
            step, unique = node._step()
            steps.append(step)
            if unique:
                break
            node = node.parent
        return " > ".join(reversed(steps))

    def target(self) -> list[str]:
        """axe-style target: one selector per frame level, shadow levels joined by ``" >>> "``."""
        levels: list[str] = []
        shadow_chain: list[str] = []
        node: DomNode | None = self
        while node is not None and node.kind == "element":
            shadow_chain.append(node.local_selector())
            scope = node.scope
            if scope.kind == "shadow":
                node = scope.parent  # the host
                continue
            levels.append(" >>> ".join(reversed(shadow_chain)))
            shadow_chain = []
            node = scope.parent  # the <iframe> of a framed document, or None
        return list(reversed(levels))

    def opening_tag(self) -> str:
        attrs = "".join(f' {k}="{v}"' for k, v in self.attrs.items())
        return f"<{self.tag}{attrs}>"


DOM_CHUNK_DEPTH = 40
"""Levels of DOM fetched per CDP call. Chromium cannot serialise much deeper nesting in one
response ("CBOR: stack limit exceeded"), so deeper subtrees are fetched in further calls."""


def fetch_dom(driver: WebDriver) -> dict[str, Any]:
    """The whole DOM as CDP ``DOM.Node`` JSON, frames and shadow roots included, at any depth.

    One ``DOM.getDocument`` for ordinary pages; for subtrees deeper than
    :data:`DOM_CHUNK_DEPTH`, a ``DOM.describeNode`` each, spliced in.
    """
    params = {"depth": DOM_CHUNK_DEPTH, "pierce": True}
    root = cdp(driver, "DOM.getDocument", params)["root"]
    stack = [root]
    while stack:
        node = stack.pop()
        if node.get("childNodeCount") and "children" not in node:  # cut off at the depth limit
            more = cdp(driver, "DOM.describeNode", {"backendNodeId": node["backendNodeId"], **params})
            node.update(more["node"])
        stack.extend(node.get("children", []))
        stack.extend(node.get("shadowRoots", []))
        if "contentDocument" in node:
            stack.append(node["contentDocument"])
    return root


def dom_from_cdp(raw: dict[str, Any]) -> tuple[DomNode, dict[int, DomNode]]:
    """Build :class:`DomNode` objects from CDP ``DOM.Node`` JSON (:func:`fetch_dom`).

    Elements, documents and open or closed shadow roots are kept; text, comments, the
    doctype and user-agent shadow roots (inside inputs and images) are not.

    Returns
    -------
    (DomNode, dict)
        The top document, and every kept node by ``backendNodeId``.
    """
    index: dict[int, DomNode] = {}
    document: DomNode | None = None
    stack: list[tuple[dict[str, Any], DomNode | None, str]] = [(raw, None, "child")]
    while stack:
        data, parent, relation = stack.pop()
        node_type = data.get("nodeType")
        if node_type == _ELEMENT and not data.get("pseudoType"):
            kind, tag = "element", (data.get("localName") or data["nodeName"]).lower()
        elif node_type == _DOCUMENT:
            kind, tag = "document", "#document"
        elif node_type == _FRAGMENT and data.get("shadowRootType") in ("open", "closed"):
            kind, tag = "shadow", "#shadow-root"
        else:
            continue
        flat = data.get("attributes") or []
        node = DomNode(backend_id=data["backendNodeId"], kind=kind, tag=tag,
                       attrs=dict(zip(flat[::2], flat[1::2])), parent=parent)
        index[node.backend_id] = node
        if parent is None:
            document = node
        elif relation == "shadow":
            parent.shadow_root = node
        elif relation == "frame":
            node.frame_id = data.get("frameId") or parent.frame_id
            parent.content_document = node
        else:
            parent.children.append(node)
        if kind == "element" and "contentDocument" in data:
            node.frame_id = data.get("frameId")  # the iframe's: its document's frame
        pending = [(child, node, "child") for child in data.get("children", [])]
        pending += [(shadow, node, "shadow") for shadow in data.get("shadowRoots", [])]
        if "contentDocument" in data:
            pending.append((data["contentDocument"], node, "frame"))
        stack.extend(reversed(pending))
    if document is None:
        raise ValueError("DOM.getDocument returned no document")
    return document, index


# --- the accessibility side --------------------------------------------------------------------

# Where an accessible name came from, from Chromium's ``nativeSource`` of a name source.
_NATIVE_SOURCES = {
    "label": "label", "labelfor": "label", "labelwrapped": "label", "legend": "legend",
    "figcaption": "figcaption", "tablecaption": "caption", "title": "title element",
    "rubyannotation": "ruby", "description": "description",
}


def name_source(name: dict[str, Any] | None) -> str:
    """Where an accessible name comes from, from a CDP ``AXValue`` with ``sources``.

    Returns one of ``"aria-labelledby"``, ``"aria-label"``, ``"label"``, ``"legend"``,
    ``"caption"``, ``"figcaption"``, ``"title element"``, ``"contents"``, ``"alt"``,
    ``"title"``, ``"placeholder"``, ``"aria-placeholder"``, ``"value"``, other attribute
    names Chromium reports, or ``"none"`` when the name is empty.
    """
    if not name or not str(name.get("value", "")).strip():
        return "none"
    for source in name.get("sources", []):
        value = (source.get("value") or {}).get("value")
        if source.get("superseded") or value is None or not str(value).strip():
            continue
        if source.get("nativeSource"):
            return _NATIVE_SOURCES.get(source["nativeSource"], source["nativeSource"])
        if source.get("type") == "contents":
            return "contents"
        return source.get("attribute") or source.get("type", "other")
    return "other"


@dataclass(eq=False)
class AXNode:
    """One node of Chromium's accessibility tree, with its DOM element when it has one."""

    role: str
    name: str
    name_source: str
    description: str
    properties: dict[str, Any]
    ignored: bool
    dom: DomNode | None
    parent: AXNode | None = None
    children: list[AXNode] = field(default_factory=list)

    def prop(self, name: str, default: Any = None) -> Any:
        return self.properties.get(name, default)

    def walk(self, descend: Callable[[AXNode], bool] | None = None) -> Iterator[AXNode]:
        """This node and its descendants, depth first, in tree (reading) order.

        ``descend(node)`` False skips that node's subtree (the node itself is still yielded).
        Iterative, so no nesting depth of a page can overflow Python's stack.
        """
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if descend is None or descend(node):
                stack.extend(reversed(node.children))

    def ancestors(self) -> Iterator[AXNode]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def text(self) -> str:
        """The text of this subtree, as a screen reader in browse mode would read it, on one line."""
        parts = [n.name for n in self.walk() if n.role == "StaticText" and not n.ignored]
        return " ".join(" ".join(parts).split())

    def __repr__(self) -> str:  # the default would print the whole subtree
        return f"AXNode({self.role!r}, {self.name!r})"


def _ax_from_cdp(nodes: list[dict[str, Any]], dom: dict[int, DomNode]) -> AXNode:
    """Build the tree of one frame from ``getFullAXTree``'s flat node list."""
    raw = {n["nodeId"]: n for n in nodes}
    built: dict[str, AXNode] = {}
    for node_id, n in raw.items():
        role = (n.get("role") or {}).get("value", "")
        if role == "InlineTextBox":  # line boxes repeat their StaticText
            continue
        props = {}
        for p in n.get("properties", []):
            value = p.get("value", {})
            props[p["name"]] = value.get("relatedNodes") if "relatedNodes" in value else value.get("value")
        name = n.get("name") or {}
        built[node_id] = AXNode(
            role=role, name=" ".join(str(name.get("value", "")).split()), name_source=name_source(name),
            description=" ".join(str((n.get("description") or {}).get("value", "")).split()),
            properties=props, ignored=bool(n.get("ignored")), dom=dom.get(n.get("backendDOMNodeId", -1)),
        )
    root = None
    for node_id, node in built.items():
        for child_id in raw[node_id].get("childIds", []):
            child = built.get(child_id)
            if child is not None:
                child.parent = node
                node.children.append(child)
        if "parentId" not in raw[node_id]:
            root = root or node
    if root is None:
        raise ValueError("Accessibility.getFullAXTree returned no root node")
    return root


@dataclass(eq=False)
class PageTree:
    """A page as a screen reader gets it: the accessibility tree of every frame, spliced.

    Attributes
    ----------
    url : str
        The top document's URL.
    root : AXNode
        The top frame's ``RootWebArea``; a framed document's root is a child of its ``Iframe`` node.
    document : DomNode
        The top document, frames and shadow roots included (see :func:`dom_from_cdp`).
    unreadable_frames : list of str
        ``src`` of frames whose tree could not be read: cross-site frames, which site
        isolation puts in another renderer process that the page's CDP session cannot reach.
    """

    url: str
    root: AXNode
    document: DomNode
    unreadable_frames: list[str] = field(default_factory=list)

    @cached_property
    def nodes(self) -> list[AXNode]:
        """Every node that is not ignored, in reading order (children of ignored nodes included)."""
        return [node for node in self.root.walk() if not node.ignored]

    def walk(self) -> Iterator[AXNode]:
        """Iterate over :attr:`nodes`."""
        return iter(self.nodes)

    def by_role(self, *roles: str) -> list[AXNode]:
        return [n for n in self.nodes if n.role in roles]


def read_page_tree(driver: WebDriver) -> PageTree:
    """Read the accessibility tree of the driver's current page, frames included.

    Parameters
    ----------
    driver : WebDriver
        A Chrome session (local, or remote with chromedriver's CDP endpoint) on a loaded page.

    Returns
    -------
    PageTree
    """
    document, index = dom_from_cdp(fetch_dom(driver))
    unreadable: list[str] = []

    def frame_tree(frame_id: str | None) -> AXNode:
        params = {"frameId": frame_id} if frame_id else {}
        root = _ax_from_cdp(cdp(driver, "Accessibility.getFullAXTree", params)["nodes"], index)
        for node in list(root.walk()):
            if node.role != "Iframe" or node.dom is None:
                continue
            doc = node.dom.content_document
            if doc is None:  # out-of-process (cross-site) frame: another renderer's tree
                unreadable.append(node.dom.attrs.get("src", ""))
                continue
            try:
                sub = frame_tree(doc.frame_id)
            except WebDriverException:
                unreadable.append(node.dom.attrs.get("src", ""))
                continue
            sub.parent = node
            node.children.append(sub)
        return root

    root = frame_tree(None)
    url = str(root.prop("url") or "")
    return PageTree(url=url, root=root, document=document, unreadable_frames=unreadable)


def outer_html(driver: WebDriver, node: DomNode) -> str:
    """The element's ``outerHTML``, cut to its opening tag when longer than :data:`SNIPPET_MAX`."""
    try:
        html = cdp(driver, "DOM.getOuterHTML", {"backendNodeId": node.backend_id})["outerHTML"]
    except WebDriverException:
        return node.opening_tag()
    if len(html) <= SNIPPET_MAX:
        return html
    match = _OPENING_TAG.match(html)
    return match.group(0) if match else node.opening_tag()


def custom_findings(driver: WebDriver, tree: PageTree | None = None) -> list[Finding]:
    """Findings of the checks beyond axe (rule ids ``sr-*``) on the driver's current page.

    Parameters
    ----------
    driver : WebDriver
        A Chrome session on a loaded page.
    tree : PageTree or None, default=None
        An already read tree of that page (saves a read when the preview is built too).

    Returns
    -------
    list of Finding
        ``source="custom"``, one per rule that fired, nodes in reading order.
    """
    tree = tree or read_page_tree(driver)
    return find_issues(tree, snippet=lambda node: outer_html(driver, node))


# --- the screen-reader preview -----------------------------------------------------------------

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

    dropped = set()
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
        if not exposed and dom.tag != "img":
            continue
        alt = dom.attrs.get("alt")
        if exposed:
            role = "image"
        elif alt == "" or (dom.attrs.get("role") or "").strip() in ("presentation", "none"):
            role = "presentational"
        else:
            role = "hidden"
        out.append({"name": node.name if exposed else "", "alt": alt, "role": role,
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
