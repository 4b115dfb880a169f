"""Texts in catalogs, one TOML file per area and language: ``bot/locales/<lang>/<area>.toml``.

A key is ``<area>.<name>`` (nested tables add dots). Texts are HTML (Telegram's subset) with
``{placeholders}``; every value given to a placeholder is HTML-escaped unless wrapped in
``Html``, so user-typed text can never break the formatting of a reply.

A text that depends on a number is a table of CLDR plural forms (``one``, ``other``...): the
translator picks the form for its ``count`` with Babel (``1 volunteer``, ``2 volunteers``;
Chinese has only ``other``).

Times are shown for people, the same way everywhere (the ``time`` area): a date as
"12月4日（周五）" / "Fri 4 Dec", a moment as "12月4日（周五）8:00" / "Fri 4 Dec, 8:00" (明天 /
tomorrow when the translator knows today and it applies, the year only when it is not this
year's), a range on one day as "12月4日（周五）8:00–12:00" (the date once), one that ends
after midnight as "…22:00–次日6:00" / "…22:00–6:00 next day". Never seconds, never 04/12/2026.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, cast

from babel import Locale
from babel.dates import format_date

LANGUAGES = ("zh", "en")
LOCALES_DIR = Path(__file__).parent / "locales"
BABEL_LOCALE = {"zh": "zh_CN", "en": "en_GB"}
_formatter = string.Formatter()


class Html(str):
    """Text that is already HTML and must not be escaped again."""


class MissingText(KeyError):
    pass


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(name, value, into)
        else:
            into[name] = str(value)


@cache
def catalog(language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for file in sorted((LOCALES_DIR / language).glob("*.toml")):
        _flatten(file.stem, tomllib.loads(file.read_text(encoding="utf-8")), texts)
    return texts


PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


def plural_key(key: str) -> str:
    """``callouts.reminded.one`` -> ``callouts.reminded`` (other keys are left as they are)."""
    base, _, form = key.rpartition(".")
    return base if form in PLURAL_FORMS else key


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in _formatter.parse(text) if name}


def escape(value: object) -> str:
    return value if isinstance(value, Html) else html.escape(str(value), quote=False)


def text(language: str, key: str, **params: object) -> Html:
    """The text for ``key`` in ``language`` with escaped parameters filled in."""
    language = language if language in LANGUAGES else LANGUAGES[0]
    texts = catalog(language)
    template = texts.get(key)
    if template is None and f"{key}.other" in texts:  # a text with plural forms
        count = cast(float, params.get("count") or 0)  # a count is a number
        form = Locale.parse(BABEL_LOCALE[language]).plural_form(count)
        template = texts.get(f"{key}.{form}", texts[f"{key}.other"])
    if template is None:
        raise MissingText(f"{language}:{key}")
    return Html(template.format(**{name: escape(value) for name, value in params.items()}))


class Translator:
    """Texts and dates for one recipient: their language, the community's timezone; and, when
    given, the moment the text is written (``now``), so that dates can say today / tomorrow."""

    def __init__(self, language: str, zone: tzinfo, now: datetime | None = None) -> None:
        self.language = language if language in LANGUAGES else LANGUAGES[0]
        self.zone = zone
        self.now = now

    def at(self, now: datetime) -> Translator:
        """The same translator, writing at ``now``."""
        return Translator(self.language, self.zone, now)

    @property
    def lasting(self) -> Translator:
        """The same translator for text that stays in the chat and is read again later (a
        call-out, a roster card): dates in full, never "tomorrow"."""
        return Translator(self.language, self.zone) if self.now is not None else self

    def __call__(self, key: str, **params: object) -> Html:
        """The text for ``key``; an instant given as a parameter is shown as :meth:`when`
        (so a domain error can carry a time and have it shown in the reader's language)."""
        shown = {k: self.when(v) if isinstance(v, datetime) else v for k, v in params.items()}
        return text(self.language, key, **shown)

    def join(self, items: Iterable[str]) -> str:
        """A list as the language writes it: "A, B" / "A、B"."""
        return str(self("common.list_separator")).join(items)

    def has(self, key: str) -> bool:
        texts = catalog(self.language)
        return key in texts or f"{key}.other" in texts

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def date(self, day: date | datetime) -> str:
        """ "12月4日（周五）" / "Fri 4 Dec"; 今天 / 明天 (today / tomorrow) when that is what it is;
        with the year when it is not this year."""
        if isinstance(day, datetime):
            day = self.local(day).date()
        today = self.local(self.now).date() if self.now is not None else None
        if today is not None and day == today:
            return self("time.today")
        if today is not None and day == today + timedelta(days=1):
            return self("time.tomorrow")
        key = "time.date" if today is None or day.year == today.year else "time.date_year"
        return format_date(day, self(key), locale=BABEL_LOCALE[self.language])

    def time(self, instant: datetime) -> str:
        """ "8:00": the hour and minutes, never seconds."""
        local = self.local(instant)
        return f"{local.hour}:{local.minute:02d}"

    def time_after(self, start: datetime, instant: datetime) -> str:
        """ "1:15"; "次日1:15" / "1:15 next day" when it falls on the day after ``start``'s
        (a deadline past midnight); further on, the moment in full."""
        days = (self.local(instant).date() - self.local(start).date()).days
        if days <= 0:
            return self.time(instant)
        if days == 1:
            return self("time.next_day", time=self.time(instant))
        return self.when(instant)

    def when(self, instant: datetime) -> str:
        """ "12月4日（周五）8:00" / "Fri 4 Dec, 8:00" (明天8:00 / tomorrow, 8:00)."""
        return self("time.moment", date=self.date(instant), time=self.time(instant))

    def time_range(self, start: datetime, end: datetime) -> str:
        """ "12月4日（周五）8:00–12:00" / "Fri 4 Dec, 8:00–12:00"; past midnight
        "…22:00–次日6:00" / "…22:00–6:00 next day"; longer, both moments in full."""
        days = (self.local(end).date() - self.local(start).date()).days
        if days == 0:
            return self("time.range_same_day", start=self.when(start), end=self.time(end))
        if days == 1:
            return self("time.range_next_day", start=self.when(start), end=self.time(end))
        return self("time.range", start=self.when(start), end=self.when(end))
