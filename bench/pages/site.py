"""Generate the benchmark's local site: varied ~24 KB pages with planted axe defects.

Every page is a plausible page of a public library's website (navigation, articles,
a form, a data table, images, an aside and a footer) in one of five layouts. Each
page carries three planted defects from :data:`PLANTED_RULES`, chosen in rotation, and
a few pages lose their ``lang`` or ``<title>``. Every fifth page embeds an iframe whose
document holds a defect that appears nowhere else (:data:`FRAME_ONLY_RULE`), so a
tool that does not look inside frames is caught out. All planted rules are WCAG 2.0/2.1
A or AA rules of impact serious or critical, so every peer reports them by default
(pa11y-ci drops moderate and minor axe results unless asked).

The output is deterministic for a given seed: same bytes, same planted rules.

:func:`generate_spa_site` writes the same pages as script-rendered ones, like a
single-page app: the HTML document is a shell that says "Loading..." and fetches the
page's content (with its planted body and iframe defects) as JSON, then renders it
:data:`SPA_RENDER_DELAY_MS` after the data arrived. A tool that audits at the ``load``
event sees only the shell (whose ``lang`` and ``<title>`` defects are planted there).
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

PAGE_BYTES = 24 * 1024
"""Target size of one page, in bytes (the page stops growing once it reaches it)."""

PLANTED_RULES = (
    "image-alt", "label", "link-name", "color-contrast", "select-name", "list",
    "aria-required-attr", "input-button-name", "aria-valid-attr-value",
)
"""axe rule ids planted in page bodies: three consecutive ones per page, in rotation."""

LANG_RULE = "html-has-lang"
TITLE_RULE = "document-title"
FRAME_TITLE_RULE = "frame-title"
FRAME_ONLY_RULE = "button-name"
"""Planted only inside iframe documents: found only by tools that audit frames."""

FRAME_EVERY = 5

SPA_RENDER_DELAY_MS = 1000
"""Script-rendered pages render their content this long after its JSON arrived."""

SITE_NAME = "Northwind Public Library"
TOPICS = (
    "Opening hours", "Membership", "Room booking", "Events this month", "Digital lending",
    "Children's corner", "Local history archive", "Study spaces", "Printing and scanning",
    "Accessibility services", "Book clubs", "Language cafe", "Job seekers' help desk",
    "Home delivery", "Music collection", "Film nights", "Maker space", "Research databases",
    "Volunteer with us", "Donations", "Interlibrary loans", "Fines and fees", "Lost and found",
    "Branch locations", "Mobile library", "School visits", "Reading challenge", "Author talks",
    "Family history", "Newspapers and magazines", "E-book readers", "Wi-Fi and computers",
    "Exhibitions", "Quiet hours", "Teen zone", "Homework club", "Large print books",
    "Audiobooks", "Community notice board", "Meeting the council", "Poetry evening",
    "Citizen science", "Seed library", "Board games", "Tool library", "Repair cafe",
    "Museum passes", "Writing workshop", "Podcast studio", "Annual report",
)
NAV = ("Home", "Catalogue", "Events", "Services", "Kids", "Research", "About", "Contact")
LAYOUTS = ("article", "catalogue", "form", "landing", "faq")

_SUBJECTS = (
    "Our staff", "The reading room", "Every member", "The new catalogue", "Volunteers",
    "The children's library", "The archive team", "Visitors", "The events programme",
    "Our partners in the council", "The mobile library", "Local schools",
)
_VERBS = (
    "welcomes", "supports", "helps", "connects", "brings together", "offers", "guides",
    "introduces", "celebrates", "looks after", "lends", "explains",
)
_OBJECTS = (
    "readers of every age", "new members", "families on weekends", "students before exams",
    "people looking for work", "anyone who needs a quiet place to think", "local historians",
    "first-time computer users", "parents and toddlers", "community groups",
    "people who cannot visit in person", "writers working on a first book",
)
_TAILS = (
    "throughout the year", "at every branch", "without any booking", "free of charge",
    "in several languages", "with step-by-step guides", "on weekday evenings",
    "during school holidays", "with help from trained staff", "in accessible formats",
)


@dataclass(frozen=True)
class SitePage:
    """One generated page: where it lives and which axe rules were planted on it.

    ``planted`` holds every rule planted anywhere on the page, frames included;
    ``frame_only`` the subset that only exists inside the page's iframe.
    """

    path: str
    planted: frozenset[str]
    frame_only: frozenset[str] = frozenset()
    has_iframe: bool = False
    size: int = 0
    rendered_late: frozenset[str] = frozenset()
    """Planted rules that exist only once the page's script has rendered (script-rendered pages)."""


