"""The route table is the whole map: every kind of button has a prefix of its own, every form
and every piece of due work is listed there, and nothing registers itself on import."""

from __future__ import annotations

import inspect
from collections import Counter

from bot import routes
from bot.button_data import SEPARATOR, CallbackData
from bot.outbox import retention
from bot.services.announcements import due as announcements_due
from bot.services.callouts import due as callouts_due
from bot.services.reports import due as reports_due
from bot.services.rounds import due as rounds_due

PRODUCT = ("bot.", "handlers.")  # tests declare kinds of their own, with any prefix
DUE_MODULES = (announcements_due, callouts_due, reports_due, rounds_due, retention)


def _kinds(base: type[CallbackData]) -> list[type[CallbackData]]:
    found = []
    for kind in base.__subclasses__():
        found.append(kind)
        found.extend(_kinds(kind))
    return found


def test_every_callback_data_prefix_is_unique() -> None:
    kinds = [k for k in _kinds(CallbackData) if k.__module__.startswith(PRODUCT)]
    prefixes = Counter(kind.prefix for kind in kinds)
    assert {"dlg", "cgo", "bok", "visit", "profile", "eld.rc"} <= set(prefixes)  # every layer
    assert [prefix for prefix, count in prefixes.items() if count > 1] == []
    assert not any(SEPARATOR in prefix for prefix in prefixes)


def test_every_form_is_listed_once() -> None:
    flows = Counter(form.flow for form in routes.FORMS)
    assert [flow for flow, count in flows.items() if count > 1] == []
    assert {"signup", "callout", "broadcast", "report", "elder"} <= set(flows)


def test_every_due_work_function_is_listed() -> None:
    """A function of a ``due`` module taking (runtime, now) runs only if the table lists it."""
    declared = {
        function
        for module in DUE_MODULES
        for name, function in inspect.getmembers(module, inspect.iscoroutinefunction)
        if not name.startswith("_")
        and function.__module__ == module.__name__
        and list(inspect.signature(function).parameters) == ["runtime", "now"]
    }
    assert len(declared) == len(routes.DUE_WORK) == len(set(routes.DUE_WORK))
    assert declared == set(routes.DUE_WORK)
