"""Finding a volunteer from what a leader typed in a spreadsheet cell or a command:
``#12`` (the number shown in lists and exports, e.g. ``Li Hua #12``), a phone number, or a
name that only one registered volunteer has."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import InvalidInput
from models import Volunteer

NUMBER = re.compile(r"#\s*(\d{1,9})")
MIN_PHONE_DIGITS = 7


def name_key(text: str) -> str:
    """Names compare without case, width or spacing differences (全角/半角)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def looks_like_phone(text: str) -> bool:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    return bool(re.fullmatch(r"\+?[\d\s\-()]+", cleaned)) and len(digits(cleaned)) >= 7


@dataclass(frozen=True)
class VolunteerRef:
    id: int
    name: str


@dataclass
class VolunteerIndex:
    """Every registered volunteer, looked up by number, phone or name."""

    by_id: dict[int, VolunteerRef] = field(default_factory=dict)
    by_name: dict[str, list[VolunteerRef]] = field(default_factory=lambda: defaultdict(list))
    by_phone: dict[str, list[VolunteerRef]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    async def load(cls, session: AsyncSession) -> VolunteerIndex:
        index = cls()
        rows = await session.exec(
            select(Volunteer.id, Volunteer.name, Volunteer.phone).where(Volunteer.left_at.is_(None))
        )
        for volunteer_id, name, phone in rows:
            ref = VolunteerRef(volunteer_id, name or f"#{volunteer_id}")
            index.by_id[volunteer_id] = ref
            if name:
                index.by_name[name_key(name)].append(ref)
            if phone and len(digits(phone)) >= MIN_PHONE_DIGITS:
                index.by_phone[digits(phone)].append(ref)
        return index

    def find(self, text: str) -> VolunteerRef:
        """The one volunteer ``text`` names; ``InvalidInput`` with a reason otherwise."""
        text = text.strip()
        number = NUMBER.search(text)
        if number:
            ref = self.by_id.get(int(number.group(1)))
            if ref is None:
                raise InvalidInput("rounds.ref.unknown_number", number=number.group(1))
            return ref
        if looks_like_phone(text):
            return self._one(self._by_phone(digits(text)), text)
        return self._one(self.by_name.get(name_key(text), []), text)

    def _by_phone(self, wanted: str) -> list[VolunteerRef]:
        exact = self.by_phone.get(wanted)
        if exact:
            return exact
        # Stored numbers are international (+86138...); a leader types the national form.
        return [
            ref for phone, refs in self.by_phone.items() if phone.endswith(wanted) for ref in refs
        ]

    @staticmethod
    def _one(found: list[VolunteerRef], text: str) -> VolunteerRef:
        if not found:
            raise InvalidInput("rounds.ref.unknown", who=text)
        if len({ref.id for ref in found}) > 1:
            raise InvalidInput("rounds.ref.ambiguous", who=text)
        return found[0]
