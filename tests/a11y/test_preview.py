"""The screen-reader preview (a11y.preview.preview / format_preview) on known pages in real Chromium.

tests/a11y/site/custom/preview.html is written for these tests: every expected value
below was read off its markup by hand.
"""

from __future__ import annotations

import json

import pytest

from a11y import preview

PAGE = "custom/preview.html"


@pytest.fixture(scope="module")
def page_preview(driver, site_url):
    driver.get(f"{site_url}/{PAGE}")
    return preview.preview(driver)


@pytest.mark.browser
def test_title_lang_and_url(page_preview, site_url):
    assert page_preview["title"] == "Visit us – City Library"
    assert page_preview["lang"] == "en"
    assert page_preview["url"] == f"{site_url}/{PAGE}"
    assert page_preview["unreadable_frames"] == []


@pytest.mark.browser
def test_headings_outline_includes_the_levels(page_preview):
    assert page_preview["headings"] == [
        {"level": 1, "text": "Visit us"}, {"level": 2, "text": "Opening hours"},
        {"level": 2, "text": "Book a visit"}, {"level": 3, "text": "In the frame"}]


@pytest.mark.browser
def test_landmarks_list_named_forms_only(page_preview):
    assert page_preview["landmarks"] == [
        {"role": "banner", "name": ""}, {"role": "navigation", "name": "Main"}, {"role": "main", "name": ""},
        {"role": "form", "name": "Book a visit"}, {"role": "contentinfo", "name": ""}]


@pytest.mark.browser
def test_links_come_from_frames_and_shadow_roots_too(page_preview, site_url):
    assert page_preview["links"] == [
        {"name": "City Library home", "href": f"{site_url}/"},
        {"name": "Catalogue", "href": f"{site_url}/catalogue"},
        {"name": "Events", "href": f"{site_url}/events"},
        {"name": "Bus timetable", "href": f"{site_url}/visit/buses"},  # in the iframe
        {"name": "Parking near the library", "href": f"{site_url}/visit/parking"},  # in a shadow root
        {"name": "Accessibility statement", "href": f"{site_url}/accessibility"}]


@pytest.mark.browser
def test_form_fields_say_where_each_name_comes_from(page_preview):
    fields = page_preview["form_fields"]
    assert [(f["role"], f["name"], f["name_source"]) for f in fields] == [
        ("textbox", "Your name", "label"), ("textbox", "Email", "aria-label"),
        ("spinbutton", "Group size", "aria-labelledby"),
        ("date", "Date of visit", "title"),  # one field, not its month/day/year parts
        ("radio", "Yes", "label"), ("radio", "No", "label")]
    assert [(f["required"], f["description"]) for f in fields] == [
        (False, ""), (True, "We send the confirmation here."), (False, ""), (False, ""),
        (False, ""), (False, "")]


@pytest.mark.browser
def test_images_tell_exposed_from_presentational(page_preview):
    assert page_preview["images"] == [
        {"name": "The library's glass front on Market Square",
         "alt": "The library's glass front on Market Square", "role": "image", "src": "/img/front.jpg"},
        {"name": "", "alt": "", "role": "presentational", "src": "/img/divider.png"}]


@pytest.mark.browser
def test_tab_order_positive_tabindex_first_radio_group_once(page_preview):
    assert [(s["role"], s["name"]) for s in page_preview["tab_order"]] == [
        ("generic", "Skip to the booking form"),  # tabindex=1
        ("link", "City Library home"),  # tabindex=2
        ("link", "Catalogue"), ("link", "Events"),
        ("textbox", "Your name"), ("textbox", "Email"), ("spinbutton", "Group size"),
        ("date", "Date of visit"),
        ("radio", "No"),  # the checked radio is the group's one stop; tabindex=-1 span skipped
        ("button", "Book"),
        ("link", "Bus timetable"),  # the iframe's stops where the iframe sits
        ("link", "Parking near the library"), ("link", "Accessibility statement")]


