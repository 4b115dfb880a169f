"""What a volunteer sees of a call-out: its details and their own answer, with the buttons that
fit that answer, rendered per recipient in their language and the community's timezone."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import Translator
from bot.labels import skill_label
from bot.outbox.cards import Rendered
from bot.outbox.queue import Button, keyboard
from bot.services.callouts.buttons import (
    ETA_CHOICES,
    DeclinePress,
    GoPress,
    KeepPress,
    WithdrawPress,
)
from bot.services.callouts.clashes import Clash
from bot.services.display import Display
from models import Callout
from models.callouts import CalloutStatus, ResponseState, SkillMatch, Urgency

MAP_URL = "https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"


class WaveAction(StrEnum):
    """What an escalation wave does (``[callouts] waves`` in the config)."""

    WIDEN = "widen"
    REMIND = "remind"
    TELL_LEADER = "tell_leader"


@dataclass(frozen=True)
class WaveRecord:
    """One escalation wave as it ran: how many it reached, or skipped (already full)."""

    action: WaveAction
    at: datetime
    count: int
    skipped: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "at": self.at.isoformat(),
            "count": self.count,
            "skipped": self.skipped,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> WaveRecord:
        return cls(
            WaveAction(data["action"]),
            datetime.fromisoformat(data["at"]),
            int(data.get("count", 0)),
            bool(data.get("skipped", False)),
        )


@dataclass(frozen=True)
class CalloutView:
    """A call-out as plain data (never an ORM row outside the services)."""

    id: int
    title: str
    description: str
    place: str
    latitude: float | None
    longitude: float | None
    template: str
    starts_at: datetime
    ends_at: datetime
    needed: int | None
    confirmed: int
    skills: tuple[str, ...]
    skill_match: SkillMatch
    urgency: Urgency
    status: CalloutStatus
    response_deadline: datetime | None
    created_by: int
    wave: int = 0
    next_wave_at: datetime | None = None
    waves_done: tuple[WaveRecord, ...] = ()
    everyone: bool = False  # addressed to the whole community (no team or compound chosen)

    @classmethod
    def of(cls, callout: Callout) -> CalloutView:
        assert callout.id is not None
        return cls(
            id=callout.id,
            title=callout.title,
            description=callout.description,
            place=callout.place,
            latitude=callout.latitude,
            longitude=callout.longitude,
            template=callout.template,
            starts_at=callout.starts_at,
            ends_at=callout.ends_at,
            needed=callout.needed,
            confirmed=callout.confirmed,
            skills=tuple(callout.skills),
            skill_match=SkillMatch(callout.skill_match),
            urgency=Urgency(callout.urgency),
            status=CalloutStatus(callout.status),
            response_deadline=callout.response_deadline,
            created_by=callout.created_by,
            wave=callout.wave,
            next_wave_at=callout.next_wave_at,
            waves_done=tuple(WaveRecord.of(record) for record in callout.waves_done or ()),
            everyone=callout.everyone,
        )

    @property
    def is_open(self) -> bool:
        return self.status == CalloutStatus.OPEN

    @property
    def is_full(self) -> bool:
        return self.needed is not None and self.confirmed >= self.needed

    @property
    def is_emergency(self) -> bool:
        return self.urgency == Urgency.EMERGENCY

    def wave_applies(self, action: WaveAction) -> bool:
        """Widening a call-out already addressed to everyone would ask nobody new: such a
        wave is neither offered nor shown."""
        return not (action == WaveAction.WIDEN and self.everyone)


@dataclass(frozen=True)
class MyAnswer:
    """One volunteer's answer as they see it."""

    state: ResponseState | None  # None: never asked (e.g. pressed in a group chat first)
    eta_minutes: int | None = None
    position: int | None = None  # in the waiting line


def time_range(t: Translator, view: CalloutView) -> str:
    """When the call-out runs, e.g. "12月4日（周五）8:00–12:00" / "Fri 4 Dec, 8:00–12:00" (in
    full: the message stays in the chat and is read again on the day)."""
    return t.lasting.time_range(view.starts_at, view.ends_at)


def details(t: Translator, display: Display, view: CalloutView) -> list[str]:
    """The call-out's details, one line per fact."""
    heading = "callouts.heading_emergency" if view.is_emergency else "callouts.heading_normal"
    lines: list[str] = [t(heading), t("callouts.title_line", title=view.title)]
    if view.description:
        lines.append(t("callouts.description_line", description=view.description))
    if view.place:
        lines.append(t("callouts.place_line", place=view.place))
    if view.latitude is not None and view.longitude is not None:
        url = MAP_URL.format(lat=view.latitude, lon=view.longitude)
        lines.append(t("callouts.map_line", url=url))
    lines.append(t("callouts.time_line", time=time_range(t, view)))
    if view.needed is None:
        lines.append(t("callouts.needed_open_line", confirmed=view.confirmed))
    else:
        lines.append(t("callouts.needed_line", needed=view.needed, confirmed=view.confirmed))
    if view.skills:
        labels = t.join(skill_label(t, display.community, code) for code in view.skills)
        key = (
            "callouts.skills_all_line"
            if view.skill_match == SkillMatch.ALL
            else ("callouts.skills_any_line")
        )
        lines.append(t(key, skills=labels))
    if view.response_deadline is not None:
        lines.append(t("callouts.deadline_line", deadline=t.lasting.when(view.response_deadline)))
    return lines