@dataclass
class Site:
    """The generated site: its root folder and its pages, in order."""

    root: Path
    pages: list[SitePage] = field(default_factory=list)

    def urls(self, base_url: str) -> list[str]:
        """Absolute URLs of the pages under ``base_url`` (e.g. ``http://127.0.0.1:8123/``)."""
        return [base_url.rstrip("/") + "/" + p.path for p in self.pages]


def generate_site(root: Path, n_pages: int = 50, seed: int = 2026) -> Site:
    """Write ``n_pages`` pages, their iframe documents and images under ``root``.

    Parameters
    ----------
    root : Path
        Output folder; created if missing. Existing files of the same names are replaced.
    n_pages : int, default=50
        Number of top-level pages, ``page-01.html`` onwards. At least 1.
    seed : int, default=2026
        Seed of the text generator; the same seed gives the same bytes.

    Returns
    -------
    Site
        The root and one :class:`SitePage` per page with its planted rules.
    """
    return _generate(root, n_pages, seed, spa=False)


def generate_spa_site(root: Path, n_pages: int = 50, seed: int = 2026) -> Site:
    """Write ``n_pages`` script-rendered pages (``spa-01.html`` onwards) and their JSON under ``root``.

    Each page holds the same content and planted defects as :func:`generate_site`'s page of
    the same number and seed, but the body arrives as ``data/spa-NN.json`` (``{"title":
    str | null, "html": str}``) and is rendered :data:`SPA_RENDER_DELAY_MS` after it was
    fetched; until then the page shows a "Loading..." status. The shell keeps the page's
    ``lang`` and ``<title>`` (and so their planted defects); every other planted rule is in
    ``rendered_late``. Images and iframe documents are shared with the static pages.
    """
    return _generate(root, n_pages, seed, spa=True)


def _generate(root: Path, n_pages: int, seed: int, *, spa: bool) -> Site:
    if n_pages < 1:
        raise ValueError(f"n_pages must be at least 1, got {n_pages}")
    root = Path(root)
    (root / "img").mkdir(parents=True, exist_ok=True)
    (root / "frames").mkdir(parents=True, exist_ok=True)
    if spa:
        (root / "data").mkdir(parents=True, exist_ok=True)
    _write_images(root / "img")
    rng = random.Random(seed)
    site = Site(root=root)
    for number in range(1, n_pages + 1):
        site.pages.append(_write_page(root, number, n_pages, rng, spa=spa))
    return site


def _write_page(root: Path, number: int, n_pages: int, rng: random.Random, *, spa: bool = False) -> SitePage:
    topic = TOPICS[(number - 1) % len(TOPICS)]
    layout = LAYOUTS[(number - 1) % len(LAYOUTS)]
    planted = {PLANTED_RULES[(2 * number + k) % len(PLANTED_RULES)] for k in range(3)}
    with_lang = number % 9 != 4
    with_title = number % 13 != 7
    has_iframe = number % FRAME_EVERY == 0
    frame_titled = number % (2 * FRAME_EVERY) != 0
    if not with_lang:
        planted.add(LANG_RULE)
    if not with_title:
        planted.add(TITLE_RULE)
    frame_only: set[str] = set()
    if has_iframe:
        _write_frame(root / "frames" / f"frame-{number:02d}.html", topic, rng)
        frame_only.add(FRAME_ONLY_RULE)
        if not frame_titled:
            planted.add(FRAME_TITLE_RULE)

    page = _Page(rng, topic, number, n_pages)
    body = [page.header(), '<main id="main">', f"<h1>{html.escape(topic)}</h1>", page.lede()]
    body += page.layout_sections(layout)
    body.append(page.defects_section(sorted(planted & set(PLANTED_RULES))))
    if has_iframe:
        title_attr = f' title="{html.escape(topic)}: live widget"' if frame_titled else ""
        comment = "" if frame_titled else "<!-- planted: frame-title (iframe without a title) -->\n"
        body.append(
            f'<section aria-labelledby="widget-h"><h2 id="widget-h">Live information</h2>\n{comment}'
            f'<iframe src="frames/frame-{number:02d}.html"{title_attr} width="600" height="260"></iframe>'
            "\n</section>"
        )
    tail = ["</main>", page.aside(), page.footer(), "</body>\n</html>\n"]
    head = _head(topic, with_lang, with_title)
    # Grow the main content with more articles while the page is clearly below its size
    # (an article adds 1-2.5 KB, so pages end within about 1 KB of PAGE_BYTES on average).
    text = "\n".join([head, *body, *tail])
    while len(text.encode()) < PAGE_BYTES - 1024:
        body.insert(len(body) - 1, page.article(level=2))
        text = "\n".join([head, *body, *tail])
    all_planted = frozenset(planted | frame_only)
    if spa:
        path = f"spa-{number:02d}.html"
        content = "\n".join([*body, *tail[:-1]])
        title = f"{topic} | {SITE_NAME}" if with_title else None
        (root / "data" / f"spa-{number:02d}.json").write_text(
            json.dumps({"title": title, "html": content}), encoding="utf-8")
        text = _spa_shell(head, f"data/spa-{number:02d}.json")
        (root / path).write_text(text, encoding="utf-8")
        late = all_planted - {LANG_RULE, TITLE_RULE}
        return SitePage(path=path, planted=all_planted, frame_only=frozenset(frame_only),
                        has_iframe=has_iframe, size=len(text.encode()) + len(content.encode()),
                        rendered_late=late)
    path = f"page-{number:02d}.html"
    (root / path).write_text(text, encoding="utf-8")
    return SitePage(path=path, planted=all_planted, frame_only=frozenset(frame_only),
                    has_iframe=has_iframe, size=len(text.encode()))


