"""Screen-reader preview of one page: what a screen-reader user meets, section by section."""

from __future__ import annotations

import threading

import pandas as pd
import streamlit as st
from selenium.common.exceptions import WebDriverException

from a11y import preview
from a11y.browser import make_driver
from a11y.engine import PageLoadError, open_page
from app_pages._common import audit_policy, require_login

require_login()


@st.cache_resource(max_entries=1, show_spinner=False)
def _browsers() -> threading.BoundedSemaphore:
    """At most two previews run at once on this server (each starts its own browser)."""
    return threading.BoundedSemaphore(2)


@st.cache_data(max_entries=16, ttl=600, show_spinner=False)
def read_preview(url: str, allowed_hosts: tuple[str, ...] | None, allow_private: bool) -> dict:
    """:func:`a11y.preview.preview` of ``url`` in a fresh headless Chromium (closed afterwards).

    The browser's guard keeps it on what the app's policy allows (redirects included).
    """
    with _browsers():
        driver = make_driver(allowed_hosts=allowed_hosts, allow_private=allow_private)
        try:
            open_page(driver, url)  # load, settle, scroll: late content is previewed too
            return preview.preview(driver)
        finally:
            driver.quit()


def _table(rows: list[dict], columns: dict[str, str], empty: str) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows)[list(columns)].rename(columns=columns), hide_index=True)
    else:
        st.write(empty)


def _spoken(item: dict) -> str:
    """One line of the reading order: plain text as is, other items with their role first."""
    if item["role"] == "text":
        return item["text"]
    role = f"heading level {item['level']}" if item["role"] == "heading" else item["role"]
    return f"{role}: {item['text']}" if item["text"] else role


def show(data: dict) -> None:
    st.header(f"Page title: {data['title'] or '(none)'}")
    st.write(f"Language: {data['lang'] or '(not set: a screen reader guesses)'} · "
             f"{len(data['headings'])} headings · {len(data['landmarks'])} landmarks · "
             f"{len(data['links'])} links · {len(data['form_fields'])} form fields · "
             f"{len(data['tab_order'])} tab stops")
    st.subheader("Headings outline")
    if data["headings"]:
        st.text("\n".join(f"{'  ' * (h['level'] - 1)}h{h['level']} {h['text'] or '(empty heading)'}"
                          for h in data["headings"]))
    else:
        st.write("No headings: screen-reader users cannot jump through this page.")
    st.subheader("Landmarks")
    _table(data["landmarks"], {"role": "Role", "name": "Name"}, "No landmarks.")
    st.subheader("Links")
    _table(data["links"], {"name": "Announced as", "href": "Goes to"}, "No links.")
    st.subheader("Form fields")
    _table(data["form_fields"], {"role": "Role", "name": "Announced as", "name_source": "Name comes from",
                                 "description": "Description", "required": "Required"}, "No form fields.")
    st.subheader("Images")
    _table(data["images"], {"role": "Kind", "name": "Announced as", "src": "Source"}, "No images.")
    st.subheader("Tab order")
    _table([{"stop": i, **s} for i, s in enumerate(data["tab_order"], 1)],
           {"stop": "Stop", "role": "Role", "name": "Announced as"}, "Nothing on this page takes keyboard focus.")
    st.subheader("Reading order")
    st.text("\n".join(_spoken(item) for item in data["reading_order"]) or "(nothing)")
    if data.get("unreadable_frames"):
        st.warning("Frames that could not be read: " + ", ".join(data["unreadable_frames"]))


st.title("Screen-reader preview")
st.write("Headings, landmarks, links, form fields with where their names come from, images, tab order and "
         "reading order of one page, as Chromium's accessibility tree gives them to a screen reader.")
policy = audit_policy()
with st.form("preview_form"):
    st.text_input("Page address", key="preview_url", help="An http:// or https:// address.")
    submitted = st.form_submit_button("Show the preview", type="primary")
if submitted:
    try:
        url = policy.check(st.session_state["preview_url"])
    except ValueError as exc:
        st.error(str(exc))
        st.session_state.pop("preview_shown", None)
    else:
        with st.spinner("Reading the page's accessibility tree…"):
            try:
                st.session_state["preview_shown"] = read_preview(
                    url, None if policy.allowed_hosts is None else tuple(sorted(policy.allowed_hosts)),
                    policy.allow_private)
            except (PageLoadError, WebDriverException, OSError, RuntimeError) as exc:
                st.error(f"Could not read {url}: {getattr(exc, 'msg', None) or exc}")
                st.session_state.pop("preview_shown", None)
if st.session_state.get("preview_shown"):
    show(st.session_state["preview_shown"])
