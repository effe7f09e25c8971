"""Persist runs, crawled pages and check results with SQLAlchemy Core (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import os
import re
import time
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from checks.history import History
from checks.model import (
    AnnualReportRecord,
    BodyTexts,
    Column,
    Entry,
    Finding,
    Link,
    Outcome,
    Page,
    Probe,
    SiteSnapshot,
)
from crawlers.items import DateCandidate, EntryOut, LinkOut, PageItem, ReportOut, report_year

if TYPE_CHECKING:
    from conf import Site

DEFAULT_URL = "sqlite:///var/gongkai.db"
RUN_STATUSES = ("running", "complete", "incomplete", "failed")
# SQLite waits this long for a lock instead of failing at once: the crawl subprocess writes
# pages while the CLI (or a second crawl) reads or writes the same file.
SQLITE_BUSY_TIMEOUT_MS = 30_000
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_CHUNK = 500  # rows per IN (...) list: well below SQLite's bound-parameter limit


class StoreError(Exception):
    """The store cannot be opened or used; the message is meant for the operator (Chinese)."""


@dataclass
class RunInfo:
    """One run: when it ran, for which audit date, how it ended and its crawl statistics."""

    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    as_of: dt.date
    status: str
    config_dir: str
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class SiteInfo:
    """A site's configuration as it was when the run started (a row of run_sites)."""

    site_id: str
    name: str
    kind: str
    sector: str | None
    regulator: str | None
    start_urls: list[str]
    profile: str | None
    not_applicable: list[str]
    allowed_domains: list[str] | None = None


@dataclass(frozen=True)
class RecrawlHint:
    """A URL as an earlier run stored it, for a conditional recrawl (issue 7)."""

    etag: str | None
    last_modified: str | None
    is_home: bool
    is_list: bool  # a home or list page, or one with pagination: it reveals new entries
    list_date: str | None  # the list date its entry carried (its `list` date candidate)
    extract_version: str | None
    complete: bool  # a parsed page stored whole (main text included): reusable on a 304
    kind: str = "page"  # or "attachment": one whose text was scanned (privacy_leak)
    scanned: bool = False  # an attachment downloaded whole and scanned for personal data
    report: bool = False  # an attachment downloaded whole and read as an annual report


# ---------------------------------------------------------------------------------------------
# Schema. Migration 1 builds its tables from `_v1_tables` and must never change once released;
# a later schema change is a new function appended to MIGRATIONS (explicit DDL on the given
# connection) plus the matching edit of the runtime tables below. test_schema_matches_tables
# keeps the two in step.


def _finding_columns() -> list[sa.Column[Any]]:
    """Return fresh columns of one stored finding (findings and resolved share them).

    Fresh objects each call: a Column can belong to one Table only. Changing these changes the
    DDL of migration 1 and of the history migration, so it must never change once released.
    """
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("site", sa.String(63), nullable=False),
        sa.Column("rule", sa.String(63), nullable=False),
        sa.Column("check_kind", sa.String(63), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("mute_reason", sa.Text),
    ]


def _v1_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the version-1 tables on `md`."""
    runs = sa.Table(
        "runs",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime, nullable=False),  # naive UTC
        sa.Column("finished_at", sa.DateTime),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config_dir", sa.Text, nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'incomplete', 'failed')", name="ck_runs_status"
        ),
        # Never reuse a run id on SQLite, even if the newest run were ever deleted.
        sqlite_autoincrement=True,
    )
    run_sites = sa.Table(
        "run_sites",
        md,
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("site_id", sa.String(63), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sector", sa.String(32)),
        sa.Column("regulator", sa.Text),
        sa.Column("start_urls", sa.JSON, nullable=False),
        sa.Column("allowed_domains", sa.JSON),
        sa.Column("profile", sa.Text),
        sa.Column("not_applicable", sa.JSON, nullable=False),
    )
    # Pages are keyed by (run, site, url), not (run, url): a run crawls each site separately
    # and two sites (a government portal and a department under it, or any two sites linking
    # to www.gov.cn) may both fetch the same URL.
    pages = sa.Table(
        "pages",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("site_id", sa.String(63), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("content_type", sa.Text),
        sa.Column("size", sa.BigInteger),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("referer", sa.Text),
        sa.Column("is_home", sa.Boolean, nullable=False),
        sa.Column("fetched_at", sa.String(40)),
        sa.Column("encoding", sa.String(40)),
        sa.Column("page_type", sa.String(16)),
        sa.Column("title", sa.Text),
        sa.Column("pub_date", sa.Date),
        sa.Column("date_source", sa.String(16)),
        sa.Column("date_candidates", sa.JSON, nullable=False),
        sa.Column("column_name", sa.Text),
        sa.Column("column_source", sa.String(16)),
        sa.Column("column_key", sa.Text),
        sa.Column("metas", sa.JSON, nullable=False),
        sa.Column("text_snippet", sa.Text),
        sa.Column("placeholder", sa.Boolean, nullable=False),
        sa.UniqueConstraint("run_id", "site_id", "url", name="uq_pages_run_site_url"),
    )
    # Links and entries hang off their page: replacing a page (a resumed crawl) deletes them
    # through ON DELETE CASCADE, so they can never be duplicated. The indexes of pages, links
    # and entries lead with (run_id, site_id), so they also serve the per-site lookups; a
    # separate (run_id, site_id) index would lure PostgreSQL into scanning a whole site's
    # links for every cascaded delete.
    links = sa.Table(
        "links",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("site_id", sa.String(63), nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "site_id", "source_url"],
            ["pages.run_id", "pages.site_id", "pages.url"],
            ondelete="CASCADE",
            name="fk_links_page",
        ),
        # Not unique on target_url: add_pages keeps one row per (page, target), and a btree
        # entry of two long URLs can exceed PostgreSQL's 2704-byte index row limit.
        sa.Index("ix_links_source", "run_id", "site_id", "source_url"),
    )
    entries = sa.Table(
        "entries",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("site_id", sa.String(63), nullable=False),
        sa.Column("column_key", sa.Text, nullable=False),
        sa.Column("page_url", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("date", sa.Date),
        sa.Column("position", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "site_id", "page_url"],
            ["pages.run_id", "pages.site_id", "pages.url"],
            ondelete="CASCADE",
            name="fk_entries_page",
        ),
        sa.UniqueConstraint("run_id", "site_id", "page_url", "position", name="uq_entries_pos"),
    )
    findings = sa.Table(
        "findings",
        md,
        *_finding_columns(),
        sa.Index("ix_findings_run_site", "run_id", "site"),
    )
    outcomes = sa.Table(
        "outcomes",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("site", sa.String(63), nullable=False),
        sa.Column("rule", sa.String(63), nullable=False),
        sa.Column("check_kind", sa.String(63), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.UniqueConstraint("run_id", "site", "rule", name="uq_outcomes_run_site_rule"),
    )
    return {t.name: t for t in (runs, run_sites, pages, links, entries, findings, outcomes)}


def _migration_1(conn: Connection) -> None:
    """Create the version-1 tables."""
    md = sa.MetaData()
    _v1_tables(md)
    md.create_all(conn)


def _migration_2(conn: Connection) -> None:
    """Add pages.next_pages: the pagination a parsed page leads to, so a resumed crawl can
    continue a column from the stored page (TRS createPageHTML pages are not links)."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN next_pages {json_type}"))


def _migration_3(conn: Connection) -> None:
    """Add outcomes.title/basis/severity: a rule that passed everywhere is still named in the
    report with its legal basis."""
    for column in ("title", "basis", "severity"):
        conn.execute(sa.text(f"ALTER TABLE outcomes ADD COLUMN {column} TEXT"))


def _history_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the finding-history tables on `md` (which must hold `runs`)."""
    # The previous run's problems (不通过/警告) that a run no longer finds: same columns as
    # findings, so `findings(run_id)` keeps meaning "problems found in this run".
    resolved = sa.Table(
        "resolved",
        md,
        *_finding_columns(),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("change", sa.String(16)),
        sa.Column("first_seen", sa.Date),
        sa.Column("previous_status", sa.String(8)),
        sa.Index("ix_resolved_run_site", "run_id", "site"),
    )
    # One row per site of a checked run: the run its history was compared with (NULL: the
    # site's first complete check). No rows: the run was checked before history existed.
    site_history = sa.Table(
        "site_history",
        md,
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("site", sa.String(63), primary_key=True),
        sa.Column("previous_run", sa.Integer),
        sa.Column("previous_as_of", sa.Date),
    )
    return {t.name: t for t in (resolved, site_history)}


_HISTORY_FINDING_COLUMNS = (
    ("fingerprint", "VARCHAR(64)"),
    ("change", "VARCHAR(16)"),
    ("first_seen", "DATE"),
    ("previous_status", "VARCHAR(8)"),
)


def _migration_history(conn: Connection) -> None:
    """Add finding history: findings.fingerprint/change/first_seen/previous_status and the
    resolved and site_history tables (checks/history.py). Touches nothing another migration
    adds, so its place in MIGRATIONS does not matter."""
    for column, ddl_type in _HISTORY_FINDING_COLUMNS:
        conn.execute(sa.text(f"ALTER TABLE findings ADD COLUMN {column} {ddl_type}"))
    md = sa.MetaData()
    sa.Table("runs", md, sa.Column("id", sa.Integer, primary_key=True))  # FK target only
    for table in _history_tables(md).values():
        table.create(conn)


def _migration_footer(conn: Connection) -> None:
    """Add pages.footer: what the page footer shows (网站标识码, ICP备案, 公网安备, 主办单位,
    党政机关网站标识) for meta_missing. Touches nothing another migration adds, so its place in
    MIGRATIONS does not matter."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN footer {json_type}"))


