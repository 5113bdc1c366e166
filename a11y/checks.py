"""Checks beyond axe, on Chromium's accessibility tree: what a screen-reader user hits.

Each check is a function ``(PageTree) -> Iterator[Hit]`` registered in :data:`CHECKS`
under a rule id of :data:`RULES`; :func:`find_issues` runs them all and turns the hits
into :class:`a11y.findings.Finding` objects with ``source="custom"``;
:func:`custom_findings` reads a page's tree from a driver (:mod:`a11y.axtree`) and runs
them, which is what the audit engine calls. The checks read accessible names and name
sources as Chromium computed them, so they see what a screen reader announces — not what
the markup seems to say.

Every check is tuned for zero findings on sound pages: when in doubt it stays quiet.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selenium.webdriver.remote.webdriver import WebDriver

from a11y.axtree import AXNode, DomNode, PageTree, outer_html, read_page_tree
from a11y.findings import UNDERSTANDING, Finding, Node, Rule, fingerprint
from a11y.langscript import count_scripts, foreign_share, scripts_for_lang

_UNDERSTANDING = UNDERSTANDING


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("sr-link-text-vague", "serious", ("custom", "wcag2a", "wcag244"),
         "Link text must say where the link goes, even read out of context",
         _UNDERSTANDING + "link-purpose-in-context.html"),
    Rule("sr-link-text-ambiguous", "moderate", ("custom", "wcag2aaa", "wcag249"),
         "Links with the same text must go to the same place",
         _UNDERSTANDING + "link-purpose-link-only.html"),
    Rule("sr-link-adjacent-duplicate", "minor", ("custom", "best-practice"),
         "Adjacent links to the same place should be one link (image and text in one <a>)",
         "https://www.w3.org/WAI/WCAG22/Techniques/html/H2"),
    Rule("sr-alt-filename", "serious", ("custom", "wcag2a", "wcag111"),
         "Image text alternatives must describe the image, not name its file or say 'image'",
         _UNDERSTANDING + "non-text-content.html"),
    Rule("sr-placeholder-only", "serious", ("custom", "wcag2a", "wcag131", "wcag332"),
         "Form fields need a label; a placeholder disappears while typing and is not a label",
         _UNDERSTANDING + "labels-or-instructions.html"),
    Rule("sr-fieldset-no-legend", "moderate", ("custom", "wcag2a", "wcag131"),
         "Radio buttons and checkbox groups need a group name (fieldset with legend, or a named radiogroup)",
         _UNDERSTANDING + "info-and-relationships.html"),
    Rule("sr-layout-table", "moderate", ("custom", "wcag2a", "wcag131"),
         "Tables used for layout must not be exposed as data tables",
         _UNDERSTANDING + "info-and-relationships.html"),
    Rule("sr-label-in-name", "serious", ("custom", "wcag21a", "wcag253"),
         "A control's accessible name must contain its visible text",
         _UNDERSTANDING + "label-in-name.html"),
    Rule("sr-lang-mismatch", "serious", ("custom", "wcag2a", "wcag311"),
         "The lang attribute must match the language the text is written in",
         _UNDERSTANDING + "language-of-page.html"),
    Rule("sr-lang-of-parts", "moderate", ("custom", "wcag2aa", "wcag312"),
         "Passages in another language need their own lang attribute",
         _UNDERSTANDING + "language-of-parts.html"),
)}
"""Every custom rule, by id. The engine and the reporters read help texts and impacts from here."""


class Hit(NamedTuple):
    """One element a check flags, with a one-line explanation for the report."""

    rule: str
    dom: DomNode
    summary: str


# --- text normalisation and word lists ---------------------------------------------------------

_ARABIC_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ـ": None, "\u200c": " ", "\u200d": None})
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=8192)
def normalise_text(text: str) -> str:
    """Case-fold, drop accents and punctuation, fold Arabic/Persian letter variants, collapse spaces.

    ``"Read more »"`` -> ``"read more"``; ``"Más información…"`` -> ``"mas informacion"``;
    ``"ادامه‌ی مطلب"`` (ZWNJ) -> ``"ادامه ی مطلب"``.
    """
    text = text.casefold().translate(_ARABIC_FOLD)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text).split())


VAGUE_LINK_TEXT: dict[str, tuple[str, ...]] = {
    "en": ("click here", "click", "here", "click this", "read more", "more", "learn more", "link",
           "this", "this link", "this page", "go", "go here", "more info", "more information",
           "more details", "details", "continue reading", "see more", "view more", "find out more",
           "read this", "info", "website", "page", "start here", "tap here", "press here"),
    "de": ("hier", "hier klicken", "klicken sie hier", "mehr", "weiter", "weiterlesen", "mehr lesen",
           "mehr erfahren", "mehr informationen", "details", "link"),
    "fr": ("ici", "cliquez ici", "clique ici", "en savoir plus", "lire la suite", "plus", "suite",
           "voir plus", "lien", "details"),
    "es": ("aqui", "haga clic aqui", "haz clic aqui", "pulse aqui", "leer mas", "mas", "ver mas",
           "mas informacion", "saber mas", "enlace", "detalles"),
    "ru": ("здесь", "тут", "нажмите здесь", "нажмите", "подробнее", "читать далее", "далее", "еще",
           "ещё", "ссылка", "по ссылке", "узнать больше"),
    "tr": ("burada", "buraya", "buraya tıklayın", "tıklayın", "tıkla", "devamı", "devamını oku",
           "daha fazla", "detaylar", "ayrıntılar", "bağlantı"),
    "fa": ("اینجا", "کلیک کنید", "اینجا کلیک کنید", "بیشتر", "ادامه", "ادامه مطلب", "بیشتر بخوانید",
           "اطلاعات بیشتر", "لینک", "پیوند", "جزئیات"),
    "ar": ("هنا", "اضغط هنا", "انقر هنا", "المزيد", "اقرأ المزيد", "المزيد من المعلومات", "رابط",
           "التفاصيل", "تفاصيل"),
}
"""Link names that say nothing out of context, per language. Compared after :func:`normalise_text`."""

GENERIC_IMAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("image", "img", "picture", "pic", "photo", "photograph", "graphic", "icon", "spacer",
           "placeholder", "untitled", "alt", "alt text", "blank", "thumbnail", "banner"),
    "de": ("bild", "foto", "grafik", "symbol"),
    "fr": ("image", "photo", "icone", "illustration"),
    "es": ("imagen", "foto", "grafico", "icono"),
    "ru": ("изображение", "картинка", "фото", "рисунок", "иконка"),
    "tr": ("resim", "görsel", "fotoğraf", "görüntü", "simge"),
    "fa": ("تصویر", "عکس", "آیکون", "نگاره"),
    "ar": ("صورة", "رسم", "أيقونة"),
}
"""Image names that are no text alternative at all, per language. Compared after :func:`normalise_text`."""

_VAGUE = frozenset(normalise_text(w) for words in VAGUE_LINK_TEXT.values() for w in words)
_GENERIC_IMAGE = frozenset(normalise_text(w) for words in GENERIC_IMAGE_NAMES.values() for w in words)
_IMAGE_EXT = r"(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?|heic|ico)"
_FILE_NAME = re.compile(rf"^[\w\-.,()\[\] ]{{1,100}}\.{_IMAGE_EXT}$|^\S*/\S*\.{_IMAGE_EXT}(?:\?\S*)?$", re.I)
_CAMERA_NAME = re.compile(
    r"^(?:img|dsc[nf]?|pxl|mvimg|gopr|sam|wp|vid|pic|photo|image|screenshot|screen shot|scan)"
    r"[\s_-]*\d[\d\s_.:-]*(?:at[\d\s_.:-]+)?(?:[ap]m)?$"
    r"|^\d{6,}(?:[\s_-]\d+)*$", re.I)

_IMAGE_ROLES = frozenset({"image", "img", "graphics-document", "graphics-symbol"})
_TEXT_FIELD_ROLES = frozenset({"textbox", "searchbox", "combobox", "spinbutton"})
_LANDMARK_ROLES = frozenset({"banner", "navigation", "main", "contentinfo", "complementary", "search",
                             "form", "region"})
_TABLE_ROLES = frozenset({"table", "grid", "treegrid", "LayoutTable"})
_HEADER_ROLES = frozenset({"columnheader", "rowheader"})


def _quote(text: str, limit: int = 60) -> str:
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


# --- the checks --------------------------------------------------------------------------------

def check_link_text_vague(tree: PageTree) -> Iterator[Hit]:
    """Links whose whole name is a phrase from :data:`VAGUE_LINK_TEXT` ("read more", "اینجا")."""
    for link in tree.by_role("link"):
        if link.dom is not None and normalise_text(link.name) in _VAGUE:
            yield Hit("sr-link-text-vague", link.dom,
                      f"Link text {_quote(link.name)} says nothing when read out of context, as in a "
                      "screen reader's list of links: name the destination (e.g. \"Read more about "
                      "opening hours\"), or extend the name with aria-label or visually hidden text.")


def normalise_url(url: str) -> str:
    """A URL with the differences that do not change the target removed.

    Lower-case scheme and host, no default port, ``/index.html`` and a trailing slash
    dropped, tracking parameters (``utm_*``, ``gclid``, ``fbclid``) removed, the query
    sorted, an empty fragment dropped. Non-hierarchical URLs (``mailto:``) are only trimmed.
    """
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:  # a port that is no number: compare the URL as written
        return url.strip()
    if not parts.netloc:
        return url.strip()
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = re.sub(r"/(?:index|default)\.(?:html?|php|aspx?)$", "/", parts.path, flags=re.I)
    path = path.rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith("utm_") and k.lower() not in ("gclid", "fbclid"))
    return urlunsplit((scheme, netloc, path, urlencode(query), parts.fragment))


def same_resource(url: str) -> str:
    """The resource a link loads, for comparing link targets: :func:`normalise_url` without the fragment.

    A fragment never reaches the server: ``/help#fines`` and ``/help#renewals`` load the same
    document (ACT's "same resource"), so links named alike that differ only there are not ambiguous.
    """
    return urlsplit(normalise_url(url))._replace(fragment="").geturl()


def matching_name(name: str) -> str:
    """An accessible name as ACT rules compare names ("matching characters"): trimmed, runs of
    whitespace made one space, letter case ignored. Punctuation and accents still count."""
    return " ".join(name.split()).casefold()


def check_link_text_ambiguous(tree: PageTree) -> Iterator[Hit]:
    """Links with matching names that load different resources (ACT b20e66).

    Names match as in ACT (:func:`matching_name`); targets are compared as resources
    (:func:`same_resource`). Vague names are reported by their own rule.
    """
    groups: dict[str, list[tuple[AXNode, DomNode]]] = defaultdict(list)
    for link in tree.by_role("link"):
        key = matching_name(link.name)
        if key and normalise_text(link.name) not in _VAGUE and link.prop("url") and link.dom is not None:
            groups[key].append((link, link.dom))
    for links in groups.values():
        if len(links) < 2:
            continue
        targets = list(dict.fromkeys(same_resource(str(link.prop("url"))) for link, _dom in links))
        if len(targets) < 2:
            continue
        shown = ", ".join(targets[:3]) + (", …" if len(targets) > 3 else "")
        for link, dom in links:
            yield Hit("sr-link-text-ambiguous", dom,
                      f"{len(links)} links are named {_quote(link.name)} but go to {len(targets)} "
                      f"different places ({shown}): make each name say where it goes.")


# Roles a screen reader stops on as one item when reading line by line.
_ITEM_ROLES = frozenset({"link", "button", "heading", "textbox", "searchbox", "combobox", "listbox",
                         "checkbox", "radio", "switch", "slider", "spinbutton", *_IMAGE_ROLES})


def _is_item(node: AXNode) -> bool:
    return not node.ignored and (node.role == "StaticText" or node.role in _ITEM_ROLES)


def _reading_items(root: AXNode) -> Iterator[AXNode]:
    """What a screen reader reads one after another: text runs, links, images, headings, controls."""
    for node in root.walk(descend=lambda n: not _is_item(n)):
        if _is_item(node) and (node.role != "StaticText" or node.name.strip()):
            yield node


def check_link_adjacent_duplicate(tree: PageTree) -> Iterator[Hit]:
    """A link followed, with nothing read in between, by another link to the same place.

    The classic case is a product card: the cover image and the title are two links, so a
    screen reader says "Cover of The Hobbit, link. The Hobbit, link" and tabbing takes two stops.
    """
    page = urlsplit(tree.url)._replace(fragment="").geturl()
    items = list(_reading_items(tree.root))
    for first, second in zip(items, items[1:]):
        if first.role != "link" or second.role != "link" or first.dom is None:
            continue
        url_a, url_b = str(first.prop("url") or ""), str(second.prop("url") or "")
        in_page = urlsplit(url_a)._replace(fragment="").geturl() == page
        if url_a and not in_page and normalise_url(url_a) == normalise_url(url_b):
            yield Hit("sr-link-adjacent-duplicate", first.dom,
                      f"The links {_quote(first.name)} and {_quote(second.name)} follow each other and "
                      f"both go to {normalise_url(url_a)}: make them one link (the image and the text in "
                      "one <a>), so it is read and tabbed to once.")


def looks_like_file_name(name: str) -> bool:
    """Whether an image's name is a file name, a camera name or a generic word, not a description.

    ``"IMG_1234.jpg"``, ``"photo.png"``, ``"DSC0001"``, ``"/media/hero.webp"``, ``"image"``,
    ``"تصویر"``: True. ``"Reading room with long oak tables"``: False.
    """
    text = " ".join(name.split())
    return bool(text) and bool(_FILE_NAME.match(text) or _CAMERA_NAME.match(text)
                               or normalise_text(text) in _GENERIC_IMAGE)


def check_alt_filename(tree: PageTree) -> Iterator[Hit]:
    """Images (and image buttons) whose accessible name is a file name or a word like "image"."""
    for node in tree.walk():
        is_image = node.role in _IMAGE_ROLES
        is_image_button = (node.role == "button" and node.dom is not None and node.dom.tag == "input"
                           and (node.dom.attr("type") or "").lower() == "image")
        if (is_image or is_image_button) and node.dom is not None and looks_like_file_name(node.name):
            yield Hit("sr-alt-filename", node.dom,
                      f"A screen reader reads this image as {_quote(node.name)} (from its "
                      f"{node.name_source}): describe what the image shows or does, or use alt=\"\" "
                      "if it is decoration.")


def check_placeholder_only(tree: PageTree) -> Iterator[Hit]:
    """Text fields whose accessible name comes from the placeholder and nothing else."""
    for field_node in tree.walk():
        if (field_node.role in _TEXT_FIELD_ROLES and field_node.dom is not None
                and field_node.name_source in ("placeholder", "aria-placeholder")):
            yield Hit("sr-placeholder-only", field_node.dom,
                      f"This field is named only by its placeholder {_quote(field_node.name)}, which "
                      "disappears once the user types: add a <label> (or aria-label / aria-labelledby).")


_LABELLED_CONTROL_ROLES = frozenset({"link", "button", "menuitem", "menuitemcheckbox", "menuitemradio",
                                     "tab", "checkbox", "radio", "switch", "option", "treeitem", "gridcell"})
"""Widget roles that support name from content (ACT 2ee8b8's applicability)."""
_PARENTHESISED = re.compile(r"\([^()]*\)")


def label_tokens(text: str) -> list[str]:
    """Words of a label or name for the ACT label-in-name comparison.

    Lower-cased; text in round brackets dropped; every character that is not a letter, a
    mark or a decimal digit is a separator (punctuation, symbols, emoji, hyphens).
    ``"Read more…"`` -> ``["read", "more"]``; ``"Next ›"`` -> ``["next"]``;
    ``"Annual report (PDF, 2 MB)"`` -> ``["annual", "report"]``; ``"non-standard"`` ->
    ``["non", "standard"]``. Accents are kept: a different letter is a different word.
    """
    text = text.casefold()
    while True:
        stripped = _PARENTHESISED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    kept = "".join(c if unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd" else " "
                   for c in text)
    return kept.split()


def label_in_name(label: str, name: str) -> bool:
    """Whether a visible label is part of an accessible name (ACT 2ee8b8, the label-in-name algorithm).

    True when the label's :func:`label_tokens` occur in the name's tokens consecutively and
    whole (``"next page"`` is in ``"Next Page in the list"``; ``"nonstandard"`` is not in
    ``"non-standard"``, nor ``"2"`` in ``"two"``). A label of one character is a symbol
    (``"X"`` for close, ``"›"``) and always passes, as does a label with no words.
    """
    want, have = label_tokens(label), label_tokens(name)
    if len("".join(want)) <= 1:
        return True
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


def check_label_in_name(tree: PageTree) -> Iterator[Hit]:
    """Widgets named by aria-label / aria-labelledby whose name leaves out the text on screen.

    A screen reader announces "Download, link" for ``<a aria-label="Download">Annual report</a>``,
    and a voice-control user saying "click annual report" gets nothing. Follows ACT rule 2ee8b8:
    widget roles that take their name from content, visible text only (text hidden with CSS or
    the visually-hidden pattern is no label), compared word by word with :func:`label_in_name`.
    """
    for node in tree.nodes:
        if (node.role not in _LABELLED_CONTROL_ROLES or node.dom is None
                or node.name_source not in ("aria-label", "aria-labelledby")):
            continue
        if label_in_name(node.text(), node.name):  # the tree's text: hidden text included, spans spaced
            continue
        shown = tree.visible_text(node.dom) if tree.visible_text is not None else None
        shown = node.text() if shown is None else shown
        if not label_in_name(shown, node.name):
            yield Hit("sr-label-in-name", node.dom,
                      f"The {node.role} shows {_quote(shown)} but is named {_quote(node.name)} "
                      f"(from {node.name_source}): screen readers announce the name and voice control "
                      "users say the visible text, so make the name contain the visible words.")


def _form_owner(dom: DomNode) -> tuple:
    """Which form a field belongs to: its ``form`` attribute, else the nearest <form>, else its scope."""
    if dom.attr("form"):
        return ("form-attr", id(dom.scope), dom.attr("form"))
    node = dom.parent
    while node is not None and node.kind == "element":
        if node.tag == "form":
            return ("form", node.backend_id)
        node = node.parent
    return ("scope", id(dom.scope))


def _has_group_name(node: AXNode) -> bool:
    """Inside a named group, or in a cell of a data table with header cells (a survey matrix,
    where the row and column headers are read out as the user moves)."""
    for ancestor in node.ancestors():
        if ancestor.ignored:
            continue
        if ancestor.role in ("group", "radiogroup") and ancestor.name:
            return True
        if ancestor.role in ("table", "grid", "treegrid"):
            return any(n.role in _HEADER_ROLES for n in _table_content(ancestor))
    return False


def check_fieldset_no_legend(tree: PageTree) -> Iterator[Hit]:
    """Radio buttons and checkboxes sharing a ``name`` (a group of 2+) with no named group around them."""
    groups: dict[tuple, list[tuple[AXNode, DomNode]]] = defaultdict(list)
    for node in tree.by_role("radio", "checkbox"):
        dom = node.dom
        if dom is None or dom.tag != "input" or not dom.attr("name"):
            continue
        kind = (dom.attr("type") or "").lower()
        if kind in ("radio", "checkbox"):
            groups[(kind, _form_owner(dom), dom.attr("name"))].append((node, dom))
    for (kind, _owner, name), members in groups.items():
        if len(members) < 2:
            continue
        unnamed = [m_dom for m, m_dom in members if not _has_group_name(m)]
        if unnamed:
            what = "radio buttons" if kind == "radio" else "checkboxes"
            yield Hit("sr-fieldset-no-legend", unnamed[0],
                      f"{len(members)} {what} named {_quote(name)} have no group name, so a screen reader "
                      "reads the options without the question: wrap them in a <fieldset> with a "
                      "<legend>, or use role=\"radiogroup\"/\"group\" with aria-labelledby.")


def _table_content(table: AXNode) -> Iterator[AXNode]:
    """Descendants of a table, not entering nested tables (which are yielded themselves)."""
    nodes = table.walk(descend=lambda n: n is table or n.role not in _TABLE_ROLES)
    next(nodes)  # the table itself
    return nodes


def check_layout_table(tree: PageTree) -> Iterator[Hit]:
    """Native tables Chromium exposes as data tables, without header cells, holding page structure.

    Page structure in a cell — headings, landmarks or another table — marks a layout table;
    a screen reader still announces "table with 2 columns" and cell coordinates on every move.
    """
    for table in tree.by_role("table", "grid"):
        dom = table.dom
        if dom is None or dom.tag != "table" or dom.attr("role") or table.name:
            continue
        content = list(_table_content(table))
        if any(n.role in _HEADER_ROLES for n in content):
            continue
        signals = sorted({"headings" if n.role == "heading" else "landmarks" if n.role in _LANDMARK_ROLES
                          else "a nested table" for n in content
                          if not n.ignored and (n.role == "heading" or n.role in _LANDMARK_ROLES
                                                or n.role in _TABLE_ROLES)})
        if signals:
            yield Hit("sr-layout-table", dom,
                      f"This table has no header cells and holds {' and '.join(signals)}, so it lays "
                      "out the page, yet it is exposed as a data table: use CSS layout, or add "
                      "role=\"presentation\" to the table.")


# Text under these is code or markup, written in Latin whatever the page's language.
_NOT_PROSE_TAGS = frozenset({"code", "pre", "kbd", "samp", "var", "script", "style", "math", "svg"})
_BLOCK_ROLES = frozenset({"paragraph", "heading", "listitem", "cell", "gridcell", "columnheader",
                          "rowheader", "blockquote", "caption", "LabelText", "figcaption", "term",
                          "definition", "LayoutTableCell"})
PAGE_MIN_LETTERS = 20
"""A ``lang`` is judged only on at least this many letters."""
PART_MIN_LETTERS, PART_MIN_WORDS, PART_MIN_SHARE = 25, 5, 0.8
"""A passage needs its own ``lang`` from this many letters and words, this share in a foreign script."""


class _LangIndex:
    """For each DOM element: the element whose ``lang`` applies to it (None: no lang up to its document)."""

    def __init__(self) -> None:
        self._memo: dict[int, DomNode | None] = {}

    def lang_element(self, dom: DomNode | None) -> DomNode | None:
        chain: list[DomNode] = []
        found: DomNode | None = None
        node = dom
        while node is not None and node.kind == "element":
            if node.backend_id in self._memo:
                found = self._memo[node.backend_id]
                break
            chain.append(node)
            if "lang" in node.attrs or "xml:lang" in node.attrs:
                found = node
                break
            node = node.parent
            # Through shadow roots to their hosts; a framed document does not inherit.
            if node is not None and node.kind == "shadow":
                node = node.parent
        for element in chain:
            self._memo[element.backend_id] = found
        return found


def _element_of(node: AXNode) -> DomNode | None:
    """The DOM element behind an AX node (a text node's parent element for StaticText)."""
    for candidate in (node, *node.ancestors()):
        if candidate.dom is not None and candidate.dom.kind == "element":
            return candidate.dom
    return None


def _is_prose(node: AXNode) -> bool:
    return node.role != "code" and not any(
        a.role == "code" or (a.dom is not None and a.dom.tag in _NOT_PROSE_TAGS) for a in node.ancestors())


def _lang_of(element: DomNode) -> str:
    return element.attrs.get("lang") or element.attrs.get("xml:lang") or ""


def check_lang(tree: PageTree) -> Iterator[Hit]:
    """``lang`` attributes whose script cannot be right, and long passages in another script without one.

    sr-lang-mismatch: more than half the letters under an element's ``lang`` are in a script
    that language is not written in (``lang="en"`` over Persian). sr-lang-of-parts: a block
    (paragraph, heading, list item, cell) of at least :data:`PART_MIN_WORDS` words, at least
    :data:`PART_MIN_SHARE` in a foreign script, inheriting a ``lang`` that is right elsewhere.
    """
    index = _LangIndex()
    texts = [n for n in tree.walk() if n.role == "StaticText" and n.name.strip() and _is_prose(n)]
    letters_by_lang: dict[int, Counter] = defaultdict(Counter)
    elements: dict[int, DomNode] = {}
    for text in texts:
        owner = index.lang_element(_element_of(text))
        if owner is not None:
            letters_by_lang[owner.backend_id] += count_scripts(text.name)
            elements[owner.backend_id] = owner
    wrong = set()
    for backend_id, counts in letters_by_lang.items():
        element = elements[backend_id]
        allowed = scripts_for_lang(_lang_of(element))
        if allowed is None or sum(counts.values()) < PAGE_MIN_LETTERS:
            continue
        script, share = foreign_share(counts, allowed)
        if script is not None and share > 0.5:
            wrong.add(backend_id)
            yield Hit("sr-lang-mismatch", element,
                      f"lang={_quote(_lang_of(element))} but {share:.0%} of the "
                      f"{sum(counts.values())} letters under it are in {script} script: a screen reader "
                      f"reads them with the wrong voice. Set lang to the language of the text.")
    for block in tree.walk():
        if block.role not in _BLOCK_ROLES or block.dom is None or not _is_prose(block):
            continue
        owner = index.lang_element(block.dom)
        if owner is None or owner is block.dom or owner.backend_id in wrong:
            continue
        allowed = scripts_for_lang(_lang_of(owner))
        own_text = " ".join(t.name for t in _own_text(block) if _is_prose(t))
        counts = count_scripts(own_text)
        if allowed is None or sum(counts.values()) < PART_MIN_LETTERS:
            continue
        script, share = foreign_share(counts, allowed)
        if script is not None and share >= PART_MIN_SHARE and len(own_text.split()) >= PART_MIN_WORDS:
            yield Hit("sr-lang-of-parts", block.dom,
                      f"This passage is {share:.0%} {script} script but inherits "
                      f"lang={_quote(_lang_of(owner))}: give it its own lang attribute.")


def _own_text(block: AXNode) -> Iterator[AXNode]:
    """StaticText of a block, not entering nested blocks (they are judged on their own)."""
    for node in block.walk(descend=lambda n: n is block or n.role not in _BLOCK_ROLES):
        if node.role == "StaticText" and not node.ignored:
            yield node


CHECKS: tuple[Callable[[PageTree], Iterator[Hit]], ...] = (
    check_link_text_vague, check_link_text_ambiguous, check_link_adjacent_duplicate, check_alt_filename,
    check_placeholder_only, check_label_in_name, check_fieldset_no_legend, check_layout_table, check_lang,
)
"""Every check; :func:`find_issues` reports their findings in :data:`RULES` order."""


def find_issues(tree: PageTree, snippet: Callable[[DomNode], str] | None = None) -> list[Finding]:
    """Run :data:`CHECKS` on a page's tree.

    Parameters
    ----------
    tree : PageTree
        The page, from :func:`a11y.axtree.read_page_tree`.
    snippet : callable or None, default=None
        ``DomNode -> str`` giving an element's HTML snippet (the engine passes one that reads
        ``outerHTML`` over CDP); ``None`` uses the element's opening tag.

    Returns
    -------
    list of Finding
        One per rule that fired, in :data:`RULES` order, with one node per flagged element
        (target, html, summary, fingerprint), elements in reading order.
    """
    snippet = snippet or (lambda dom: dom.opening_tag())
    nodes_by_rule: dict[str, list[Node]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    for check in CHECKS:
        for hit in check(tree):
            if (hit.rule, hit.dom.backend_id) in seen:
                continue
            seen.add((hit.rule, hit.dom.backend_id))
            target, html = hit.dom.target(), snippet(hit.dom)
            nodes_by_rule[hit.rule].append(Node(target=target, html=html, summary=hit.summary,
                                                fingerprint=fingerprint(hit.rule, target, html)))
    return [rule.finding(nodes_by_rule[rule.id], "custom") for rule in RULES.values() if nodes_by_rule.get(rule.id)]


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
