"""Which network addresses an audit may reach: one table for the URL check and for the browser's guard.

A host is judged by the addresses it stands for, never by how it is written:
IP literals are read as a browser reads them (WHATWG: ``2852039166``,
``0xa9fea9fe``, ``0251.0376.0251.0376`` and ``169.254.43518`` are all
169.254.169.254), IPv6 addresses that carry an IPv4 address (``::ffff:a.b.c.d``,
NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by that IPv4 address, and a
name is judged by every A/AAAA record :func:`socket.getaddrinfo` gives for it.

Two kinds of address are refused:

- :data:`NEVER`: link-local (169.254.0.0/16, fe80::/10, with the cloud metadata
  endpoints 169.254.169.254, fd00:ec2::254 and 100.100.100.200), unspecified
  (0.0.0.0/8, ::), multicast and reserved addresses, and the metadata host names
  (``metadata.google.internal``). Nothing ever audits these.
- :data:`PRIVATE`: loopback (127.0.0.0/8, ::1), private (10/8, 172.16/12,
  192.168/16, fc00::/7), shared (100.64.0.0/10, carrier-grade NAT) and the
  documentation and benchmarking ranges. Refused unless the caller allows local
  use (the command line does; the app only with ``A11Y_ALLOW_PRIVATE=1``) or the
  allow-list names the host.

The browser applies the same table (:func:`a11y.browser.guard_flags` turns
:data:`NETWORKS` into its proxy script), so a redirect or a subresource cannot
reach what the URL check refuses.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote

NEVER = "never"
"""Refused on every path, whatever the settings."""
PRIVATE = "private"
"""Refused unless local use is allowed or the allow-list names the host."""

METADATA_NAMES = ("metadata.google.internal", "metadata.goog", "metadata")
"""Host names of cloud metadata services, refused by name before any lookup."""

# First match wins: the specific entries come before the ranges that contain them.
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("169.254.169.254/32", NEVER, "a link-local address (cloud metadata)"),
    ("fd00:ec2::254/128", NEVER, "a cloud metadata address (AWS)"),
    ("100.100.100.200/32", NEVER, "a cloud metadata address (Alibaba Cloud)"),
    ("169.254.0.0/16", NEVER, "a link-local address"),
    ("fe80::/10", NEVER, "a link-local address"),
    ("0.0.0.0/8", NEVER, "an unspecified address"),
    ("::/128", NEVER, "an unspecified address"),
    ("224.0.0.0/4", NEVER, "a multicast address"),
    ("ff00::/8", NEVER, "a multicast address"),
    ("240.0.0.0/4", NEVER, "a reserved address"),
    ("127.0.0.0/8", PRIVATE, "a loopback address"),
    ("::1/128", PRIVATE, "a loopback address"),
    ("10.0.0.0/8", PRIVATE, "a private address"),
    ("172.16.0.0/12", PRIVATE, "a private address"),
    ("192.168.0.0/16", PRIVATE, "a private address"),
    ("fc00::/7", PRIVATE, "a private address"),
    ("100.64.0.0/10", PRIVATE, "a shared address (carrier-grade NAT)"),
    ("192.0.0.0/24", PRIVATE, "a special-purpose address"),
    ("192.0.2.0/24", PRIVATE, "a documentation address"),
    ("198.51.100.0/24", PRIVATE, "a documentation address"),
    ("203.0.113.0/24", PRIVATE, "a documentation address"),
    ("2001:db8::/32", PRIVATE, "a documentation address"),
    ("198.18.0.0/15", PRIVATE, "a benchmarking address"),
)
_RESERVED_V6 = (NEVER, "a reserved address")
"""IPv6 outside global unicast (2000::/3) and outside the table."""


def _as_v6(network: str) -> tuple[int, int]:
    """``(first address as a 128-bit int, prefix length)``, IPv4 as IPv4-mapped IPv6."""
    net = ipaddress.ip_network(network)
    if net.version == 4:
        return (0xFFFF << 32) | int(net.network_address), 96 + net.prefixlen
    return int(net.network_address), net.prefixlen


NETWORKS: tuple[tuple[int, int, str, str], ...] = tuple((*_as_v6(n), kind, text) for n, kind, text in _TABLE)
"""``(address, prefix length, kind, description)`` in IPv6 space (IPv4 mapped), first match wins."""

_MAPPED, _NAT64, _SIXTOFOUR, _GLOBAL = (_as_v6("::ffff:0:0/96")[:2], _as_v6("64:ff9b::/96")[:2],
                                        _as_v6("2002::/16")[:2], _as_v6("2000::/3")[:2])

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _in(value: int, net: tuple[int, int]) -> bool:
    return value >> (128 - net[1]) == net[0] >> (128 - net[1])


def embedded_ipv4(ip: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), or ``None``."""
    if ip.version == 4:
        return None
    value = int(ip)
    if _in(value, _MAPPED) or _in(value, _NAT64):
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if _in(value, _SIXTOFOUR):
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def classify(ip: Address) -> tuple[str, str, Address] | None:
    """``(kind, description, address judged)`` for a refused address, ``None`` for a public one.

    The address judged is the IPv4 address inside an IPv6 one (see :func:`embedded_ipv4`),
    else ``ip`` itself.
    """
    judged: Address = embedded_ipv4(ip) or ip
    value = int(judged) | (0xFFFF << 32) if judged.version == 4 else int(judged)
    for first, length, kind, text in NETWORKS:
        if _in(value, (first, length)):
            return kind, text, judged
    if judged.version == 6 and not _in(value, _GLOBAL):
        return (*_RESERVED_V6, judged)
    return None


