"""The Jinja2 environment of the HTML reports: escaping, language attributes and the shared table macros."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from cardsort import templating


def test_escape_writes_the_entities_the_reports_always_used_and_keeps_markup():
    assert templating.escape('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    assert templating.escape(None) == "" and templating.escape(3) == "3"
    assert templating.escape(Markup("<b>kept</b>")) == "<b>kept</b>"


def test_every_expression_is_escaped_and_template_syntax_in_data_stays_text():
    env = templating.environment()
    assert env.autoescape is True
    page = env.from_string("<p>{{ text }}</p>{{ markup }}{{ items|join(', ') }}").render(
        text='{{ 7*7 }}<script>"', markup=Markup("<br>"), items=["<i>", "b"])
    assert page == "<p>{{ 7*7 }}&lt;script&gt;&quot;</p><br>&lt;i&gt;, b"


def test_an_undefined_name_is_an_error_not_empty_text():
    with pytest.raises(Exception, match="'missing' is undefined"):
        templating.environment().from_string("{{ missing }}").render()


@pytest.mark.parametrize(("lang", "attrs"), [
    ("en", ' lang="en"'), ("fa", ' lang="fa" dir="rtl"'), ("ar-EG", ' lang="ar-EG" dir="rtl"'),
    ("HE", ' lang="HE" dir="rtl"'), ("ckb", ' lang="ckb" dir="rtl"'), ("tr", ' lang="tr"'),
    ('x"><script>', ' lang="x&quot;&gt;&lt;script&gt;"')])
def test_language_attributes(lang, attrs):
    assert templating.lang_attrs(lang) == attrs
    assert templating.is_rtl(lang) is ("rtl" in attrs)


def test_table_macro_has_a_caption_column_headers_row_headers_and_numeric_cells():
    page = templating.environment().from_string(
        '{% from "macros.html.j2" import table, row %}'
        '{% call table("Cards <all>", ["Card", "Count"], numeric=(1,), class="wide") %}'
        '{{ row(["<b>", 2], numeric=(1,)) }}{{ row(["x", 3], row_header=false) }}{% endcall %}').render()
    assert page == ('<table class="wide"><caption>Cards &lt;all&gt;</caption><thead><tr><th scope="col">Card</th>'
                    '<th scope="col" class="num">Count</th></tr></thead><tbody>'
                    '<tr><th scope="row">&lt;b&gt;</th><td class="num">2</td></tr>'
                    "<tr><td>x</td><td>3</td></tr></tbody></table>")


def test_table_without_header_has_no_thead():
    page = templating.environment().from_string(
        '{% from "macros.html.j2" import table, row %}{% call table("Facts") %}{{ row(["Pages", 4]) }}{% endcall %}'
    ).render()
    assert page == '<table><caption>Facts</caption><tbody><tr><th scope="row">Pages</th><td>4</td></tr></tbody></table>'


def test_base_layout_is_one_self_contained_page():
    page = templating.environment().from_string(
        '{% extends "base.html.j2" %}{% block css %}p { color: red; }{% endblock %}'
        "{% block body %}<p>{{ text }}</p>{% endblock %}").render(lang="fa", title="T & <t>", text="<x>")
    assert page.startswith('<!DOCTYPE html>\n<html lang="fa" dir="rtl"><head><meta charset="utf-8">'
                           '<meta name="viewport" content="width=device-width, initial-scale=1">'
                           "<title>T &amp; &lt;t&gt;</title><style>\n")
    assert (templating.TEMPLATES / "base.css").read_text(encoding="utf-8") + "p { color: red; }</style>" in page
    assert page.endswith("</head><body>\n<p>&lt;x&gt;</p></body></html>\n")
