"""A generated local site for the accessibility-audit benchmark.

The pages are written at run time (never committed) by :func:`generate_site`; the
returned :class:`Site` says which axe rules were planted on which page, so the
benchmark can check that every tool really found them.
"""

from bench.pages.site import FRAME_ONLY_RULE, PLANTED_RULES, Site, SitePage, generate_site

__all__ = ["FRAME_ONLY_RULE", "PLANTED_RULES", "Site", "SitePage", "generate_site"]