def _annual_report_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the annual_reports table on `md` (which must hold `pages`)."""
    # One row per URL recognised as a 政府信息公开工作年度报告 (条例第五十条): an HTML report page
    # or a report attachment. It hangs off its page row, so re-fetching the page replaces it.
    annual_reports = sa.Table(
        "annual_reports",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("site_id", sa.String(63), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("pub_date", sa.Date),
        sa.Column("source_url", sa.Text),
        sa.Column("data", sa.JSON),
        sa.Column("error", sa.Text),
        sa.ForeignKeyConstraint(
            ["run_id", "site_id", "url"],
            ["pages.run_id", "pages.site_id", "pages.url"],
            ondelete="CASCADE",
            name="fk_annual_reports_page",
        ),
        sa.UniqueConstraint("run_id", "site_id", "url", name="uq_annual_reports_url"),
    )
    return {annual_reports.name: annual_reports}


def _pages_stub(md: sa.MetaData) -> None:
    """Define just the pages columns a later table's foreign key points at, on `md`."""
    sa.Table(
        "pages",
        md,
        sa.Column("run_id", sa.Integer),
        sa.Column("site_id", sa.String(63)),
        sa.Column("url", sa.Text),
    )


def _migration_annual_reports(conn: Connection) -> None:
    """Add the annual_reports table (each site's 政府信息公开工作年度报告, read or not). Touches
    nothing another migration adds, so its place in MIGRATIONS does not matter."""
    md = sa.MetaData()
    _pages_stub(md)
    for table in _annual_report_tables(md).values():
        table.create(conn)


def _score_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the scores table on `md` (which must hold `runs`)."""
    # One row per site and framework of a checked run: the scorecard (checks/scoring.py) as
    # JSON, computed at check time so a report never needs the run's configuration.
    scores = sa.Table(
        "scores",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("site", sa.String(63), nullable=False),
        sa.Column("framework", sa.String(63), nullable=False),
        sa.Column("card", sa.JSON, nullable=False),
        sa.UniqueConstraint("run_id", "site", "framework", name="uq_scores_run_site_framework"),
    )
    return {scores.name: scores}


def _migration_scores(conn: Connection) -> None:
    """Add the scores table (per-run scorecards under the configured frameworks). Touches
    nothing another migration adds, so its place in MIGRATIONS does not matter."""
    md = sa.MetaData()
    sa.Table("runs", md, sa.Column("id", sa.Integer, primary_key=True))  # FK target only
    for table in _score_tables(md).values():
        table.create(conn)


def _migration_privacy(conn: Connection) -> None:
    """Add pages.privacy: masked personal numbers found in the page text (crawlers/privacy.py)
    for privacy_leak. Touches nothing another migration adds, so its place in MIGRATIONS does
    not matter."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN privacy {json_type}"))


def _migration_catalogue(conn: Connection) -> None:
    """Add pages.catalogue: the 信息公开目录 metadata block (crawlers/catalogue_meta.py) for
    timeliness and interpretation_missing. Touches nothing another migration adds, so its place
    in MIGRATIONS does not matter."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN catalogue {json_type}"))


def _migration_notice_guide(conn: Connection) -> None:
    """Add pages.notice and pages.guide: an outage notice's parsed facts (crawlers/notices.py)
    and a 信息公开指南's 第十二条 elements (crawlers/guide.py), for outage_notice_late and
    guide_outdated. Touches nothing another migration adds, so its place in MIGRATIONS does not
    matter."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    for column in ("notice", "guide"):
        conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN {column} {json_type}"))


def _probe_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the probes table on `md`."""
    # One row per availability probe of a site's home page (crawlers/probe.py): 19号 judges
    # 站点无法访问 on a week of probes (≥20 a day, 15 s), not on one crawl. Probes belong to a
    # site, not to a run: any run's check reads the week before its audit date.
    probes = sa.Table(
        "probes",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(63), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("probed_at", sa.DateTime, nullable=False),  # naive UTC
        sa.Column("status", sa.Integer),
        sa.Column("elapsed_ms", sa.Integer),
        sa.Column("error", sa.String(32)),
        sa.Column("detail", sa.Text),
        sa.Index("ix_probes_site_time", "site_id", "probed_at"),
    )
    return {probes.name: probes}


def _migration_probes(conn: Connection) -> None:
    """Add the probes table (availability probes for site_unreachable). Touches nothing another
    migration adds, so its place in MIGRATIONS does not matter."""
    md = sa.MetaData()
    for table in _probe_tables(md).values():
        table.create(conn)


def _page_text_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the page_texts table on `md` (which must hold `pages`)."""
    # One row per HTML page with main text: the text (personal numbers masked) zlib-compressed,
    # for body-text checks (term_forbidden, issue 3). Kept apart from `pages` so loading a
    # snapshot never reads it; it hangs off its page row, so re-storing the page (a resumed
    # crawl) replaces it through ON DELETE CASCADE and it can never be duplicated.
    page_texts = sa.Table(
        "page_texts",
        md,
        sa.Column("run_id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.String(63), primary_key=True),
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("chars", sa.Integer, nullable=False),  # length of the uncompressed text
        sa.Column("body", sa.LargeBinary, nullable=False),  # zlib of the UTF-8 text
        sa.ForeignKeyConstraint(
            ["run_id", "site_id", "url"],
            ["pages.run_id", "pages.site_id", "pages.url"],
            ondelete="CASCADE",
            name="fk_page_texts_page",
        ),
    )
    return {page_texts.name: page_texts}


def _migration_page_texts(conn: Connection) -> None:
    """Add the page_texts table (each HTML page's main text, compressed). Touches nothing
    another migration adds, so its place in MIGRATIONS does not matter."""
    md = sa.MetaData()
    _pages_stub(md)
    for table in _page_text_tables(md).values():
        table.create(conn)


def _lock_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define the locks table on `md`."""
    # Named locks shared by every process using the database (scheduler.py, issue 6): `audit`
    # lets one crawl run at a time; `scheduler:<host>:<pid>` rows announce running schedulers.
    # A row is taken by INSERT (the primary key makes it atomic) or, once stale, by an UPDATE
    # conditioned on the old token, so two processes never both hold it.
    locks = sa.Table(
        "locks",
        md,
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("owner", sa.Text, nullable=False),  # the command, e.g. gongkai run --site x
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        # The process's start time (Linux /proc starttime): a reused pid is not the holder.
        sa.Column("pid_start", sa.String(32)),
        sa.Column("acquired_at", sa.DateTime, nullable=False),  # naive UTC
        sa.Column("heartbeat_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("run_id", sa.Integer),  # the run being crawled, once known
    )
    return {locks.name: locks}


def _migration_locks(conn: Connection) -> None:
    """Add the locks table (one audit at a time; running schedulers). Touches nothing another
    migration adds, so its place in MIGRATIONS does not matter."""
    md = sa.MetaData()
    for table in _lock_tables(md).values():
        table.create(conn)


def _migration_interaction(conn: Connection) -> None:
    """Add pages.interaction: a 留言/信箱 page's messages (crawlers/interaction.py) for
    interaction_unanswered. Touches nothing another migration adds, so its place in MIGRATIONS
    does not matter."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN interaction {json_type}"))


def _migration_link_hidden(conn: Connection) -> None:
    """Add links.hidden: why a reader cannot see the link (crawlers/hidden.py) for
    link_suspicious (暗链). Touches nothing another migration adds, so its place in MIGRATIONS
    does not matter."""
    conn.execute(sa.text("ALTER TABLE links ADD COLUMN hidden TEXT"))


def _migration_privacy_scan(conn: Connection) -> None:
    """Add pages.privacy_scan: whether an attachment's text was scanned for personal data
    (crawlers/attachments.py) and why not, for privacy_leak. Touches nothing another migration
    adds, so its place in MIGRATIONS does not matter."""
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN privacy_scan {json_type}"))


