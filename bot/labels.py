"""Labels of the registry's codes (skills, availability, party) in a recipient's language."""

from __future__ import annotations

from bot.config import CommunityConfig, SkillConfig
from bot.i18n import Translator
from models.enums import Availability, Party


def skill_label(t: Translator, community: CommunityConfig, code: str) -> str:
    for skill in community.skills:
        if isinstance(skill, SkillConfig) and skill.code == code:
            return skill.zh if t.language == "zh" else skill.en
    key = f"registry.skill.{code}"
    return t(key) if t.has(key) else code


def availability_label(t: Translator, slot: Availability | str) -> str:
    return t(f"registry.availability.{Availability(slot).value}")


def party_label(t: Translator, party: Party | str) -> str:
    return t(f"registry.party.{Party(party).value}")
