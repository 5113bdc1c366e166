"""Sending a participant back to their panel: a visible link, and the browser taken there at once.

The link is plain HTML (it works without JavaScript and is read like any link); a zero-height
``st.components.v2`` component, which runs in the page itself (no iframe), replaces the page's
address with the same URL. ``location.replace`` keeps the redirecting page out of the history, so
the back button does not bounce the participant here again. Used by the participant page for the
completion, screen-out and quota-full redirects of :mod:`cardsort.panel`.
"""

from __future__ import annotations

import html

import streamlit as st

from cardsort.i18n import translate

_REDIRECT_JS = """
export default function ({ data }) {
  if (!data || !/^https?:\\/\\//i.test(data.url || "")) return;
  if (window.__cardsortRedirecting === data.url) return;
  window.__cardsortRedirecting = data.url;
  window.location.replace(data.url);
}
"""
_navigate = st.components.v2.component("cardsort_panel_redirect", js=_REDIRECT_JS, isolate_styles=False)


def send_to(url: str, lang: str, *, key: str = "panel_redirect") -> None:
    """Show "Taking you back now. If nothing happens, continue here." with a link to ``url``, and go there.

    ``url`` must be an http(s) address (checked when the study was saved, see
    :func:`cardsort.panel.check_redirect_url`); it is HTML-escaped in the link.
    """
    if not url.lower().startswith(("http://", "https://")):
        return
    st.html(f'<p class="cardsort-redirect">{html.escape(translate(lang, "redirect_note"))} '
            f'<a href="{html.escape(url, quote=True)}">{html.escape(translate(lang, "redirect_link"))}</a></p>')
    _navigate(data={"url": url}, key=key, height=0)
