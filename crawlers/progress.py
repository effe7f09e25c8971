"""A crawl's live per-site progress table in a terminal (issue 6), drawn with rich.

`gongkai crawl`/`run` show it when standard output is a terminal; elsewhere (a pipe, a log
file, the scheduler) the crawl's plain 进度 lines are printed instead. The table is redrawn
from each CrawlStatus the runner parses (crawlers/run.py), about every
GONGKAI_PROGRESS_INTERVAL seconds, so it needs no refresh thread of its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import TextIO

from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table

from crawlers.run import CrawlStatus, SiteProgress

STATE_LABELS = {"waiting": "等待", "crawling": "抓取中", "done": "完成", "stopped": "已停止"}


def wants_live_table(stream: TextIO | None = None) -> bool:
    """Return whether progress should be a live table: the stream is a terminal that can
    redraw (not TERM=dumb); rich's FORCE_COLOR is ignored, so a pipe keeps the plain lines."""
    stream = stream or sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False
    return tty and os.environ.get("TERM", "") not in ("dumb", "unknown")


def clock(seconds: int) -> str:
    """Show elapsed seconds as m:ss, or h:mm:ss from an hour on."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class LiveTable:
    """A rich Live table of a run's sites: pages crawled, queued, errors, elapsed, state."""

    def __init__(
        self, run_id: int, sites: Sequence[tuple[str, str]], console: Console | None = None
    ) -> None:
        self.run_id = run_id
        self.sites = list(sites)  # (id, name) in configuration order
        self.console = console or Console(highlight=False)
        self.status: CrawlStatus | None = None
        self.live = Live(self.render(), console=self.console, auto_refresh=False)

    def __enter__(self) -> LiveTable:
        self.live.start(refresh=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.live.update(self.render(), refresh=True)
        self.live.stop()

    def update(self, status: CrawlStatus) -> None:
        """Redraw the table from a crawl status."""
        self.status = status
        self.live.update(self.render(), refresh=True)

    def line(self, text: str) -> None:
        """Print a progress line above the table; the periodic 进度 lines are the table's."""
        if not text.startswith("进度："):
            self.console.print(f"  {text}", markup=False, highlight=False)

    def render(self) -> Table:
        """Build the table of the latest status (every site waiting before the first)."""
        names = dict(self.sites)
        if self.status is not None:
            rows = list(self.status.sites)
            elapsed = self.status.elapsed
        else:
            rows = [SiteProgress(sid, 0, 0, 0, 0, 0, "waiting") for sid, _ in self.sites]
            elapsed = 0
        done = sum(r.state == "done" for r in rows)
        resumed = any(r.stored for r in rows)
        table = Table(
            title=f"第 {self.run_id} 次检查：{done}/{len(rows)} 个站点完成，用时 {clock(elapsed)}",
            box=box.SIMPLE_HEAD,
            title_justify="left",
        )
        table.add_column("站点")
        table.add_column("名称")
        if resumed:
            table.add_column("此前已入库", justify="right")
        for header in ("已抓取", "队列", "错误", "用时"):
            table.add_column(header, justify="right")
        table.add_column("状态")
        for r in rows:
            cells = [r.id, names.get(r.id, "")]
            if resumed:
                cells.append(str(r.stored))
            cells += [str(r.fetched), str(r.queued), str(r.errors), clock(r.elapsed)]
            cells.append(STATE_LABELS.get(r.state, r.state))
            table.add_row(*cells)
        if len(rows) > 1:
            table.add_section()
            total = ["合计", ""]
            if resumed:
                total.append(str(sum(r.stored for r in rows)))
            total += [
                str(sum(getattr(r, f) for r in rows)) for f in ("fetched", "queued", "errors")
            ]
            total += [clock(elapsed), f"{done}/{len(rows)} 完成"]
            table.add_row(*total)
        return table
