"""Scrapy project that crawls disclosure websites into the store."""
