"""The buttons of round prompts and alerts (typed callback data; every press is checked)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.button_data import CallbackData

ANSWERS = ("well", "needs_help", "no_answer")


@dataclass(frozen=True)
class VisitAnswer(CallbackData):
    """A visitor's answer for one visit: ``well``, ``needs_help`` or ``no_answer``."""

    prefix = "visit"
    visit_id: int
    answer: str


@dataclass(frozen=True)
class CloseAlert(CallbackData):
    """Whoever acted closes an alert with an outcome (``AlertOutcome``)."""

    prefix = "alert"
    alert_id: int
    outcome: str
