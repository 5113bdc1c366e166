"""A generated local site for the accessibility-audit benchmark.

The pages are written at run time (never committed) by :func:`generate_site`; the
returned :class:`Site` says which axe rules were planted on which page, so the
benchmark can check that every tool really found them. :func:`generate_spa_site` writes
the same pages rendered by a script from JSON about a second after load.
"""

from bench.pages.site import (
    FRAME_ONLY_RULE,
    PLANTED_RULES,
    SPA_RENDER_DELAY_MS,
    Site,
    SitePage,
    generate_site,
    generate_spa_site,
)

__all__ = ["FRAME_ONLY_RULE", "PLANTED_RULES", "SPA_RENDER_DELAY_MS", "Site", "SitePage", "generate_site",
           "generate_spa_site"]