def _spa_shell(head: str, data_path: str) -> str:
    """The script-rendered page: its head, a "Loading..." status, and the script that renders the JSON."""
    head = head.replace("<title>", "<title>Loading: ", 1)
    return f"""{head}
<div id="app"><p role="status">Loading...</p></div>
<script>
fetch({json.dumps(data_path)})
  .then((response) => response.json())
  .then((page) => setTimeout(() => {{
    if (page.title) document.title = page.title;
    document.getElementById("app").innerHTML = page.html;
  }}, {SPA_RENDER_DELAY_MS}));
</script>
</body>
</html>
"""


def _head(topic: str, with_lang: bool, with_title: bool) -> str:
    lang = ' lang="en"' if with_lang else ""
    lang_note = "" if with_lang else "<!-- planted: html-has-lang (no lang attribute) -->\n"
    title = f"<title>{html.escape(topic)} | {SITE_NAME}</title>" if with_title else \
        "<!-- planted: document-title (no title element) -->"
    return f"""<!DOCTYPE html>
{lang_note}<html{lang}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{title}
<style>
  body {{ font: 16px/1.5 system-ui, sans-serif; color: #1d1d1f; background: #ffffff; margin: 0; }}
  header, footer {{ background: #0b3d5c; color: #ffffff; padding: 0.75rem 1.5rem; }}
  header a, footer a {{ color: #ffffff; }}
  nav ul {{ list-style: none; display: flex; gap: 1rem; padding: 0; margin: 0.5rem 0 0; }}
  main {{ max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem; }}
  aside {{ max-width: 60rem; margin: 0 auto; padding: 0 1.5rem; }}
  a {{ color: #0b57a4; }}
  .skip {{ position: absolute; left: -999px; }}
  .skip:focus {{ left: 1rem; top: 1rem; background: #ffffff; color: #0b57a4; }}
  .cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 1rem; }}
  .card {{ border: 1px solid #c8c8c8; border-radius: 6px; padding: 0.75rem; }}
  table {{ border-collapse: collapse; width: 100%; }}
  th, td {{ border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: left; }}
  label {{ display: block; margin-top: 0.5rem; }}
  .fineprint {{ font-size: 0.875rem; }}
  .tags li {{ display: inline-block; margin-right: 0.5rem; }}
</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>"""


