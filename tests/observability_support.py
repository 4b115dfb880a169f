"""Reading what Muster reports to its operator: a scrape of ``/metrics`` and ``/healthz``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    """One reading of ``/metrics``: ``scrape.value("muster_messages_sent_total")``."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples = {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        return cls(samples)

    def value(self, name: str, **labels: str) -> float:
        """The sample's value (0 if it has not appeared yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(port: int) -> Scrape:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    return Scrape.parse(response.text)


async def health(port: int) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/healthz")
    return response.status_code, response.json()
