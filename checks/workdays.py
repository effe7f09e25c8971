"""Chinese working-day calendar (法定节假日 and 调休) read from checks/calendar/cn_workdays.yaml.

The 20-working-day limit of 条例第二十六条 and the 3-working-day 解读 rule count working days
as the State Council's yearly notice (国办发明电) sets them: weekends are days off unless
listed as make-up working days, and the listed holidays are days off even on weekdays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ruamel.yaml import YAML

CALENDAR_PATH = Path(__file__).with_name("calendar") / "cn_workdays.yaml"

__all__ = [
    "Calendar",
    "is_workday",
    "load_calendar",
    "missing_years",
    "workdays_between",
]


@dataclass(frozen=True)
class Calendar:
    """Days off, make-up working days and the years the data covers."""

    holidays: frozenset[dt.date]
    makeup: frozenset[dt.date]
    years: frozenset[int]

    def is_workday(self, day: dt.date) -> bool:
        """Return whether `day` is a working day (Mon-Fri outside the covered years)."""
        if day in self.makeup:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Count working days after `a` up to and including `b` (negative when b < a)."""
        if b < a:
            return -self.workdays_between(b, a)
        count = 0
        day = a + dt.timedelta(days=1)
        while day <= b:
            count += self.is_workday(day)
            day += dt.timedelta(days=1)
        return count

    def missing_years(self, a: dt.date, b: dt.date) -> list[int]:
        """Return the years from a to b (either order) that the calendar has no data for."""
        lo, hi = sorted((a.year, b.year))
        return [y for y in range(lo, hi + 1) if y not in self.years]


def _days(spec: str) -> list[dt.date]:
    """Expand 'YYYY-MM-DD' or 'YYYY-MM-DD..YYYY-MM-DD' (inclusive) to dates."""
    first, _, last = str(spec).partition("..")
    start = dt.date.fromisoformat(first.strip())
    end = dt.date.fromisoformat(last.strip()) if last else start
    if end < start:
        raise ValueError(f"bad range {spec!r}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@lru_cache(maxsize=4)
def load_calendar(path: Path = CALENDAR_PATH) -> Calendar:
    """Load (once) a working-day calendar file; each listed day must lie in its year."""
    data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    holidays: set[dt.date] = set()
    makeup: set[dt.date] = set()
    years: set[int] = set()
    for year, block in (data.get("years") or {}).items():
        years.add(int(year))
        for key, into in (("holidays", holidays), ("workdays", makeup)):
            for spec in block.get(key) or []:
                for day in _days(spec):
                    if day.year != int(year):
                        raise ValueError(f"{day} listed under {year} in {path}")
                    into.add(day)
    if holidays & makeup:
        raise ValueError(f"days both off and working in {path}: {sorted(holidays & makeup)}")
    return Calendar(frozenset(holidays), frozenset(makeup), frozenset(years))


def is_workday(day: dt.date) -> bool:
    """Return whether `day` is a working day under the bundled calendar."""
    return load_calendar().is_workday(day)


def workdays_between(a: dt.date, b: dt.date) -> int:
    """Count working days after `a` up to and including `b` under the bundled calendar."""
    return load_calendar().workdays_between(a, b)


def missing_years(a: dt.date, b: dt.date) -> list[int]:
    """Return the years between a and b that the bundled calendar does not cover."""
    return load_calendar().missing_years(a, b)
