# Muster in a container: slim, non-root, everything installed from wheels built here (including
# manimgx-fonts-cjk, the wheel that carries the Noto Sans CJK font the reports are drawn in;
# nothing is downloaded at run time). See README, "Running in production".
#
#   docker build -t muster .
#   docker run --rm -it -v muster:/var/lib/muster muster init      # writes config.toml there
#   docker run -d --name muster -v muster:/var/lib/muster muster   # polling, SQLite
#   docker logs muster                                             # the claim link

FROM python:3.11-slim AS wheels
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/opt/muster/matplotlib
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/muster --create-home muster
COPY --from=wheels /wheels /wheels
RUN pip install --no-index --find-links=/wheels muster && rm -rf /wheels \
    && mkdir -p /opt/muster/matplotlib /etc/muster && chown muster:muster /opt/muster/matplotlib
COPY config.example.toml /etc/muster/config.example.toml
USER muster
# The font is in the image and matplotlib's font cache is built now, not at the first report.
RUN python -c "from bot.services.reports.fonts import picture_font; print(picture_font().path)"
# The config (and, on SQLite, the database beside it) live in this volume.
WORKDIR /var/lib/muster
VOLUME ["/var/lib/muster"]
# 8443: the webhook (behind a TLS-terminating proxy); 9100: /healthz and /metrics if configured.
EXPOSE 8443 9100
ENTRYPOINT ["muster"]
CMD ["run", "--config", "/var/lib/muster/config.toml"]