def _migration_mute_expires(conn: Connection) -> None:
    """Add findings.mute_expires and resolved.mute_expires: the expiry of the mute that muted a
    finding, shown beside its reason in the report's 已豁免 sections (issue 5). Touches nothing
    another migration adds, so its place in MIGRATIONS does not matter."""
    for table in ("findings", "resolved"):
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN mute_expires DATE"))


# Applied in order; migration N brings the schema from version N-1 to N, inside one transaction.
def _scheduler_job_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Define APScheduler 3's job table (SQLAlchemyJobStore's own schema) on `md`."""
    jobs = sa.Table(
        "apscheduler_jobs",
        md,
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    return {jobs.name: jobs}


def _migration_scheduler_jobs(conn: Connection) -> None:
    """Add the scheduler's job table here, under the migration lock: two schedulers starting
    on a fresh SQLite file made APScheduler's own check-then-create fail with "database is
    locked" (issue 6). SQLAlchemyJobStore then finds the table and creates nothing."""
    md = sa.MetaData()
    for table in _scheduler_job_tables(md).values():
        table.create(conn, checkfirst=True)


# Weekly recrawl (issue 7): pages columns added by _migration_recrawl, with their DDL types.
_RECRAWL_PAGE_COLUMNS = (
    ("etag", "TEXT"),
    ("last_modified", "TEXT"),
    ("reused_from", "INTEGER"),
    ("text_chars", "INTEGER"),
    ("extract_version", "VARCHAR(40)"),
)


def _migration_recrawl(conn: Connection) -> None:
    """Add pages.etag/last_modified (the response's validators), reused_from (the run whose
    extraction a 304 row copies), text_chars (its main text's length, so a missing page_texts
    row is noticed) and extract_version, for conditional recrawls (issue 7). Touches nothing
    another migration adds, so its place in MIGRATIONS does not matter."""
    for column, ddl_type in _RECRAWL_PAGE_COLUMNS:
        conn.execute(sa.text(f"ALTER TABLE pages ADD COLUMN {column} {ddl_type}"))