class _Page:
    """Builds the pieces of one page from a shared random source."""

    def __init__(self, rng: random.Random, topic: str, number: int, n_pages: int):
        self.rng, self.topic, self.number, self.n_pages = rng, topic, number, n_pages
        self._ids = 0

    # -- text -----------------------------------------------------------------------
    def sentence(self) -> str:
        r = self.rng
        return (f"{r.choice(_SUBJECTS)} {r.choice(_VERBS)} {r.choice(_OBJECTS)} "
                f"{r.choice(_TAILS)}.")

    def paragraph(self, n: int | None = None) -> str:
        n = n or self.rng.randint(3, 6)
        text = " ".join(self.sentence() for _ in range(n))
        return f"<p>{html.escape(text)}</p>"

    def uid(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-{self._ids}"

    def link(self, i: int) -> str:
        return f"page-{(i % self.n_pages) + 1:02d}.html"

    # -- fixed parts ----------------------------------------------------------------
    def header(self) -> str:
        items = "".join(f'<li><a href="{self.link(self.number + k)}">{name}</a></li>'
                        for k, name in enumerate(NAV))
        return (f'<header><a href="page-01.html"><img src="img/logo.svg" alt="{SITE_NAME}, home" '
                f'width="180" height="40"></a>\n<nav aria-label="Main"><ul>{items}</ul></nav></header>')

    def lede(self) -> str:
        return f'<p class="lede">{html.escape(self.sentence())} {html.escape(self.sentence())}</p>'

    def aside(self) -> str:
        links = "".join(f'<li><a href="{self.link(self.number + 3 + k)}">'
                        f'{html.escape(TOPICS[(self.number + 3 + k) % len(TOPICS)])}</a></li>'
                        for k in range(5))
        return (f'<aside aria-labelledby="related-h"><h2 id="related-h">Related pages</h2>'
                f"<ul>{links}</ul></aside>")

    def footer(self) -> str:
        links = " | ".join(f'<a href="{self.link(self.number + 10 + k)}">{name}</a>'
                           for k, name in enumerate(("Privacy", "Accessibility statement", "Jobs",
                                                     "Press", "Sitemap")))
        return (f"<footer><p>{SITE_NAME}, 12 Harbour Street. Phone "
                f'<a href="tel:+441234567890">01234 567 890</a>.</p><p>{links}</p></footer>')

    # -- sections -------------------------------------------------------------------
    def article(self, level: int = 2) -> str:
        heading = html.escape(f"{self.topic}: {self.rng.choice(_OBJECTS)}".capitalize())
        parts = [f"<article><h{level}>{heading}</h{level}>", self.paragraph(), self.paragraph()]
        if self.rng.random() < 0.5:
            items = "".join(f"<li>{html.escape(self.sentence())}</li>" for _ in range(4))
            parts.append(f"<ul>{items}</ul>")
        if self.rng.random() < 0.4:
            n = self.rng.randint(1, 6)
            parts.append(f'<figure><img src="img/photo-{n}.svg" alt="Photo {n}: readers in the '
                         f'{html.escape(self.topic.lower())} area" width="320" height="180">'
                         f"<figcaption>{html.escape(self.sentence())}</figcaption></figure>")
        parts.append(self.paragraph())
        parts.append("</article>")
        return "\n".join(parts)

    def table(self) -> str:
        rows = []
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
                    "Bank holidays", "School holidays", "Christmas week"):
            opens = self.rng.choice(("08:30", "09:00", "10:00"))
            closes = self.rng.choice(("17:00", "18:30", "20:00"))
            rows.append(f'<tr><th scope="row">{day}</th><td>{opens}</td><td>{closes}</td>'
                        f"<td>{self.rng.randint(2, 40)}</td></tr>")
        return ('<section aria-labelledby="times-h"><h2 id="times-h">Times and capacity</h2>'
                "<table><caption>Opening times and free study places</caption><thead><tr>"
                '<th scope="col">Day</th><th scope="col">Opens</th><th scope="col">Closes</th>'
                '<th scope="col">Free places</th></tr></thead><tbody>'
                + "".join(rows) + "</tbody></table></section>")

    def form(self) -> str:
        f = {k: self.uid(k) for k in ("name", "email", "date", "branch", "msg", "news")}
        return f"""<section aria-labelledby="form-h"><h2 id="form-h">Ask us about {html.escape(self.topic.lower())}</h2>
<form action="page-01.html" method="get">
<fieldset><legend>Your details</legend>
<label for="{f['name']}">Full name</label><input id="{f['name']}" name="name" type="text" autocomplete="name">
<label for="{f['email']}">Email address</label><input id="{f['email']}" name="email" type="email" autocomplete="email">
</fieldset>
<label for="{f['date']}">Preferred date</label><input id="{f['date']}" name="date" type="date">
<label for="{f['branch']}">Branch</label><select id="{f['branch']}" name="branch">\
<option>Central</option><option>Harbour</option><option>Hillside</option></select>
<label for="{f['msg']}">Your question</label><textarea id="{f['msg']}" name="message" rows="4"></textarea>
<p><input id="{f['news']}" type="checkbox" name="news"> \
<label for="{f['news']}" style="display:inline">Send me the monthly newsletter</label></p>
<button type="submit">Send question</button>
</form></section>"""

    def cards(self) -> str:
        cards = []
        for k in range(6):
            n = (self.number + k) % 6 + 1
            topic = TOPICS[(self.number + 7 * k) % len(TOPICS)]
            cards.append(f'<div class="card"><img src="img/photo-{n}.svg" alt="" width="220" height="124">'
                         f'<h3><a href="{self.link(self.number + 7 * k)}">{html.escape(topic)}</a></h3>'
                         f"<p>{html.escape(self.sentence())}</p></div>")
        return ('<section aria-labelledby="cards-h"><h2 id="cards-h">Explore more</h2>'
                f'<div class="cards">{"".join(cards)}</div></section>')

    def faq(self) -> str:
        items = "".join(f"<details><summary>{html.escape(self.sentence()[:-1])}?</summary>"
                        f"{self.paragraph(2)}</details>" for _ in range(6))
        return f'<section aria-labelledby="faq-h"><h2 id="faq-h">Questions and answers</h2>{items}</section>'

    def layout_sections(self, layout: str) -> list[str]:
        plans = {
            "article": [self.article, self.article, self.table],
            "catalogue": [self.table, self.cards, self.article],
            "form": [self.article, self.form, self.faq],
            "landing": [self.cards, self.article, self.form],
            "faq": [self.faq, self.article, self.table],
        }
        return [build() for build in plans[layout]]

    def defects_section(self, rules: list[str]) -> str:
        """A "Tools" section holding the planted body defects, each with a comment."""
        snippets = {
            "image-alt": f'<img src="img/chart-{self.number % 3 + 1}.svg" width="300" height="150">',
            "label": '<p>Promotion code <input type="text" name="promo"></p>',
            "link-name": f'<p><a href="{self.link(self.number + 1)}" class="card-link"></a></p>',
            "color-contrast": '<p class="fineprint" style="color:#b8b8b8">Prices include VAT. '
                              "Terms and conditions apply to room bookings.</p>",
            "select-name": '<p><select name="sort"><option>Newest first</option>'
                           "<option>Oldest first</option></select></p>",
            "list": '<ul class="tags"><div>Tags:</div><li>reading</li><li>community</li></ul>',
            "aria-required-attr": '<div role="slider" tabindex="0" aria-label="Text size">A</div>',
            "input-button-name": f'<form action="page-01.html"><label for="q-{self.number}">Search the '
                                 f'catalogue</label><input id="q-{self.number}" name="q" type="search">'
                                 '<input type="submit" value=""></form>',
            "aria-valid-attr-value": '<button type="button" aria-expanded="maybe">Filters</button>',
        }
        parts = ['<section aria-labelledby="tools-h"><h2 id="tools-h">Tools</h2>']
        for rule in rules:
            parts.append(f"<!-- planted: {rule} -->\n{snippets[rule]}")
        parts.append("</section>")
        return "\n".join(parts)


