"""Shared fixtures: the real PostgreSQL server on 127.0.0.1:5432 (database `test`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import sqlalchemy as sa

PG_URLS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """Return a working PostgreSQL URL, or skip (fail under GONGKAI_REQUIRE_POSTGRES=1)."""
    reasons = []
    for url in PG_URLS:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return url
        except sa.exc.OperationalError as exc:
            reasons.append(f"{url}: {str(exc.orig).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    message = "PostgreSQL not reachable: " + "; ".join(reasons)
    if os.environ.get("GONGKAI_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """Yield a PostgreSQL URL whose search_path is a fresh schema, dropped afterwards.

    The schema travels in the URL (libpq `options`), so a crawl subprocess given only the URL
    writes to the same isolated schema.
    """
    schema = f"gk_test_{secrets.token_hex(6)}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{pg_url}?options={quote(f'-csearch_path={schema}')}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
