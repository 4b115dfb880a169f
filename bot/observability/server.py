"""The operator's HTTP endpoint: ``/healthz`` and ``/metrics`` on ``[observability]
metrics_listen:metrics_port``, served in the bot's own event loop; with ``[dashboard]
enabled``, also the leaders' board at ``/dashboard/`` (``bot.dashboard.server``).

``/healthz`` answers 200 with a small JSON when the database answers and takes writes and
the singletons make progress, 503 otherwise, naming the ``reason`` (``health``; for a load
balancer or an orchestrator's liveness probe). ``/metrics`` is the Prometheus text format;
the outbox depth and the health checks are measured as it is scraped.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from bot.config import ObservabilityConfig
from bot.observability.health import check_health, outbox_pending
from bot.observability.metrics import OUTBOX_PENDING
from bot.runtime import Runtime

log = logging.getLogger(__name__)


class EndpointUnavailable(Exception):
    """The endpoint cannot listen (the port is taken, or not ours to take)."""


class OperatorEndpoint:
    """Serves ``/healthz`` and ``/metrics`` while the bot runs; nothing when the port is 0."""

    def __init__(self, runtime: Runtime, config: ObservabilityConfig) -> None:
        self.runtime = runtime
        self.listen = config.metrics_listen
        self.port = config.metrics_port
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self) -> None:
        if not self.port or self._server is not None:
            return
        handlers = {"runtime": self.runtime}
        routes: list[Any] = [
            (r"/healthz", _HealthHandler, handlers),
            (r"/metrics", _MetricsHandler, handlers),
        ]
        if self.runtime.config.dashboard.enabled:  # the leaders' board, on the same port
            from bot.dashboard.server import routes as board_routes  # loaded only when on

            routes.extend(board_routes(self.runtime))
        app = tornado.web.Application(routes, log_function=_quiet)
        try:
            self._server = app.listen(self.port, address=self.listen)
        except OSError as error:
            raise EndpointUnavailable(
                f"cannot listen on {self.listen}:{self.port} for /healthz and /metrics: "
                f"{error.strerror or error}"
            ) from None
        log.info("serving /healthz and /metrics", extra={"listen": self.listen, "port": self.port})

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            await server.close_all_connections()


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """Scrapes and probes come every few seconds: not worth a log line each."""


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def get(self) -> None:
        health = await check_health(self.runtime)
        self.set_status(HTTPStatus.OK if health.healthy else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(health.as_json()))


class _MetricsHandler(tornado.web.RequestHandler):
    def initialize(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def get(self) -> None:
        try:
            OUTBOX_PENDING.set(await outbox_pending(self.runtime.db))
        except Exception as error:  # the other metrics are still worth serving
            log.warning("could not measure the outbox depth: %s", type(error).__name__)
        await check_health(self.runtime)  # sets the health gauges
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest(REGISTRY))
