"""StorePipeline: write the spider's PageItems to the store in batches under the run id."""

from __future__ import annotations

from typing import Any

from crawlers.items import PageItem
from store import Store


class StorePipeline:
    """Buffer PageItems and write them with Store.add_pages, every `batch_size` items and at close.

    Batching loses nothing: a URL counts as done only once it is stored, so items still in the
    buffer when the process is killed are fetched again when the run resumes.
    """

    def __init__(self, db_url: str | None, batch_size: int = 50) -> None:
        self.db_url = db_url
        self.batch_size = batch_size
        self.store: Store | None = None
        self.buffer: list[PageItem] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        """Build from settings: GONGKAI_DB (else the store's default) and GONGKAI_BATCH_SIZE."""
        return cls(
            crawler.settings.get("GONGKAI_DB") or None,
            crawler.settings.getint("GONGKAI_BATCH_SIZE", 50),
        )

    def open_spider(self) -> None:
        """Open the store (creating or migrating its schema)."""
        self.store = Store(self.db_url)

    def process_item(self, item: Any) -> Any:
        """Queue a PageItem; write the queue once it is a full batch."""
        if isinstance(item, PageItem):
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        """Write the queued items in one transaction."""
        if self.buffer and self.store is not None:
            batch, self.buffer = self.buffer, []
            self.store.add_pages(batch)

    def close_spider(self) -> None:
        """Write what is left and close the store."""
        try:
            self.flush()
        finally:
            if self.store is not None:
                self.store.close()
                self.store = None
