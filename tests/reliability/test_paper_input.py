"""Hostile input to paper sorts: whatever a researcher types gives a sort that stores, or one PaperSortError.

Property tests (hypothesis) feed :func:`cardsort.paper.paper_sort` random participant ids, group names,
category choices and card-number text (digits, separators, dashes, markup, bidi controls, NUL); the
sort it returns always passes the store's own check and stores; a refusal is a ``PaperSortError`` with
at least one problem, and nothing is stored. The printable cards escape every label.
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardsort import store
from cardsort.model import study_from_spec
from cardsort.paper import PaperGroup, PaperSortError, paper_sort, render_cards

from .conftest import add_study

HYPO = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hostile_text = st.text(alphabet=st.sampled_from(
    list("ab =+-@\t\r\n,;\"'<>&/\\#") + ["\u202e", "\u200f", "\ufeff", "é", "ب", "\x00", "\x1b"]),
    min_size=0, max_size=12)
numbers_text = st.text(alphabet=st.sampled_from(list("0123456789 ,;-–،x") + ["۳", "\x00", "\u202e"]), max_size=14)
group = st.builds(PaperGroup, numbers=st.one_of(st.sampled_from(["1-6", "1-3", "4-6", "1, 2", "5"]), numbers_text,
                                                  hostile_text), label=hostile_text,
                  category=st.sampled_from([None, "k1", "k2", "k9", ""]))
_ids = itertools.count()


@HYPO
@given(pid=hostile_text, groups=st.lists(group, max_size=5), kind=st.sampled_from(["open", "closed", "hybrid"]),
       require_all=st.booleans())
def test_a_typed_paper_sort_stores_or_is_refused_with_named_problems(engine, pid, groups, kind, require_all):
    spec = {"name": "Shop", "kind": kind, "cards": [f"Card {i}" for i in range(1, 7)],
            "settings": {"require_all_sorted": require_all}}
    if kind != "open":
        spec["categories"] = ["Wear", "Carry"]
    study = add_study(engine, spec, f"s{next(_ids)}")
    try:
        sort = paper_sort(study, pid, groups)
    except PaperSortError as err:
        assert err.problems and all(isinstance(p, str) and p for p in err.problems)
        return
    store.check_sort(study, sort)
    assert store.import_sorts(engine, study.id, [sort]) == 1
    assert store.load_sorts(engine, study.id) == [sort]


class _Labels(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels: list[str] = []
        self.tags: set[str] = set()
        self._in = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self._in = ("class", "label") in attrs
        if self._in:
            self.labels.append("")

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.labels[-1] += data


@HYPO
@given(labels=st.lists(hostile_text.filter(lambda s: s.strip() and "\x00" not in s), min_size=1, max_size=10,
                       unique_by=str.strip))
def test_printable_cards_show_every_label_as_text(labels):
    page = _Labels()
    page.feed(render_cards(study_from_spec({"name": "x", "kind": "open", "cards": labels}, "s1")))
    assert page.labels == [label.strip() for label in labels]
    assert page.tags == {"html", "head", "meta", "title", "style", "body", "header", "h1", "p", "main", "ul", "li",
                         "span"}