@pytest.mark.browser
def test_reading_order_is_linear_like_browse_mode(page_preview):
    assert page_preview["reading_order"] == [
        {"role": "banner", "text": ""}, {"role": "link", "text": "City Library home"},
        {"role": "navigation", "text": "Main"}, {"role": "link", "text": "Catalogue"},
        {"role": "link", "text": "Events"},
        {"role": "main", "text": ""}, {"role": "heading", "text": "Visit us", "level": 1},
        {"role": "image", "text": "The library's glass front on Market Square"},
        {"role": "heading", "text": "Opening hours", "level": 2},
        {"role": "text", "text": "Weekdays 08:00 to 22:00."},
        {"role": "text", "text": "Skip to the booking form"},
        {"role": "heading", "text": "Book a visit", "level": 2},
        {"role": "form", "text": "Book a visit"},
        {"role": "text", "text": "Your name"}, {"role": "textbox", "text": "Your name"},
        {"role": "textbox", "text": "Email"}, {"role": "text", "text": "We send the confirmation here."},
        {"role": "text", "text": "Group size"}, {"role": "spinbutton", "text": "Group size"},
        {"role": "date", "text": "Date of visit"},
        {"role": "text", "text": "Guided tour"},
        {"role": "radio", "text": "Yes"}, {"role": "radio", "text": "No"},
        {"role": "text", "text": "Not a tab stop"}, {"role": "button", "text": "Book"},
        {"role": "heading", "text": "In the frame", "level": 3},
        {"role": "frame", "text": "Map of the area"}, {"role": "text", "text": "Bus stops nearby."},
        {"role": "link", "text": "Bus timetable"},
        {"role": "link", "text": "Parking near the library"},
        {"role": "contentinfo", "text": ""}, {"role": "link", "text": "Accessibility statement"}]


@pytest.mark.browser
def test_preview_is_json(page_preview):
    assert json.loads(json.dumps(page_preview)) == page_preview


@pytest.mark.browser
def test_format_preview_of_the_known_page(page_preview, site_url):
    text = preview.format_preview(page_preview)
    lines = text.splitlines()
    assert lines[:3] == [f"Screen-reader preview of {site_url}/{PAGE}", "Title: Visit us – City Library",
                         "Language: en"]
    assert ("Headings (4)\n  h1 Visit us\n    h2 Opening hours\n    h2 Book a visit\n"
            "      h3 In the frame\n") in text
    assert "  date: Date of visit [name from title]" in lines
    assert "  textbox: Email [name from aria-label], required – We send the confirmation here." in lines
    assert "  1. generic: Skip to the booking form" in lines
    assert "  13. link: Accessibility statement" in lines
    assert "  presentational: /img/divider.png" in lines


@pytest.mark.browser
def test_preview_of_a_persian_page(driver, site_url):
    driver.get(f"{site_url}/custom/clean-fa.html")
    data = preview.preview(driver)
    assert (data["title"], data["lang"]) == ("ساعت کار – کتابخانهٔ شهر", "fa")
    assert data["headings"] == [{"level": 1, "text": "ساعت کار کتابخانه در بهار"},
                                {"level": 2, "text": "نشانی"}]
    assert data["form_fields"] == [{"role": "searchbox", "name": "جست‌وجوی کتاب", "name_source": "label",
                                    "description": "", "required": False}]
    assert data["landmarks"] == [{"role": "banner", "name": ""}, {"role": "navigation", "name": "فهرست اصلی"},
                                 {"role": "main", "name": ""}, {"role": "contentinfo", "name": ""}]


def test_format_preview_of_a_hand_made_preview():
    data = {
        "url": "http://127.0.0.1/x", "title": "", "lang": None,
        "headings": [{"level": 2, "text": ""}], "landmarks": [{"role": "main", "name": ""}],
        "links": [{"name": "", "href": "http://127.0.0.1/y"}],
        "form_fields": [{"role": "textbox", "name": "Email", "name_source": "placeholder",
                         "description": "", "required": True}],
        "images": [{"name": "Map", "alt": "Map", "role": "image", "src": "m.png"},
                   {"name": "", "alt": None, "role": "hidden", "src": "h.png"}],
        "reading_order": [{"role": "heading", "text": "", "level": 2}, {"role": "text", "text": "Hi"}],
        "tab_order": [], "unreadable_frames": ["http://other.example/frame"],
    }
    assert preview.format_preview(data) == (
        "Screen-reader preview of http://127.0.0.1/x\nTitle: (none)\nLanguage: (none)\n\n"
        "Headings (1)\n    h2 (empty)\n\n"
        "Landmarks (1)\n  main\n\n"
        "Links (1)\n  (no name) -> http://127.0.0.1/y\n\n"
        "Form fields (1)\n  textbox: Email [name from placeholder], required\n\n"
        "Images (2)\n  image: Map\n  hidden: h.png\n\n"
        "Tab order (0)\n  (none)\n\n"
        "Reading order (2)\n  heading level 2\n  Hi\n\n"
        "Frames that could not be read (1)\n  http://other.example/frame\n")


@pytest.mark.browser
def test_cross_site_frames_are_listed_as_unreadable(driver, site_url):
    driver.get(f"{site_url}/custom/cross-site.html")
    data = preview.preview(driver)
    port = site_url.rsplit(":", 1)[1]
    assert data["unreadable_frames"] == [f"http://localhost:{port}/custom/preview-frame.html"]
    assert data["reading_order"][-1] == {"role": "frame", "text": "Map of partner libraries"}
    assert data["links"] == []