MIGRATIONS: list[Callable[[Connection], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_history,
    _migration_footer,
    _migration_annual_reports,
    _migration_scores,
    _migration_privacy,
    _migration_catalogue,
    _migration_notice_guide,
    _migration_probes,
    _migration_page_texts,
    _migration_locks,
    _migration_interaction,
    _migration_link_hidden,
    _migration_privacy_scan,
    _migration_mute_expires,
    _migration_scheduler_jobs,
    _migration_recrawl,
]

_BOOKKEEPING = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    _BOOKKEEPING,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

# The runtime tables: the schema at the latest version.
METADATA = sa.MetaData()
_T = _v1_tables(METADATA)
# Migration 2. NULL on rows written before it: their pagination is unknown.
_T["pages"].append_column(sa.Column("next_pages", sa.JSON))
# Migration 3. NULL on rows written before it.
for _name in ("title", "basis", "severity"):
    _T["outcomes"].append_column(sa.Column(_name, sa.Text))
# Migration _migration_history. NULL on findings saved before it: they carry no history.
_T["findings"].append_column(sa.Column("fingerprint", sa.String(64)))
_T["findings"].append_column(sa.Column("change", sa.String(16)))
_T["findings"].append_column(sa.Column("first_seen", sa.Date))
_T["findings"].append_column(sa.Column("previous_status", sa.String(8)))
_T.update(_history_tables(METADATA))
# Migration _migration_footer. NULL on rows written before it: the footer was not read.
_T["pages"].append_column(sa.Column("footer", sa.JSON))
# Migration _migration_annual_reports.
_T.update(_annual_report_tables(METADATA))
# Migration _migration_scores.
_T.update(_score_tables(METADATA))
# Migration _migration_privacy. NULL on rows written before it: the text was not scanned.
_T["pages"].append_column(sa.Column("privacy", sa.JSON))
# Migration _migration_catalogue. NULL on rows written before it: the block was not read.
_T["pages"].append_column(sa.Column("catalogue", sa.JSON))
# Migration _migration_notice_guide. NULL: not a notice or guide, or written before it.
_T["pages"].append_column(sa.Column("notice", sa.JSON))
_T["pages"].append_column(sa.Column("guide", sa.JSON))
# Migration _migration_probes.
_T.update(_probe_tables(METADATA))
# Migration _migration_page_texts.
_T.update(_page_text_tables(METADATA))
# Migration _migration_locks.
_T.update(_lock_tables(METADATA))
_T.update(_scheduler_job_tables(METADATA))  # migration _migration_scheduler_jobs
# Migration _migration_interaction. NULL: not a 留言/信箱 page, or written before it.
_T["pages"].append_column(sa.Column("interaction", sa.JSON))
# Migration _migration_link_hidden. NULL: the link is shown, or was stored before it.
_T["links"].append_column(sa.Column("hidden", sa.Text))
# Migration _migration_privacy_scan. NULL: a page, an attachment not looked into, or older rows.
_T["pages"].append_column(sa.Column("privacy_scan", sa.JSON))
# Migration _migration_mute_expires. NULL: not muted, or saved before it.
_T["findings"].append_column(sa.Column("mute_expires", sa.Date))
_T["resolved"].append_column(sa.Column("mute_expires", sa.Date))
# Migration _migration_recrawl. NULL on rows written before it: never reused by a recrawl.
_T["pages"].append_column(sa.Column("etag", sa.Text))
_T["pages"].append_column(sa.Column("last_modified", sa.Text))
_T["pages"].append_column(sa.Column("reused_from", sa.Integer))
_T["pages"].append_column(sa.Column("text_chars", sa.Integer))
_T["pages"].append_column(sa.Column("extract_version", sa.String(40)))
runs_t = _T["runs"]
run_sites_t = _T["run_sites"]
pages_t = _T["pages"]
links_t = _T["links"]
entries_t = _T["entries"]
findings_t = _T["findings"]
outcomes_t = _T["outcomes"]
resolved_t = _T["resolved"]
site_history_t = _T["site_history"]
annual_reports_t = _T["annual_reports"]
scores_t = _T["scores"]
probes_t = _T["probes"]
page_texts_t = _T["page_texts"]
locks_t = _T["locks"]


def _by_url_statements() -> dict[str, Any]:
    """Build the prebuilt one-URL reads of page_item, recrawl_hint and reusable_item, bound to
    :run, :site and :url."""
    p, t, lk, en, ar = pages_t.c, page_texts_t.c, links_t.c, entries_t.c, annual_reports_t.c
    run, site, url = sa.bindparam("run"), sa.bindparam("site"), sa.bindparam("url")
    with_text = pages_t.outerjoin(
        page_texts_t, sa.and_(t.run_id == p.run_id, t.site_id == p.site_id, t.url == p.url)
    )
    page_key = (p.run_id == run, p.site_id == site, p.url == url)
    return {
        "pages": sa.select(pages_t).where(*page_key),
        "links": sa.select(lk.target_url, lk.text, lk.kind, lk.hidden)
        .where(lk.run_id == run, lk.site_id == site, lk.source_url == url)
        .order_by(lk.id),
        "entries": sa.select(en.title, en.url, en.date, en.position)
        .where(en.run_id == run, en.site_id == site, en.page_url == url)
        .order_by(en.position),
        "hint": sa.select(
            p.kind,
            p.status,
            p.error,
            p.page_type,
            p.is_home,
            p.etag,
            p.last_modified,
            p.date_candidates,
            p.next_pages,
            p.text_chars,
            p.extract_version,
            p.privacy_scan,
            t.chars,
            sa.exists()
            .where(ar.run_id == run, ar.site_id == site, ar.url == url)
            .label("has_report"),
        )
        .select_from(with_text)
        .where(*page_key),
        "text": sa.select(p.text_chars, t.chars, t.body).select_from(with_text).where(*page_key),
        "report": sa.select(annual_reports_t).where(
            ar.run_id == run, ar.site_id == site, ar.url == url
        ),
    }


_BY_URL = _by_url_statements()
# zlib level 1: about 2x on Chinese main text at 60 % of level 6's CPU (real-world pages).
_TEXT_ZLIB_LEVEL = 1


# ---------------------------------------------------------------------------------------------


def _utcnow() -> dt.datetime:
    """Return the current UTC time as a naive datetime (the stored form on both backends)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Return a stored naive UTC datetime as an aware one."""
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """Return a datetime as naive UTC (the stored form); a naive one is taken as UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _to_date(value: str | None) -> dt.date | None:
    """Parse an ISO date (a time part, if any, is ignored) into a date."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise StoreError(f"日期格式无效：“{value}”（应为 YYYY-MM-DD）") from None


def _json_default(value: Any) -> Any:
    """Serialise the non-JSON values checks commonly put into evidence, as findings.json would."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _dumps(value: Any) -> str:
    """Encode JSON keeping Chinese readable in the database."""
    return _ENCODER.encode(value)


# What json.dumps(value, ensure_ascii=False, default=_json_default) builds for every call,
# built once: a page row has a dozen JSON columns (issue 7: CPU per page).
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)


def _report_out(row: sa.Row[Any]) -> ReportOut:
    """Return a stored annual_reports row as the crawl's ReportOut (a 304 copies it)."""
    return ReportOut(
        year=row.year,
        title=row.title,
        format=row.format,
        pub_date=row.pub_date.isoformat() if row.pub_date else None,
        source_url=row.source_url,
        data=row.data,
        error=row.error,
    )


def _raw_json(column: sa.ColumnElement[Any], conn: Connection) -> sa.ColumnElement[Any]:
    """Select a JSON column as its stored text on SQLite, for _from_json (issue 7).

    Most page rows hold `{}`, `[]` or null there: decoding those without json.loads and without
    SQLAlchemy's per-value processing is a large part of loading 3,000 pages. PostgreSQL's
    driver decodes JSON itself, so the column is selected unchanged there.
    """
    if conn.dialect.name == "sqlite":
        return sa.type_coerce(column, sa.Text).label(column.key)
    return column


def _from_json(value: Any) -> Any:
    """Decode a JSON column selected through _raw_json (already decoded on PostgreSQL)."""
    if value.__class__ is not str:
        return value
    if value == "{}":
        return {}
    if value == "[]":
        return []
    if value == "null":
        return None
    return json.loads(value)


def _text_dict(value: Any, memo: dict[str, dict[str, str]]) -> dict[str, str]:
    """Return a fresh copy of a JSON object of strings (or {} for null), decoding each distinct
    stored text once: every page of a site repeats the same footer (issue 7)."""
    if value.__class__ is not str:
        return dict(value or {})
    decoded = memo.get(value)
    if decoded is None:
        decoded = memo[value] = dict(_from_json(value) or {})
    return dict(decoded)


def _natural_key(url: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders index_2.html before index_10.html and page=2 before page=10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", url)
        if part
    )


def _mask(url: str) -> str:
    """Hide a password in a database URL before showing it."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Issue 7: for an executemany SQLAlchemy builds and type-processes every row in Python, about a
# fifth of the crawl's store CPU (a page writes one row and some 20 link rows). On SQLite the
# rows go to the driver directly instead: the same INSERT, each value through its column's own
# bind processor (JSON, dates, booleans), one executemany. Keyed by dialect, table and keys.
_INSERTS: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], Any]] = (
    weakref.WeakKeyDictionary()
)


def _insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows as conn.execute(table.insert(), rows) does (SQLite: without the per-row
    overhead). Rows with differing keys, or a table with Python-side defaults, take the
    SQLAlchemy path."""
    dialect = conn.dialect
    keys = tuple(rows[0])
    plan = None
    if (
        dialect.name == "sqlite"
        and dialect.paramstyle == "qmark"
        and all(len(row) == len(keys) for row in rows)
    ):
        memo = _INSERTS.setdefault(dialect, {})
        plan = memo.get((table.name, keys), False)
        if plan is False:
            plan = memo[(table.name, keys)] = _insert_plan(dialect, table, keys)
    if plan is None:
        conn.execute(table.insert(), rows)
        return
    sql, processed = plan
    values = operator.itemgetter(*keys)
    try:
        if len(keys) == 1:
            params = [(values(row),) for row in rows]
        elif not processed:
            params = [values(row) for row in rows]
        else:
            params = []
            for row in rows:
                param = list(values(row))
                for i, process in processed:
                    param[i] = process(param[i])
                params.append(tuple(param))
    except KeyError:  # a row with other keys of the same count
        conn.execute(table.insert(), rows)
        return
    conn.exec_driver_sql(sql, params)


def _insert_plan(dialect: Any, table: sa.Table, keys: tuple[str, ...]) -> Any:
    """Return (INSERT text, [(position, bind processor)]) for _insert_rows, or None to let
    SQLAlchemy insert (unknown keys, or a default SQLAlchemy would fill in)."""
    if any(k not in table.c for k in keys):
        return None
    if any(c.default is not None for c in table.c if c.key not in keys):
        return None
    quote = dialect.identifier_preparer.quote
    columns = [table.c[k] for k in keys]
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c.name) for c in columns)}) VALUES ({', '.join('?' for _ in keys)})"
    )
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    return sql, [(i, p) for i, p in enumerate(processors) if p is not None]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Configure each SQLite connection: WAL, busy timeout, foreign keys, real transactions."""
    # Let SQLAlchemy's begin event emit BEGIN itself: pysqlite's implicit transactions skip
    # DDL, which would make a failed migration leave half its tables behind.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    # WAL lets the CLI read while the crawl subprocess writes.
    cur.execute("PRAGMA journal_mode = WAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """Start a real transaction on SQLite (see _sqlite_pragmas)."""
    conn.exec_driver_sql("BEGIN")


class Store:
    """The gongkai database: runs, pages, links, entries, findings and outcomes."""

    def __init__(self, url: str | None = None, *, schema: str | None = None) -> None:
        """Open (and migrate) the store at `url`, else $GONGKAI_DB, else var/gongkai.db.

        `schema` puts the tables in that PostgreSQL schema (created if missing).
        """
        raw = url or os.environ.get("GONGKAI_DB") or DEFAULT_URL
        self.schema = schema
        try:
            parsed = sa.make_url(raw)
        except sa.exc.ArgumentError:
            raise StoreError(
                f"无法解析数据库地址“{_mask(raw)}”：应为 SQLAlchemy URL，"
                "如 sqlite:///var/gongkai.db 或 postgresql+psycopg://用户@主机/库名"
            ) from None
        if (
            parsed.get_backend_name() == "sqlite"
            and parsed.database
            and parsed.database != ":memory:"
            and not parsed.database.startswith("file:")
        ):
            # Absolute, so the crawl subprocess opens the same file whatever its working dir.
            parsed = parsed.set(database=str(Path(parsed.database).resolve()))
        # `url` reopens this database (it is handed to the crawl subprocess); `display_url`
        # hides the password for messages and logs.
        self.url = parsed.render_as_string(hide_password=False)
        self.display_url = parsed.render_as_string(hide_password=True)
        self.engine = self._create_engine(parsed)
        try:
            self._migrate_retrying()
        except StoreError:
            self.engine.dispose()
            raise
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self.engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(f"无法打开数据库 {self.display_url}：{reason}") from exc

    def _create_engine(self, url: sa.URL) -> Engine:
        """Create the engine for `url`, with per-backend connection settings."""
        backend = url.get_backend_name()
        connect_args: dict[str, Any] = {}
        if self.schema is not None:
            if backend != "postgresql":
                raise StoreError(
                    f"只有 PostgreSQL 支持指定 schema（当前数据库：{self.display_url}）"
                )
            if not _SCHEMA_NAME.match(self.schema):
                raise StoreError(
                    f"schema 名称无效：“{self.schema}”（只允许小写字母、数字和下划线）"
                )
            connect_args["options"] = f"-csearch_path={self.schema}"
        if backend == "sqlite" and url.database and Path(url.database).is_absolute():
            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建数据库目录 {Path(url.database).parent}：{exc}") from exc
        try:
            engine = sa.create_engine(
                url, connect_args=connect_args, json_serializer=_dumps, pool_pre_ping=True
            )
        except (sa.exc.SQLAlchemyError, ImportError) as exc:
            raise StoreError(
                f"无法打开数据库 {self.display_url}：不支持的数据库类型或缺少驱动（{exc}）"
            ) from exc
        if backend == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            sa.event.listen(engine, "begin", _sqlite_begin)
        return engine

    def close(self) -> None:
        """Release all database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """Return the schema version of the database (0 for an empty one)."""
        with self.engine.connect() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: Connection) -> int:
        """Return the highest applied migration number."""
        return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0

    def _migrate_retrying(self) -> int:
        """Migrate; on SQLite retry while another process holds the file's lock.

        Two processes opening a fresh SQLite file at once (two schedulers, issue 6) can get
        SQLITE_BUSY without the busy timeout applying (switching to WAL, or a read transaction
        upgraded to write), so a locked database is retried for up to the busy timeout.
        """
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        delay = 0.05
        while True:
            try:
                return self.migrate()
            except (sa.exc.OperationalError, StoreError) as exc:
                locked = "database is locked" in str(exc) or "database is locked" in str(
                    getattr(exc, "__cause__", "")
                )
                if self.engine.dialect.name != "sqlite" or not locked:
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def migrate(self) -> int:
        """Apply pending migrations in order, each in its own transaction; return the version."""
        with self.engine.begin() as conn:
            if self.schema is not None:
                conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            if conn.dialect.name == "sqlite":
                # One statement that writes first: a check-then-create transaction racing
                # another process on a fresh file fails at once with "database is locked"
                # (WAL snapshot conflict) instead of waiting out the busy timeout.
                conn.execute(sa.schema.CreateTable(schema_version, if_not_exists=True))
            else:
                schema_version.create(conn, checkfirst=True)
        with self.engine.connect() as conn:
            current = self._version(conn)
        if current > len(MIGRATIONS):
            raise StoreError(
                f"数据库 {self.display_url} 的结构版本为 {current}，高于本程序支持的 {len(MIGRATIONS)}，"
                "请升级 gongkai"
            )
        for number, migration in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        # Two processes opening a fresh database must not both migrate it.
                        conn.execute(sa.text("LOCK TABLE schema_version IN EXCLUSIVE MODE"))
                    elif conn.dialect.name == "sqlite":
                        # The same on SQLite: take the write lock before reading the version
                        # (a read-then-write transaction cannot wait for it, see above).
                        conn.execute(schema_version.delete().where(sa.false()))
                    if self._version(conn) >= number:
                        continue
                    migration(conn)
                    conn.execute(
                        schema_version.insert().values(version=number, applied_at=_utcnow())
                    )
            except sa.exc.SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise StoreError(
                    f"数据库 {self.display_url} 升级到版本 {number} 失败：{reason}"
                ) from exc
        return len(MIGRATIONS)

    # -- runs --------------------------------------------------------------------------------

    def start_run(self, as_of: dt.date, config_dir: str, sites: list[Site]) -> int:
        """Record a new running run with a snapshot of its sites' configuration; return its id."""
        with self.engine.begin() as conn:
            run_id = conn.execute(
                runs_t.insert().values(
                    started_at=_utcnow(),
                    as_of=as_of,
                    status="running",
                    config_dir=str(config_dir),
                    stats={},
                )
            ).inserted_primary_key[0]
            if sites:
                conn.execute(
                    run_sites_t.insert(),
                    [
                        {
                            "run_id": run_id,
                            "site_id": s.id,
                            "position": i,
                            "name": s.name,
                            "kind": s.kind,
                            "sector": s.sector,
                            "regulator": s.regulator,
                            "start_urls": list(s.start_urls),
                            "allowed_domains": s.allowed_domains,
                            "profile": s.profile,
                            "not_applicable": list(s.not_applicable),
                        }
                        for i, s in enumerate(sites)
                    ],
                )
        return int(run_id)

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        """Mark a run finished with its final status and crawl statistics."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {RUN_STATUSES}")
        with self.engine.begin() as conn:
            done = conn.execute(
                runs_t.update()
                .where(runs_t.c.id == run_id)
                .values(status=status, stats=stats, finished_at=_utcnow())
            )
            if done.rowcount == 0:
                raise StoreError(f"找不到运行 #{run_id}")

    def reopen_run(self, run_id: int) -> RunInfo:
        """Set an unfinished run back to running so its crawl can resume; return it.

        The run keeps its id, as_of, sites and stored pages; its stats restart with the count
        of resumptions. A complete run is refused: its findings rest on a finished crawl.
        """
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(runs_t.c.status, runs_t.c.stats).where(runs_t.c.id == run_id)
            ).first()
            if row is None:
                raise StoreError(f"找不到运行 #{run_id}")
            if row.status == "complete":
                raise StoreError(f"运行 #{run_id} 已完成，不能续抓")
            resumed = int((row.stats or {}).get("resumed", 0)) + 1
            conn.execute(
                runs_t.update()
                .where(runs_t.c.id == run_id, runs_t.c.status != "complete")
                .values(status="running", finished_at=None, stats={"resumed": resumed})
            )
        return self.get_run(run_id)

    @staticmethod
    def _run_info(row: sa.Row[Any]) -> RunInfo:
        """Build a RunInfo from a runs row."""
        started = _aware(row.started_at)
        assert started is not None
        return RunInfo(
            id=row.id,
            started_at=started,
            finished_at=_aware(row.finished_at),
            as_of=row.as_of,
            status=row.status,
            config_dir=row.config_dir,
            stats=row.stats or {},
        )

    def get_run(self, run_id: int) -> RunInfo:
        """Return one run; raise StoreError when it does not exist."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(runs_t).where(runs_t.c.id == run_id)).first()
        if row is None:
            raise StoreError(f"找不到运行 #{run_id}")
        return self._run_info(row)

    def latest_run_id(self, status: str | None = None) -> int | None:
        """Return the newest run id (optionally only runs with this status), or None."""
        query = sa.select(sa.func.max(runs_t.c.id))
        if status is not None:
            query = query.where(runs_t.c.status == status)
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return int(value) if value is not None else None

    def runs(self) -> list[RunInfo]:
        """Return every run, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(runs_t).order_by(runs_t.c.id)).all()
        return [self._run_info(r) for r in rows]

    def run_sites(self, run_id: int) -> list[SiteInfo]:
        """Return the sites of a run, in configuration order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(run_sites_t)
                .where(run_sites_t.c.run_id == run_id)
                .order_by(run_sites_t.c.position)
            ).all()
        return [
            SiteInfo(
                site_id=r.site_id,
                name=r.name,
                kind=r.kind,
                sector=r.sector,
                regulator=r.regulator,
                start_urls=list(r.start_urls),
                profile=r.profile,
                not_applicable=list(r.not_applicable),
                allowed_domains=r.allowed_domains,
            )
            for r in rows
        ]

    # -- crawl data --------------------------------------------------------------------------

    def add_page(self, item: PageItem) -> None:
        """Store one fetched URL with its links and entries, replacing any earlier copy."""
        self.add_pages([item])

    def add_pages(self, items: Iterable[PageItem]) -> None:
        """Store fetched URLs in one transaction; a URL already stored for the run is replaced."""
        latest: dict[tuple[int, str, str], PageItem] = {}
        for item in items:  # the last copy of a URL in the batch wins, as with add_page
            latest.pop((item.run_id, item.site_id, item.url), None)
            latest[(item.run_id, item.site_id, item.url)] = item
        if not latest:
            return
        page_rows: list[dict[str, Any]] = []
        link_rows: list[dict[str, Any]] = []
        entry_rows: list[dict[str, Any]] = []
        report_rows: list[dict[str, Any]] = []
        text_rows: list[dict[str, Any]] = []
        by_site: dict[tuple[int, str], list[str]] = {}
        for item in latest.values():
            by_site.setdefault((item.run_id, item.site_id), []).append(item.url)
            page_rows.append(self._page_row(item))
            if item.body_text:
                text_rows.append(
                    {
                        "run_id": item.run_id,
                        "site_id": item.site_id,
                        "url": item.url,
                        "chars": len(item.body_text),
                        "body": zlib.compress(item.body_text.encode("utf-8"), _TEXT_ZLIB_LEVEL),
                    }
                )
            report = item.annual_report
            if report is not None:
                report_rows.append(
                    {
                        "run_id": item.run_id,
                        "site_id": item.site_id,
                        "url": item.url,
                        "year": report.year,
                        "title": report.title,
                        "format": report.format,
                        "pub_date": _to_date(report.pub_date),
                        "source_url": report.source_url,
                        "data": report.data,
                        "error": report.error,
                    }
                )
            seen_targets: set[str] = set()
            for link in item.links:
                # One row per target: a page often links the same URL twice (title and 更多).
                if link.url in seen_targets:
                    continue
                seen_targets.add(link.url)
                link_rows.append(
                    {
                        "run_id": item.run_id,
                        "site_id": item.site_id,
                        "source_url": item.url,
                        "target_url": link.url,
                        "text": link.text or "",
                        "kind": link.kind,
                        "hidden": link.hidden,
                    }
                )
            seen_positions: set[int] = set()
            for entry in item.entries:
                if entry.position in seen_positions:
                    continue
                seen_positions.add(entry.position)
                entry_rows.append(
                    {
                        "run_id": item.run_id,
                        "site_id": item.site_id,
                        "column_key": item.column_key or item.url,
                        "page_url": item.url,
                        "title": entry.title,
                        "url": entry.url,
                        "date": _to_date(entry.date),
                        "position": entry.position,
                    }
                )
        with self.engine.begin() as conn:
            for (run_id, site_id), urls in by_site.items():
                for chunk in _chunks(urls):
                    # Links and entries go with their page (ON DELETE CASCADE).
                    conn.execute(
                        pages_t.delete().where(
                            pages_t.c.run_id == run_id,
                            pages_t.c.site_id == site_id,
                            pages_t.c.url.in_(chunk),
                        )
                    )
            _insert_rows(conn, pages_t, page_rows)
            if link_rows:
                _insert_rows(conn, links_t, link_rows)
            if entry_rows:
                _insert_rows(conn, entries_t, entry_rows)
            if report_rows:
                _insert_rows(conn, annual_reports_t, report_rows)
            if text_rows:
                _insert_rows(conn, page_texts_t, text_rows)

    @staticmethod
    def _page_row(item: PageItem) -> dict[str, Any]:
        """Map a PageItem to a pages row."""
        return {
            "run_id": item.run_id,
            "site_id": item.site_id,
            "url": item.url,
            "final_url": item.final_url,
            "kind": item.kind,
            "status": item.status,
            "error": item.error,
            "content_type": item.content_type,
            "size": item.size,
            "method": item.method,
            "depth": item.depth,
            "referer": item.referer,
            "is_home": bool(item.is_home),
            "fetched_at": item.fetched_at,
            "encoding": item.encoding,
            "page_type": item.page_type,
            "title": item.title,
            "pub_date": _to_date(item.pub_date),
            "date_source": item.date_source,
            "date_candidates": [[c.source, c.value] for c in item.date_candidates],
            "column_name": item.column,
            "column_source": item.column_source,
            "column_key": item.column_key,
            "metas": dict(item.metas),
            "text_snippet": item.text_snippet,
            # PageItem does not carry `placeholder` yet (extract.PageAnalysis and checks.Page do);
            # read it when present so the spider can start filling it without a store change.
            "placeholder": item.placeholder,
            "next_pages": list(item.next_pages),
            "footer": dict(item.footer),
            "catalogue": dict(item.catalogue),
            "privacy": [dict(hit) for hit in item.privacy],
            "privacy_scan": item.privacy_scan,
            "notice": item.notice,
            "guide": item.guide,
            "interaction": item.interaction,
            "etag": item.etag,
            "last_modified": item.last_modified,
            "reused_from": item.reused_from,
            # Checked against page_texts before a recrawl reuses the row (issue 7).
            "text_chars": len(item.body_text or ""),
            "extract_version": item.extract_version,
        }

    def fetched_urls(self, run_id: int, site_id: str | None = None) -> set[str]:
        """Return the URLs already stored for a run (optionally one site), to resume a crawl."""
        query = sa.select(pages_t.c.url).where(pages_t.c.run_id == run_id)
        if site_id is not None:
            query = query.where(pages_t.c.site_id == site_id)
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def page_item(self, run_id: int, site_id: str, url: str) -> PageItem | None:
        """Return a stored URL as a PageItem (with its links, entries and pagination), or None.

        A resumed crawl continues from stored pages with this instead of fetching them again.
        Links come back one per target, as add_pages keeps them.
        """
        with self.engine.connect() as conn:
            return self._page_item(conn, {"run": run_id, "site": site_id, "url": url})

    @staticmethod
    def _page_item(conn: Connection, key: dict[str, Any]) -> PageItem | None:
        """page_item on an open connection; `key` binds run, site and url (_BY_URL)."""
        # Prebuilt statements: building a select costs several times what running it does,
        # and a recrawl reads a stored page for every 304 (issue 7).
        r = conn.execute(_BY_URL["pages"], key).first()
        if r is None:
            return None
        link_rows = conn.execute(_BY_URL["links"], key).all()
        entry_rows = conn.execute(_BY_URL["entries"], key).all()
        return PageItem(
            run_id=r.run_id,
            site_id=r.site_id,
            url=r.url,
            kind=r.kind,
            final_url=r.final_url,
            status=r.status,
            error=r.error,
            content_type=r.content_type,
            size=r.size,
            method=r.method,
            depth=r.depth,
            referer=r.referer,
            is_home=bool(r.is_home),
            fetched_at=r.fetched_at,
            encoding=r.encoding,
            page_type=r.page_type,
            title=r.title,
            pub_date=r.pub_date.isoformat() if r.pub_date else None,
            date_source=r.date_source,
            date_candidates=[DateCandidate(source=s, value=v) for s, v in r.date_candidates],
            column=r.column_name,
            column_source=r.column_source,
            column_key=r.column_key,
            metas=dict(r.metas),
            links=[
                LinkOut(url=lr.target_url, text=lr.text, kind=lr.kind, hidden=lr.hidden)
                for lr in link_rows
            ],
            entries=[
                EntryOut(
                    title=er.title,
                    url=er.url,
                    date=er.date.isoformat() if er.date else None,
                    position=er.position,
                )
                for er in entry_rows
            ],
            text_snippet=r.text_snippet,
            placeholder=bool(r.placeholder),
            next_pages=list(r.next_pages) if r.next_pages is not None else [],
            footer=dict(r.footer) if r.footer is not None else {},
            catalogue=dict(r.catalogue) if r.catalogue is not None else {},
            privacy=list(r.privacy) if r.privacy is not None else [],
            privacy_scan=r.privacy_scan,
            notice=r.notice,
            guide=r.guide,
            interaction=r.interaction,
            etag=r.etag,
            last_modified=r.last_modified,
            reused_from=r.reused_from,
            extract_version=r.extract_version,
        )

    def recrawl_hint(self, run_id: int, site_id: str, url: str) -> RecrawlHint | None:
        """Return what a recrawl needs to know about a URL stored by an earlier run, or None.

        Issue 7: the next run sends the validators back and, on 304 Not Modified, reuses the
        row; `complete` says the row can be reused (a parsed page whose main text is stored).
        """
        with self.engine.connect() as conn:
            r = conn.execute(_BY_URL["hint"], {"run": run_id, "site": site_id, "url": url}).first()
        if r is None:
            return None
        list_date = next((v for s, v in r.date_candidates or [] if s == "list"), None)
        parsed = (
            r.kind == "page"
            and r.error is None
            and r.status is not None
            and 200 <= r.status < 300
            and r.page_type is not None
        )
        fetched = r.kind == "attachment" and r.error is None and 200 <= (r.status or 0) < 300
        # An attachment whose text was read and scanned: its scan record is all a 304 needs.
        scanned = (
            fetched and isinstance(r.privacy_scan, dict) and r.privacy_scan.get("scanned") is True
        )
        return RecrawlHint(
            etag=r.etag,
            last_modified=r.last_modified,
            is_home=bool(r.is_home),
            is_list=r.page_type in ("home", "list") or bool(r.next_pages),
            list_date=list_date,
            extract_version=r.extract_version,
            complete=scanned
            or (parsed and r.text_chars is not None and r.text_chars == (r.chars or 0)),
            kind=r.kind,
            scanned=scanned,
            report=fetched and bool(r.has_report),
        )

    def reusable_item(
        self, run_id: int, site_id: str, url: str, report: bool = False
    ) -> PageItem | None:
        """Return a stored page with everything a new run's copy needs (main text, annual
        report), or an attachment's row: with its annual report when `report` (a report file),
        else a scanned one's; None when it is gone or a piece is missing (issue 7: 304 reuse)."""
        key = {"run": run_id, "site": site_id, "url": url}
        with self.engine.connect() as conn:
            item = self._page_item(conn, key)
            if item is None:
                return None
            if item.kind == "attachment":
                if not report:
                    # A scanned document: its scan record and masked hits are the whole copy.
                    return item if (item.privacy_scan or {}).get("scanned") is True else None
                # A report file: what was read from it (tables, or why not) and its scan.
                stored = conn.execute(_BY_URL["report"], key).first()
                if stored is None:
                    return None
                item.annual_report = _report_out(stored)
                return item
            text = conn.execute(_BY_URL["text"], key).first()
            # Only a page titled as an annual report has one (spiders.site.report_page_year).
            stored = (
                conn.execute(_BY_URL["report"], key).first()
                if report_year(item.title) is not None
                else None
            )
        if text is None or text.text_chars != (text.chars or 0):
            return None
        if text.body is not None:
            item.body_text = zlib.decompress(text.body).decode("utf-8")
        if stored is not None:
            item.annual_report = _report_out(stored)
        return item

    def body_texts(
        self, run_id: int, site_id: str, urls: Iterable[str] | None = None
    ) -> Iterator[tuple[str, str]]:
        """Yield (url, main text) of a site's stored pages (only `urls` if given), in crawl
        order (per batch of 500 given URLs), decompressing one row at a time so a large site
        never sits in memory whole."""
        key = (page_texts_t.c.run_id == run_id, page_texts_t.c.site_id == site_id)
        query = (
            sa.select(page_texts_t.c.url, page_texts_t.c.body)
            .join(
                pages_t,
                sa.and_(
                    pages_t.c.run_id == page_texts_t.c.run_id,
                    pages_t.c.site_id == page_texts_t.c.site_id,
                    pages_t.c.url == page_texts_t.c.url,
                ),
            )
            .where(*key)
            .order_by(pages_t.c.id)
        )
        if urls is None:
            chunks: Iterable[list[str] | None] = [None]
        else:
            chunks = list(_chunks(list(dict.fromkeys(urls))))
        with self.engine.connect() as conn:
            for chunk in chunks:
                q = query if chunk is None else query.where(page_texts_t.c.url.in_(chunk))
                rows = conn.execution_options(yield_per=200).execute(q)
                for url, body in rows:
                    yield url, zlib.decompress(body).decode("utf-8")

    def reused_pages(self, run_id: int) -> int:
        """Return how many of a run's rows reuse an earlier run's extraction (304, issue 7)."""
        query = sa.select(sa.func.count()).where(
            pages_t.c.run_id == run_id, pages_t.c.reused_from.is_not(None)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def page_counts(self, run_id: int) -> dict[str, dict[str, int]]:
        """Return per site: URLs fetched (`pages`), answered OK, failed, and HTML pages (`html`)."""
        failed = sa.or_(
            pages_t.c.error.is_not(None), pages_t.c.status.is_(None), pages_t.c.status >= 400
        )
        query = (
            sa.select(
                pages_t.c.site_id,
                sa.func.count().label("fetched"),
                sa.func.sum(sa.case((failed, 1), else_=0)).label("errors"),
                sa.func.sum(sa.case((pages_t.c.kind == "page", 1), else_=0)).label("html"),
            )
            .where(pages_t.c.run_id == run_id)
            .group_by(pages_t.c.site_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            r.site_id: {
                "pages": int(r.fetched),
                "ok": int(r.fetched) - int(r.errors),
                "errors": int(r.errors),
                "html": int(r.html),
            }
            for r in rows
        }

    def load_snapshot(self, run_id: int, site_id: str) -> SiteSnapshot:
        """Build the check input for one site of a run from the stored crawl.

        Reads only the columns checks use, one site at a time (issue 7: a 300-site run is
        checked site by site, see checks.runner.run_checks).
        """
        pc, lc, ec = pages_t.c, links_t.c, entries_t.c
        with self.engine.connect() as conn:
            site = conn.execute(
                sa.select(run_sites_t.c.start_urls).where(
                    run_sites_t.c.run_id == run_id, run_sites_t.c.site_id == site_id
                )
            ).first()
            if site is None:
                raise StoreError(f"运行 #{run_id} 中没有站点“{site_id}”")
            page_rows = conn.execute(
                sa.select(
                    pc.id,
                    pc.url,
                    pc.kind,
                    pc.status,
                    pc.error,
                    pc.final_url,
                    pc.content_type,
                    pc.is_home,
                    pc.depth,
                    pc.referer,
                    pc.fetched_at,
                    pc.page_type,
                    pc.title,
                    pc.pub_date,
                    pc.date_source,
                    _raw_json(pc.date_candidates, conn),
                    pc.column_name,
                    pc.column_source,
                    pc.column_key,
                    _raw_json(pc.metas, conn),
                    pc.text_snippet,
                    pc.placeholder,
                    _raw_json(pc.footer, conn),
                    _raw_json(pc.catalogue, conn),
                    _raw_json(pc.privacy, conn),
                    _raw_json(pc.privacy_scan, conn),
                    _raw_json(pc.notice, conn),
                    _raw_json(pc.guide, conn),
                    _raw_json(pc.interaction, conn),
                ).where(pc.run_id == run_id, pc.site_id == site_id)
            ).all()
            # Crawl order, sorted here: SQLite would copy every wide row into a sort (issue 7).
            page_rows.sort(key=operator.itemgetter(0))
            # Stored order, sorted here too: an ORDER BY makes SQLite either copy every row
            # into a temp B-tree or, when one site is a large share of the table, scan the
            # whole table in id order (issue 7, bench/checks_bench.py).
            link_rows = conn.execute(
                sa.select(lc.id, lc.source_url, lc.target_url, lc.text, lc.kind, lc.hidden).where(
                    lc.run_id == run_id, lc.site_id == site_id
                )
            ).all()
            link_rows.sort(key=operator.itemgetter(0))
            entry_rows = conn.execute(
                sa.select(ec.page_url, ec.title, ec.url, ec.date, ec.position)
                .where(ec.run_id == run_id, ec.site_id == site_id)
                .order_by(ec.id)
            ).all()
            report_rows = conn.execute(
                sa.select(annual_reports_t)
                .where(annual_reports_t.c.run_id == run_id, annual_reports_t.c.site_id == site_id)
                .order_by(annual_reports_t.c.id)
            ).all()

        pages: dict[str, Page] = {}
        memo: dict[str, dict[str, str]] = {}
        for (
            _,
            url,
            kind,
            status,
            error,
            final_url,
            content_type,
            is_home,
            depth,
            referer,
            fetched_at,
            page_type,
            title,
            pub_date,
            date_source,
            date_candidates,
            column_name,
            column_source,
            column_key,
            metas,
            text_snippet,
            placeholder,
            footer,
            catalogue,
            privacy,
            privacy_scan,
            notice,
            guide,
            interaction,
        ) in page_rows:
            pages[url] = Page(
                url=url,
                kind=kind,
                status=status,
                error=error,
                final_url=final_url,
                content_type=content_type,
                is_home=bool(is_home),
                depth=depth,
                referer=referer,
                fetched_at=fetched_at,
                page_type=page_type,
                title=title,
                pub_date=pub_date,
                date_source=date_source,
                date_candidates=[(str(s), str(v)) for s, v in _from_json(date_candidates)],
                column=column_name,
                column_source=column_source,
                column_key=column_key,
                metas=dict(_from_json(metas)),
                text_snippet=text_snippet,
                placeholder=bool(placeholder),
                footer=_text_dict(footer, memo),
                catalogue=_text_dict(catalogue, memo),
                privacy=list(_from_json(privacy) or []),
                privacy_scan=_from_json(privacy_scan),
                notice=_from_json(notice),
                guide=_from_json(guide),
                interaction=_from_json(interaction),
            )
        homes = {url for url, p in pages.items() if p.is_home}
        # Positional: Link(source_url, target_url, text, kind, on_home, hidden).
        links = [Link(s, t, text, k, s in homes, h) for _, s, t, text, k, h in link_rows]
        return SiteSnapshot(
            run_id=run_id,
            site_id=site_id,
            start_urls=list(site.start_urls),
            pages=pages,
            links=links,
            columns=self._columns(pages, entry_rows),
            # Main texts stay in the store until a check asks for them (checks.model.BodyTexts).
            bodies=BodyTexts(loader=functools.partial(self.body_texts, run_id, site_id)),
            annual_reports=[
                AnnualReportRecord(
                    url=r.url,
                    year=r.year,
                    title=r.title,
                    format=r.format,
                    pub_date=r.pub_date,
                    source_url=r.source_url,
                    data=r.data,
                    error=r.error,
                )
                for r in report_rows
            ],
        )

    @staticmethod
    def _columns(pages: dict[str, Page], entry_rows: list[sa.Row[Any]]) -> list[Column]:
        """Group list pages (and the home page's lists) into columns by column_key, in crawl order.

        The home page's entries form a column keyed by its URL: homepage_stale reads it (19号 首页
        两周无更新), while the column checks skip it (RuleContext.content_columns).
        """
        groups: dict[str, list[Page]] = {}
        for page in pages.values():  # crawl order, so columns come out as first reached
            if page.page_type in ("list", "home"):
                groups.setdefault(page.column_key or page.url, []).append(page)
        by_page: dict[str, list[sa.Row[Any]]] = {}
        for r in entry_rows:
            by_page.setdefault(r.page_url, []).append(r)
        columns = []
        for key, members in groups.items():
            # Page order: the column's first page, then the others by their pagination number
            # (index_2.html before index_10.html), which crawl order does not guarantee.
            if len(members) > 1:  # most columns are one page (issue 7: 3,000-page sites)
                members.sort(key=lambda p: (p.url != key, _natural_key(p.url)))
            named = next((p for p in members if p.column), None)
            if named is not None:
                name, source = named.column or "", named.column_source
            else:
                titled = next((p for p in members if p.title), None)
                name, source = (titled.title or "", "title") if titled else (key, None)
            entries = [
                Entry(
                    column_key=key,
                    page_url=p.url,
                    title=r.title,
                    url=r.url,
                    date=r.date,
                    position=r.position,
                )
                for p in members
                for r in sorted(by_page.get(p.url, []), key=lambda r: r.position)
            ]
            columns.append(
                Column(
                    key=key,
                    name=name,
                    name_source=source,
                    pages=[p.url for p in members],
                    entries=entries,
                )
            )
        return columns

    # -- check results -----------------------------------------------------------------------

    def save_results(
        self,
        run_id: int,
        findings: list[Finding],
        outcomes: list[Outcome],
        history: History | None = None,
        scores: list[dict[str, Any]] | None = None,
    ) -> None:
        """Replace a run's findings, outcomes and history (resolved findings, the runs compared
        with) in one transaction; without `history` the run keeps none. With `scores` the
        scorecards are replaced in the same transaction, so a check stage killed at any point
        leaves either the old results or the new ones, never a mix (issue 8)."""
        with self.engine.begin() as conn:
            for table in (findings_t, outcomes_t, resolved_t, site_history_t):
                conn.execute(table.delete().where(table.c.run_id == run_id))
            if scores is not None:
                self._replace_scores(conn, run_id, scores)
            if findings:
                conn.execute(findings_t.insert(), [self._finding_row(run_id, f) for f in findings])
            if outcomes:
                conn.execute(
                    outcomes_t.insert(),
                    [
                        {
                            "run_id": run_id,
                            "site": o.site,
                            "rule": o.rule,
                            "check_kind": o.check,
                            "status": o.status,
                            "findings": o.findings,
                            "title": o.title,
                            "basis": o.basis,
                            "severity": o.severity,
                        }
                        for o in outcomes
                    ],
                )
            if history is None:
                return
            if history.resolved:
                conn.execute(
                    resolved_t.insert(), [self._finding_row(run_id, f) for f in history.resolved]
                )
            if history.previous:
                conn.execute(
                    site_history_t.insert(),
                    [
                        {
                            "run_id": run_id,
                            "site": site,
                            "previous_run": prev[0] if prev else None,
                            "previous_as_of": _to_date(prev[1]) if prev else None,
                        }
                        for site, prev in history.previous.items()
                    ],
                )

    @staticmethod
    def _finding_row(run_id: int, f: Finding) -> dict[str, Any]:
        """Map a Finding to a findings (or resolved) row."""
        return {
            "run_id": run_id,
            "site": f.site,
            "rule": f.rule,
            "check_kind": f.check,
            "status": f.status,
            "severity": f.severity,
            "subject": f.subject,
            "url": f.url,
            "message": f.message,
            "evidence": f.evidence,
            "basis": f.basis,
            "title": f.title,
            "mute_reason": f.mute_reason,
            "fingerprint": f.fingerprint or None,
            "change": f.change,
            "first_seen": _to_date(f.first_seen),
            "previous_status": f.previous_status,
            "mute_expires": _to_date(f.mute_expires),
        }

    @staticmethod
    def _finding(r: sa.Row[Any]) -> Finding:
        """Build a Finding from a findings (or resolved) row."""
        return Finding(
            site=r.site,
            rule=r.rule,
            check=r.check_kind,
            status=r.status,
            severity=r.severity,
            subject=r.subject,
            url=r.url,
            message=r.message,
            evidence=r.evidence,
            basis=r.basis,
            title=r.title,
            mute_reason=r.mute_reason,
            fingerprint=r.fingerprint or "",
            change=r.change,
            first_seen=r.first_seen.isoformat() if r.first_seen else None,
            previous_status=r.previous_status,
            mute_expires=r.mute_expires.isoformat() if r.mute_expires else None,
        )

    def findings(self, run_id: int, site: str | None = None) -> list[Finding]:
        """Return a run's findings (optionally one site's) in the order they were saved."""
        query = sa.select(findings_t).where(findings_t.c.run_id == run_id)
        if site is not None:
            query = query.where(findings_t.c.site == site)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(findings_t.c.id)).all()
        return [self._finding(r) for r in rows]

    def resolved(self, run_id: int) -> list[Finding]:
        """Return the previous runs' problems that run `run_id` no longer found (已整改)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(resolved_t).where(resolved_t.c.run_id == run_id).order_by(resolved_t.c.id)
            ).all()
        return [self._finding(r) for r in rows]

    def history(self, run_id: int) -> History | None:
        """Return a run's history (runs compared with, resolved findings), or None when the run
        was checked without history (before it existed, or not checked yet)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(site_history_t)
                .where(site_history_t.c.run_id == run_id)
                .order_by(site_history_t.c.site)
            ).all()
        if not rows:
            return None
        previous: dict[str, tuple[int, str] | None] = {
            r.site: (
                (int(r.previous_run), r.previous_as_of.isoformat())
                if r.previous_run is not None
                else None
            )
            for r in rows
        }
        return History(previous=previous, resolved=self.resolved(run_id))

    def previous_runs(self, run_id: int) -> dict[str, RunInfo]:
        """Return, per site of run `run_id`, the latest earlier complete run that covered it.

        "Earlier" is by run id (the order runs were started), not by as_of: a re-audit of an
        old date still compares with what was checked before it. Sites without one are absent.
        """
        mine = sa.select(run_sites_t.c.site_id).where(run_sites_t.c.run_id == run_id)
        latest = (
            sa.select(run_sites_t.c.site_id, sa.func.max(runs_t.c.id).label("prev"))
            .join(runs_t, runs_t.c.id == run_sites_t.c.run_id)
            .where(
                runs_t.c.id < run_id,
                runs_t.c.status == "complete",
                run_sites_t.c.site_id.in_(mine),
            )
            .group_by(run_sites_t.c.site_id)
        )
        with self.engine.connect() as conn:
            pairs = conn.execute(latest).all()
            ids = sorted({int(p.prev) for p in pairs})
            rows = conn.execute(sa.select(runs_t).where(runs_t.c.id.in_(ids))).all() if ids else []
        by_id = {r.id: self._run_info(r) for r in rows}
        return {p.site_id: by_id[int(p.prev)] for p in sorted(pairs, key=lambda p: p.site_id)}

    def save_scores(self, run_id: int, cards: list[dict[str, Any]]) -> None:
        """Replace a run's scorecards (dicts of checks.scoring.Scorecard) in one transaction."""
        with self.engine.begin() as conn:
            self._replace_scores(conn, run_id, cards)

    @staticmethod
    def _replace_scores(conn: Connection, run_id: int, cards: list[dict[str, Any]]) -> None:
        """Delete a run's scorecards and insert `cards`, inside the caller's transaction."""
        conn.execute(scores_t.delete().where(scores_t.c.run_id == run_id))
        if cards:
            conn.execute(
                scores_t.insert(),
                [
                    {"run_id": run_id, "site": c["site"], "framework": c["framework"], "card": c}
                    for c in cards
                ],
            )

    def scores(self, run_id: int) -> list[dict[str, Any]]:
        """Return a run's scorecards in the order they were saved (empty: none configured)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(scores_t.c.card)
                .where(scores_t.c.run_id == run_id)
                .order_by(scores_t.c.id)
            ).all()
        return [dict(r.card) for r in rows]

    # -- availability probes -----------------------------------------------------------------

    def add_probe(self, probe: Probe) -> None:
        """Store one availability probe."""
        self.add_probes([probe])

    def add_probes(self, probes: Iterable[Probe]) -> None:
        """Store availability probes in one transaction (times as naive UTC)."""
        rows = [
            {
                "site_id": p.site_id,
                "url": p.url,
                "probed_at": _naive_utc(p.probed_at),
                "status": p.status,
                "elapsed_ms": p.elapsed_ms,
                "error": p.error,
                "detail": p.detail,
            }
            for p in probes
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(probes_t.insert(), rows)

    def probes(
        self, site: str, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[Probe]:
        """Return a site's probes with since <= probed_at < until, oldest first.

        Naive datetimes are UTC; aware ones are converted. Returned times are naive UTC.
        """
        query = sa.select(probes_t).where(probes_t.c.site_id == site)
        if since is not None:
            query = query.where(probes_t.c.probed_at >= _naive_utc(since))
        if until is not None:
            query = query.where(probes_t.c.probed_at < _naive_utc(until))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(probes_t.c.probed_at, probes_t.c.id)).all()
        return [
            Probe(
                site_id=r.site_id,
                url=r.url,
                probed_at=r.probed_at,
                status=r.status,
                elapsed_ms=r.elapsed_ms,
                error=r.error,
                detail=r.detail,
            )
            for r in rows
        ]

    def outcomes(self, run_id: int) -> list[Outcome]:
        """Return a run's outcomes in the order they were saved."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(outcomes_t).where(outcomes_t.c.run_id == run_id).order_by(outcomes_t.c.id)
            ).all()
        return [
            Outcome(
                site=r.site,
                rule=r.rule,
                check=r.check_kind,
                status=r.status,
                findings=r.findings,
                title=r.title or "",
                basis=r.basis or "",
                severity=r.severity or "",
            )
            for r in rows
        ]
