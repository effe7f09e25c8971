"""Rule engine: check kinds (one file each under checks/kinds/) evaluated on crawl snapshots."""