# --- reading hosts as a browser does -----------------------------------------------------------

class InvalidHostError(ValueError):
    """A host a browser would not load (e.g. ``1.2.3.4.5`` or ``0x1g``)."""


_HEX = re.compile(r"0[xX][0-9a-fA-F]*")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def normalise_host(host: str) -> str:
    """The host a browser loads: percent-decoded, NFKC (full-width digits and dots), lower case, no final dot."""
    text = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).lower()
    return text[:-1] if text.endswith(".") and len(text) > 1 else text


def _ipv4_number(part: str) -> int:
    if _HEX.fullmatch(part):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part[0] == "0":
        if not re.fullmatch(r"[0-7]+", part[1:]):
            raise InvalidHostError(f"{part!r} is not an octal number")
        return int(part[1:], 8)
    if re.fullmatch(r"[0-9]+", part):
        return int(part)
    raise InvalidHostError(f"{part!r} is not a number")


def ip_literal(host: str) -> Address | None:
    """The address a normalised host names literally (WHATWG IPv4 rules, or IPv6), else ``None``.

    Raises :class:`InvalidHostError` for a host that ends in a number but is no valid IPv4 address.
    """
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise InvalidHostError(f"{host!r} is not a valid IPv6 address") from None
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not (re.fullmatch(r"[0-9]+", parts[-1]) or _HEX.fullmatch(parts[-1])):
        return None  # a name
    if len(parts) > 4 or "" in parts:
        raise InvalidHostError(f"{host!r} is not a valid IPv4 address")
    numbers = [_ipv4_number(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise InvalidHostError(f"{host!r} is not a valid IPv4 address")
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return ipaddress.IPv4Address(value)


Resolver = Callable[[str], list[Address]]
_CACHE_SECONDS = 30
_cache: dict[str, tuple[float, list[Address]]] = {}
_cache_lock = threading.Lock()


def resolve(name: str) -> list[Address]:
    """Every address ``getaddrinfo`` gives for ``name`` (A and AAAA), ``[]`` when it does not resolve.

    Answers are kept for 30 seconds, so a sitemap of one host costs one lookup.
    """
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(name)
        if hit and now - hit[0] < _CACHE_SECONDS:
            return hit[1]
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        found: list[Address] = []
    else:
        found = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
    with _cache_lock:
        if len(_cache) > 1024:
            _cache.clear()
        _cache[name] = (now, found)
    return found


def refusal(host: str, *, allow_private: bool, resolver: Resolver | None = None) -> str | None:
    """Why ``host`` may not be loaded, or ``None`` when it may.

    Parameters
    ----------
    host : str
        The URL's host as written (``urlsplit(url).hostname``).
    allow_private : bool
        Allow :data:`PRIVATE` addresses (local use, or the allow-list names the host).
    resolver : callable(name) -> list of addresses, or None
        Looks names up (default :func:`resolve`). A name that does not resolve is
        not refused: there is nothing to reach, and the browser checks again when it loads.

    Returns
    -------
    str or None
        For example ``"169.254.169.254 is a link-local address (cloud metadata); it is
        never audited"``.
    """
    name = normalise_host(host)
    try:
        literal = ip_literal(name)
    except InvalidHostError as exc:
        return f"{exc}; a browser would not load it"
    if literal is None and name in METADATA_NAMES:
        return f"{name} is a cloud metadata host; it is never audited"
    addresses = [literal] if literal is not None else (resolver or resolve)(name)
    found = [(ip, c) for ip in addresses if (c := classify(ip)) is not None]
    never = [(ip, c) for ip, c in found if c[0] == NEVER]
    refused = never or ([] if allow_private else found)
    if not refused:
        return None
    _, (kind, text, judged) = refused[0]
    if literal is None:
        said = f"{name} resolves to {judged}, {text}"
    elif str(judged) == name:
        said = f"{name} is {text}"
    else:
        said = f"{name} is {judged}, {text}"
    if kind == NEVER:
        return f"{said}; it is never audited"
    return (f"{said}; only public addresses are audited here (list the host in A11Y_ALLOWED_HOSTS, "
            "or set A11Y_ALLOW_PRIVATE=1 for local use)")
