"""A list of words shown to someone is written as their language writes a list: "医疗、急救" in
Chinese, "Medical, First aid" in English (``Translator.join``), wherever it appears."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.dialogs import FormEnv
from bot.services.callouts.views import CalloutView, details
from bot.services.rounds.elder_sheets import ImportReport
from bot.services.rounds.summary import DayStats, stats_text
from handlers import callout_forms
from handlers.elders import report_text
from models import Callout
from models.db import Database
from tests.seed_callouts import DISPLAY, create, seed_leader

TWO_SKILLS = ("medical", "first_aid")


async def test_a_call_outs_required_skills_are_listed_in_each_language(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    callout_id = await create(db, clock.now(), skills=TWO_SKILLS)
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        view = CalloutView.of(callout)

    chinese = "\n".join(details(DISPLAY.translator("zh"), DISPLAY, view))
    assert "医疗、急救" in chinese and "医疗, 急救" not in chinese
    english = "\n".join(details(DISPLAY.translator("en"), DISPLAY, view))
    assert "Medical, First aid" in english


@pytest.mark.parametrize(
    ("language", "listed"), [("zh", "医疗、急救"), ("en", "Medical, First aid")]
)
def test_the_call_out_forms_suggested_skills_are_listed_in_each_language(
    monkeypatch: pytest.MonkeyPatch, language: str, listed: str
) -> None:
    vaccination = callout_forms.TEMPLATES["vaccination"]
    monkeypatch.setitem(
        callout_forms.TEMPLATES, "vaccination", replace(vaccination, suggested_skills=TWO_SKILLS)
    )
    config = Config.model_validate({"telegram": {"token": "1:x"}, "database": {"url": "sqlite://"}})
    t = DISPLAY.translator(language)
    env = FormEnv(cast(Any, None), config, t, FrozenClock().now(), cast(Any, None))
    hint = callout_forms._suggested_skills(env, {"template": "vaccination"})
    assert hint is not None and listed in hint


def test_the_columns_an_import_ignored_are_listed_in_each_language() -> None:
    report = ImportReport(1, 0, (), ("备注", "Notes"), rows=1)
    assert "已忽略的列：备注、Notes" in report_text(DISPLAY.translator("zh"), report)
    assert "备注, Notes" in report_text(DISPLAY.translator("en"), report)


def test_how_a_days_alerts_were_closed_is_listed_in_each_language() -> None:
    stats = DayStats(alerts=2, closed=(("visited_well", 1), ("phone_well", 1)))
    chinese = stats_text(DISPLAY.translator("zh"), stats)
    assert "1、" in chinese and "1, " not in chinese
    assert "1, " in stats_text(DISPLAY.translator("en"), stats)