def answer_line(t: Translator, view: CalloutView, mine: MyAnswer) -> str:
    if view.status == CalloutStatus.CANCELLED:
        return t("callouts.you.cancelled")
    if mine.state == ResponseState.CONFIRMED:
        if mine.eta_minutes:
            return t("callouts.you.confirmed_eta", minutes=mine.eta_minutes)
        return t("callouts.you.confirmed")
    if view.status == CalloutStatus.CLOSED:
        return t("callouts.you.closed")
    if mine.state == ResponseState.WAITING:
        return t("callouts.you.waiting", position=mine.position or "?")
    if mine.state == ResponseState.DECLINED:
        return t("callouts.you.declined")
    if mine.state == ResponseState.WITHDRAWN:
        return t("callouts.you.withdrawn")
    return t("callouts.you.invited")


def go_buttons(t: Translator, view: CalloutView) -> list[list[Button]]:
    """I'll go / Can't go; an emergency also offers arrival estimates."""
    rows: list[list[Button]] = []
    if view.is_emergency:
        rows.append(
            [(t("callouts.button.eta", minutes=m), GoPress(view.id, m).pack()) for m in ETA_CHOICES]
        )
    rows.append(
        [
            (t("callouts.button.go"), GoPress(view.id).pack()),
            (t("callouts.button.decline"), DeclinePress(view.id).pack()),
        ]
    )
    return rows


def answer_buttons(t: Translator, view: CalloutView, mine: MyAnswer) -> list[list[Button]]:
    if view.status == CalloutStatus.CANCELLED:
        return []
    if mine.state == ResponseState.CONFIRMED:
        was = ResponseState.CONFIRMED.value
        return [[(t("callouts.button.withdraw"), WithdrawPress(view.id, was).pack())]]
    if view.status != CalloutStatus.OPEN:
        return []
    if mine.state == ResponseState.WAITING:
        was = ResponseState.WAITING.value
        return [[(t("callouts.button.leave_waiting"), WithdrawPress(view.id, was).pack())]]
    if mine.state in (ResponseState.DECLINED, ResponseState.WITHDRAWN):
        *estimates, _ = go_buttons(t, view)
        return [*estimates, [(t("callouts.button.go_after_all"), GoPress(view.id).pack())]]
    return go_buttons(t, view)


def personal_message(
    t: Translator, display: Display, view: CalloutView, mine: MyAnswer, *, lead: str = ""
) -> Rendered:
    """The call-out as one volunteer sees it; ``lead`` is a first line (a reminder, a
    promotion)."""
    lines = ([lead] if lead else []) + details(t, display, view) + ["", answer_line(t, view, mine)]
    buttons = answer_buttons(t, view, mine)
    return Rendered("\n".join(lines), keyboard(buttons) if buttons else None)


def left_message(t: Translator, display: Display, view: CalloutView) -> Rendered:
    """A volunteer's copy of the call-out once they have left Muster: no buttons to press."""
    lines = [*details(t, display, view), "", t("callouts.you.left")]
    return Rendered("\n".join(lines), None)


def group_post(display: Display, view: CalloutView, waiting: int = 0) -> Rendered:
    """The call-out posted in a team's group chat: everyone there answers for themselves. It
    is kept current (``group_posts``): the time, the counts, whether it is full or over."""
    t = display.translator(display.group_language)
    lines = details(t, display, view)
    if waiting:
        lines.append(t("callouts.group.waiting", count=waiting))
    lines.append("")
    if view.status == CalloutStatus.CANCELLED:
        lines.append(t("callouts.you.cancelled"))
    elif not view.is_open:
        lines.append(t("callouts.you.closed"))
    else:
        lines += [t("callouts.group.full")] if view.is_full else []
        lines.append(t("callouts.group_hint"))
    buttons = go_buttons(t, view) if view.is_open else []
    return Rendered("\n".join(lines), keyboard(buttons) if buttons else None)


def _keep_label(t: Translator, title: str) -> str:
    return html.unescape(t("callouts.clash.keep", title=title[:40]))  # a label, not HTML


def clash_question(t: Translator, view: CalloutView, clash: Clash) -> Rendered:
    """Said yes to ``view`` while confirmed for ``clash`` at the same time: which to keep."""
    text = t(
        "callouts.clash.question",
        title=view.title,
        time=t.lasting.time_range(view.starts_at, view.ends_at),
        other=clash.title,
        other_time=t.lasting.time_range(clash.starts_at, clash.ends_at),
    )
    buttons = [
        [
            (
                _keep_label(t, view.title),
                KeepPress(view.id, clash.callout_id).pack(),
            )
        ],
        [
            (
                _keep_label(t, clash.title),
                KeepPress(clash.callout_id, view.id).pack(),
            )
        ],
    ]
    return Rendered(text, keyboard(buttons))
