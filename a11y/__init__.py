"""Accessibility audits with axe-core in a real Chromium, screen-reader issues first. Never imports Streamlit."""
