"""Watching Muster run: structured log lines (``logs``), Prometheus metrics (``metrics``), the
context each handled update carries (``updates``), and the HTTP endpoint serving ``/healthz``
and ``/metrics`` (``server``, with the checks in ``health``)."""
