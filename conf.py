"""Load and validate the operator configuration (config/*.yaml) into typed models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
SiteKind = Literal["government", "department", "enterprise"]
Sector = Literal[
    "water", "power", "gas", "heat", "transit", "health", "education", "environment", "other"
]
Severity = Literal["high", "medium", "low"]


class Strict(BaseModel):
    """Base model: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Site(Strict):
    """One audited website (sites.yaml entry)."""

    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: SiteKind
    sector: Sector | None = None
    regulator: str | None = None
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] | None = None  # host or host:port; default: start URLs' host:port
    profile: str | None = None  # catalogue profile; default from kind/sector
    not_applicable: list[str] = Field(default_factory=list)
    max_pages: int | None = Field(default=None, gt=0)
    max_depth: int | None = Field(default=None, ge=0)
    delay: float | None = Field(default=None, ge=0)
    obey_robots: bool | None = None


class AppliesTo(Strict):
    """Which sites a rule applies to; empty lists mean all."""

    kinds: list[SiteKind] = Field(default_factory=list)
    sectors: list[Sector] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)


class Rule(Strict):
    """One rule instance (rules/*.yaml entry): a check kind with parameters and a legal basis."""

    id: str = Field(pattern=SLUG)
    check: str
    title: str = Field(min_length=1)
    severity: Severity
    basis: str = Field(min_length=1)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    params: dict[str, Any] = Field(default_factory=dict)


class Mute(Strict):
    """An accepted exception (mutes.yaml entry); reason and expiry are required."""

    rule: str
    site: str
    subject: str = "*"  # glob pattern on the finding's subject
    reason: str = Field(min_length=1)
    expires: dt.date


class CrawlSettings(Strict):
    """Crawl defaults; a site may override max_pages, max_depth, delay and obey_robots."""

    max_pages: int = Field(default=500, gt=0)
    max_depth: int = Field(default=6, ge=0)
    delay: float = Field(default=0.5, ge=0)
    concurrency_per_host: int = Field(default=2, gt=0)
    concurrency_total: int = Field(default=32, gt=0)
    obey_robots: bool = True
    autothrottle: bool = True
    timeout: float = Field(default=15, gt=0)
    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    check_external_links: bool = True
    user_agent: str = "gongkai/0.1 (+https://github.com/gongkai/gongkai; 政府信息公开检查)"


class Settings(Strict):
    """settings.yaml: store location and crawl defaults."""

    database: str | None = None  # SQLAlchemy URL; default sqlite file under var/
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)


@dataclass
class Config:
    """The whole validated configuration of one config directory."""

    root: Path
    sites: list[Site]
    rules: list[Rule]
    mutes: list[Mute] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)

    def site(self, site_id: str) -> Site:
        """Return the site with this id."""
        return next(s for s in self.sites if s.id == site_id)