def _write_frame(path: Path, topic: str, rng: random.Random) -> None:
    """An iframe document whose only defect is :data:`FRAME_ONLY_RULE`."""
    rows = "".join(f'<tr><th scope="row">{branch}</th><td>{rng.randint(0, 30)}</td></tr>'
                   for branch in ("Central", "Harbour", "Hillside", "Riverside", "Old Town"))
    path.write_text(f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(topic)}: live widget</title>
<style>body {{ font: 14px/1.4 system-ui, sans-serif; color: #1d1d1f; background: #ffffff; }}</style></head>
<body>
<main>
<h1>Free study places now</h1>
<table><caption>Free places by branch</caption><thead><tr><th scope="col">Branch</th>
<th scope="col">Free places</th></tr></thead><tbody>{rows}</tbody></table>
<!-- planted: {FRAME_ONLY_RULE} (icon button without an accessible name) -->
<button type="button" class="refresh"></button>
</main>
</body>
</html>
""", encoding="utf-8")


def _write_images(folder: Path) -> None:
    """Small SVG stand-ins for the logo, photos and charts the pages show."""
    (folder / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">'
        '<rect width="180" height="40" fill="#0b3d5c"/><text x="10" y="26" fill="#fff" '
        'font-family="sans-serif" font-size="16">Northwind Library</text></svg>', encoding="utf-8")
    palette = ("#7aa6c2", "#c29a7a", "#8fc27a", "#c27aa8", "#c2bb7a", "#7ac2b5")
    for n, colour in enumerate(palette, start=1):
        (folder / f"photo-{n}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">'
            f'<rect width="320" height="180" fill="{colour}"/><circle cx="{60 * n}" cy="90" r="40" '
            f'fill="#ffffff" opacity="0.6"/></svg>', encoding="utf-8")
    for n in range(1, 4):
        bars = "".join(f'<rect x="{20 + 45 * k}" y="{140 - 20 * ((k + n) % 6)}" width="30" '
                       f'height="{20 * ((k + n) % 6) + 10}" fill="#0b57a4"/>' for k in range(6))
        (folder / f"chart-{n}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150" viewBox="0 0 300 150">'
            f"{bars}</svg>", encoding="utf-8")
