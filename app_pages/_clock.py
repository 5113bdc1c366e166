"""The researcher's clock: times shown in the browser's time zone, on a 24-hour clock.

Stored times are UTC. Streamlit tells the browser's zone (``st.context.timezone``, an IANA
name) and its offset from UTC (``st.context.timezone_offset``, minutes behind UTC as
JavaScript's ``getTimezoneOffset`` gives it); the name wins because it knows summer time.
Without either (a script run without a browser), times stay UTC and say so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

TIME_FORMAT = "%Y-%m-%d %H:%M"  # how the pages write a moment: date and 24-hour time, no seconds


def zone_from(name: str | None, offset_minutes: int | None) -> tzinfo:
    """The zone named ``name`` (e.g. ``'Europe/Berlin'``); else a fixed offset; else UTC.

    ``offset_minutes`` is minutes behind UTC (``-60`` for UTC+1). An unknown name falls back
    to the offset.
    """
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if offset_minutes is not None:
        return timezone(-timedelta(minutes=offset_minutes))
    return UTC


def browser_zone() -> tzinfo:
    """The researcher's time zone, from their browser (UTC when it did not say)."""
    return zone_from(st.context.timezone, st.context.timezone_offset)


def zone_name(zone: tzinfo) -> str:
    """``'Europe/Berlin'``, ``'UTC+01:00'`` or ``'UTC'``: what the pages print beside times."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None) or timedelta(0)
    if not offset:
        return "UTC"
    sign, minutes = ("+" if offset >= timedelta(0) else "-"), abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` (UTC when naive, as SQLite gives it back) in ``zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def show(moment: datetime, zone: tzinfo) -> str:
    """``moment`` in ``zone`` as ``'2026-11-01 20:30'``."""
    return local(moment, zone).strftime(TIME_FORMAT)
