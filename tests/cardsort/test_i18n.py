"""Participant strings: every language complete, placeholders intact, plurals by CLDR rules."""

import re

import pytest

from cardsort import i18n

LANGS = ("ar", "en", "fa", "ru", "tr")


def placeholders(value):
    texts = value.values() if isinstance(value, dict) else [value]
    return {frozenset(re.findall(r"\{(\w+)\}", t)) for t in texts} - {frozenset()}


def test_the_five_languages_are_available():
    assert i18n.available_languages() == LANGS


@pytest.mark.parametrize("lang", [x for x in LANGS if x != "en"])
def test_every_language_has_every_key_with_the_same_placeholders(lang):
    en = i18n._catalog("en")
    other = i18n._catalog(lang)
    assert sorted(set(en) - set(other)) == []
    assert sorted(set(other) - set(en)) == []
    for key, text in en.items():
        if key == "_meta":
            continue
        assert isinstance(other[key], dict) == isinstance(text, dict), key
        # Every placeholder a translation uses must be one English offers.
        used = set().union(*placeholders(other[key])) if placeholders(other[key]) else set()
        offered = set().union(*placeholders(text)) if placeholders(text) else set()
        assert used <= offered | {"count"}, (key, used, offered)
        if isinstance(text, dict):
            assert "other" in other[key], key


@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("fa", "rtl"), ("ar", "rtl"), ("ru", "ltr"),
                                             ("tr", "ltr"), ("fa-IR", "rtl"), ("de", "ltr")])
def test_direction(lang, direction):
    assert i18n.direction(lang) == direction


@pytest.mark.parametrize("tag, lang", [("fa-IR", "fa"), ("AR", "ar"), ("de-DE", "en"), (None, "en"), ("", "en")])
def test_resolve_language(tag, lang):
    assert i18n.resolve_language(tag) == lang


@pytest.mark.parametrize("lang, n, category", [
    ("en", 0, "other"), ("en", 1, "one"), ("en", 2, "other"),
    ("ru", 1, "one"), ("ru", 21, "one"), ("ru", 11, "many"), ("ru", 3, "few"), ("ru", 22, "few"),
    ("ru", 12, "many"), ("ru", 5, "many"), ("ru", 111, "many"),
    ("ar", 0, "zero"), ("ar", 1, "one"), ("ar", 2, "two"), ("ar", 3, "few"), ("ar", 110, "few"),
    ("ar", 11, "many"), ("ar", 99, "many"), ("ar", 100, "other"),
    ("fa", 0, "one"), ("fa", 1, "one"), ("fa", 2, "other"), ("tr", 1, "one"), ("tr", 4, "other"),
])
def test_plural_category(lang, n, category):
    assert i18n.plural_category(lang, n) == category


def test_translate_fills_placeholders_and_localises_digits():
    assert i18n.translate("en", "req_max_groups", used=7, max=5) == (
        "You used 7 groups; this study allows at most 5. Please combine some groups.")
    assert i18n.translate("fa", "progress", sorted=2, total=10) == "۲ از ۱۰ کارت مرتب شده است"
    assert i18n.translate("ar", "group_count", count=2) == "بطاقتان"
    assert i18n.translate("ru", "group_count", count=5) == "5 карточек"
    assert i18n.translate("de", "start") == "Start sorting"


def test_translate_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown message key 'nope'"):
        i18n.translate("en", "nope")
    with pytest.raises(ValueError, match="has plural forms: pass count"):
        i18n.translate("en", "req_unsorted")
    with pytest.raises(ValueError, match=r"needs a value for \{group\}"):
        i18n.translate("en", "live_created")
