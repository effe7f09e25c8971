"""Built-in check kinds: importing this package registers each one (the explicit list)."""

from checks.kinds import (  # noqa: F401
    catalogue_missing,
    column_empty,
    column_stale,
    homepage_stale,
    link_broken,
    meta_missing,
    site_unreachable,
)
