"""Availability probes: one plain HTTP GET of each site's home page (国办秘函〔2019〕19号 站点无法访问).

19号 judges 站点无法访问 on a week of probes (at least 20 a day, a probe failing when the page
does not open within 15 s), not on one crawl. A probe is a single GET, so it needs no Scrapy:
urllib from the standard library, run in a few threads so a slow site does not delay the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from checks.model import Probe

if TYPE_CHECKING:
    import conf
    from store import Store

DEFAULT_TIMEOUT = 15.0  # 19号: a probe fails when the page does not open within 15 s
MAX_BODY = 5 * 1024 * 1024  # a home page larger than this has opened: stop reading there
WORKERS = 8  # sites probed at once; each probe is one connection to a different site
_CHUNK = 64 * 1024


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Return a TLS context that does not verify certificates, as the Scrapy crawl does.

    A browser lets a citizen past an expired or self-signed certificate, so the page still
    opens; counting it as 无法访问 would veto a site the crawl reads without trouble. Built
    once: it loads no CA store, and SSL contexts are safe to share between threads.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _opener() -> urllib.request.OpenerDirector:
    """Return an opener that follows redirects and honours the environment's proxy settings."""
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=_tls_context()))


def _utcnow() -> dt.datetime:
    """Return the current UTC time as a naive datetime (the store's form)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """Return a datetime as naive UTC; a naive one is taken as UTC already."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def classify(exc: BaseException) -> str:
    """Return the error code of a failed GET (the spider's codes: dns, timeout, connection, tls;
    plus protocol for a malformed answer and other)."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
        if isinstance(reason, BaseException):
            return classify(reason)
        return "other"
    if isinstance(exc, socket.gaierror):
        return "dns"
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return "timeout"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return "tls"
    if isinstance(exc, ConnectionError):  # refused, reset, aborted, RemoteDisconnected
        return "connection"
    if isinstance(exc, http.client.HTTPException):
        return "protocol"
    if isinstance(exc, OSError):
        return "connection"
    return "other"


def _describe(exc: BaseException) -> str:
    """Return the error text to store: the innermost reason, with its type."""
    inner = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    text = str(inner) or type(inner).__name__
    return f"{type(inner).__name__}: {text}"[:500]


def probe_url(
    url: str,
    *,
    site_id: str,
    timeout: float = DEFAULT_TIMEOUT,
    user_agent: str | None = None,
    probed_at: dt.datetime | None = None,
    max_bytes: int = MAX_BODY,
) -> Probe:
    """GET `url` once and return the probe: final status, elapsed ms, error code and text.

    The page counts as opened only when its body arrived within `timeout` seconds (each socket
    operation is limited to `timeout`, and the whole read is checked against it too).
    `probed_at` is the time to record (default: now, UTC).
    """
    import conf

    when = _naive_utc(probed_at) if probed_at is not None else _utcnow()
    headers = {
        "User-Agent": user_agent or conf.CrawlSettings().user_agent,
        "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    }
    request = urllib.request.Request(url, headers=headers, method="GET")
    status: int | None = None
    error: str | None = None
    detail: str | None = None
    started = time.monotonic()
    try:
        with _opener().open(request, timeout=timeout) as response:
            status = response.status
            received = 0
            while received < max_bytes:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if time.monotonic() - started > timeout:
                    raise TimeoutError(
                        f"页面在 {timeout:g} 秒内未传输完毕（已收到 {received} 字节）"
                    )
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
        if exc.code < 400:  # urllib gives up on a redirect loop with the redirect's status
            error, detail = "protocol", f"HTTPError: {exc.code} {exc.reason}"
    except Exception as exc:  # any failure to open the page is the probe's result, not a crash
        error, detail = classify(exc), _describe(exc)
    elapsed = int((time.monotonic() - started) * 1000)
    return Probe(
        site_id=site_id,
        url=url,
        probed_at=when,
        status=status,
        elapsed_ms=elapsed,
        error=error,
        detail=detail,
    )


def probe_sites(
    config: conf.Config,
    store: Store | None,
    now: dt.datetime | None = None,
    *,
    site_ids: Iterable[str] | None = None,
    timeout: float | None = None,
) -> list[Probe]:
    """Probe each configured site's home page (its first start URL) once, store and return the
    probes in configuration order.

    `now` is the time recorded for every probe (the scheduler's fire time; default: the clock
    when each probe starts); `site_ids` limits the sites; `timeout` overrides
    settings.yaml probes.timeout_s; `store` None probes without storing.
    """
    wanted = set(site_ids) if site_ids is not None else None
    sites = [s for s in config.sites if wanted is None or s.id in wanted]
    limit = timeout if timeout is not None else config.settings.probes.timeout_s
    user_agent = config.settings.crawl.user_agent

    def one(site: conf.Site) -> Probe:
        return probe_url(
            site.start_urls[0],
            site_id=site.id,
            timeout=limit,
            user_agent=user_agent,
            probed_at=now,
        )

    if not sites:
        return []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(sites))) as pool:
        probes = list(pool.map(one, sites))
    if store is not None:
        store.add_probes(probes)
    return probes
