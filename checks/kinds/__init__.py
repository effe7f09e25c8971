"""Built-in check kinds: importing this package registers each one (the explicit list)."""

from checks.kinds import (  # noqa: F401
    annual_report_arithmetic,
    annual_report_boilerplate,
    annual_report_carryover,
    annual_report_late,
    annual_report_missing,
    annual_report_structure,
    catalogue_missing,
    column_empty,
    column_freshness,
    column_stale,
    homepage_stale,
    link_broken,
    meta_missing,
    page_required,
    site_unreachable,
    text_forbidden,
    text_required,
)
