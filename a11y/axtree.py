"""Chromium's accessibility tree: what a screen reader gets, as a Python tree.

One read of a page (:func:`read_page_tree`) costs a ``DOM.getDocument`` plus one
``Accessibility.getFullAXTree`` per frame, over CDP, and works for a local
Chromium and for a remote chromedriver / Selenium Grid alike (through
:func:`a11y.browser.cdp`). Each frame's tree is spliced in under its ``<iframe>``,
and open shadow DOM is already flattened into the tree by Chromium, so callers
see one tree in reading order.

This module is tree access only: the DOM and accessibility node models, walking,
selectors and HTML snippets. Its two consumers build on it and it imports neither:

* :mod:`a11y.checks` — checks beyond axe (``source="custom"``), :func:`a11y.checks.custom_findings`;
* :mod:`a11y.preview` — the screen-reader preview of ``python -m a11y preview``.

``tests/a11y/test_layering.py`` keeps that direction.
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
    def _scope_counts(self) -> tuple[Counter[str], Counter[str]]:
        """(ids, tags) counted over this scope; only called on documents and shadow roots."""
        ids: Counter[str] = Counter()
        tags: Counter[str] = Counter()
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
        steps: list[str] = []
        node: DomNode | None = self
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
    visible_text: Callable[[DomNode], str | None] | None = None
    """``DomNode -> str`` giving an element's visible text content as rendered (see
    :func:`visible_text`); set by :func:`read_page_tree`, ``None`` for a tree built without a page."""

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
    return PageTree(url=url, root=root, document=document, unreadable_frames=unreadable,
                    visible_text=lambda node: visible_text(driver, node))


_VISIBLE_TEXT_JS = """function () {
  const top = this, parts = [];
  const own = (el) => el.shadowRoot ? el.shadowRoot.childNodes
    : el.localName === "slot" ? el.assignedNodes({flatten: true}) : el.childNodes;
  const clipped = (el) => {  // the visually-hidden patterns: clipped away or squeezed into 1px
    const s = getComputedStyle(el);
    return s.clip === "rect(0px, 0px, 0px, 0px)" || /^inset\\(50%\\)$/.test(s.clipPath)
      || (s.overflow !== "visible" && (el.offsetWidth <= 1 || el.offsetHeight <= 1));
  };
  const walk = (node) => {
    for (const child of own(node)) {
      if (child.nodeType === Node.TEXT_NODE) {
        const parent = child.parentElement;
        if (parent && parent.checkVisibility({visibilityProperty: true, opacityProperty: true})) {
          parts.push(child.data);
        }
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        if (child.localName === "br") { parts.push(" "); continue; }
        if (!child.checkVisibility({visibilityProperty: false}) || clipped(child)) continue;
        const display = getComputedStyle(child).display;
        const block = !display.startsWith("inline") && display !== "contents";
        if (block) parts.push(" ");
        walk(child);
        if (block) parts.push(" ");
      }
    }
  };
  if (!top.checkVisibility({visibilityProperty: true, opacityProperty: true}) || clipped(top)) return "";
  walk(top);
  return parts.join("").replace(/\\s+/g, " ").trim();
}"""


def visible_text(driver: WebDriver, node: DomNode) -> str | None:
    """The element's visible text content, as ACT rules define it: its visible text nodes in the flat tree.

    Text nodes are joined as rendered: nothing between inline pieces (``<span>S</span><span>hop</span>``
    is "Shop"), a space at block boundaries and ``<br>``. Text hidden by ``display``, ``visibility``,
    ``opacity: 0`` or the visually-hidden clip patterns is left out; CSS ``letter-spacing`` does not
    change the text. ``None`` when the element cannot be reached (it left the page).
    """
    try:
        obj = cdp(driver, "DOM.resolveNode", {"backendNodeId": node.backend_id})["object"]
        result = cdp(driver, "Runtime.callFunctionOn", {"objectId": obj["objectId"], "returnByValue": True,
                                                        "functionDeclaration": _VISIBLE_TEXT_JS})
    except (WebDriverException, KeyError):
        return None
    value = (result.get("result") or {}).get("value")
    return value if isinstance(value, str) else None


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
