from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES, Html, Translator, catalog, placeholders, plural_key, text


def test_every_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    """Plural forms differ by language (Chinese has only ``other``): a text with plural forms
    has ``other`` in both, and every form has the placeholders of the other language's."""
    zh, en = catalog("zh"), catalog("en")
    assert {plural_key(k) for k in zh} == {plural_key(k) for k in en}
    for key in zh.keys() & en.keys():
        assert placeholders(zh[key]) == placeholders(en[key]), key
    for texts, other in ((zh, en), (en, zh)):
        for key in texts.keys() - other.keys():
            assert key.endswith(".one") or key.endswith(".two") or key.endswith(".few"), key
            base = plural_key(key)
            assert f"{base}.other" in texts and f"{base}.other" in other, key
            assert placeholders(texts[key]) <= placeholders(other[f"{base}.other"]), key


def test_parameters_are_escaped_but_marked_html_is_not() -> None:
    shown = text("en", "common.welcome", community="<b>A&B</b>")
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in shown
    assert "<b>x</b>" in text("en", "common.welcome", community=Html("<b>x</b>"))


SHANGHAI = ZoneInfo("Asia/Shanghai")
FRI_8 = datetime(2026, 12, 4, 8, 0, tzinfo=SHANGHAI)
THU_10 = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


def test_dates_are_shown_in_the_community_timezone() -> None:
    t = Translator("en", SHANGHAI)
    assert t.when(datetime(2026, 3, 12, 6, 0, tzinfo=UTC)) == "Thu 12 Mar, 14:00"
    assert set(LANGUAGES) == {"zh", "en"}


def test_a_same_day_range_shows_its_date_once_and_no_seconds() -> None:
    zh, en = Translator("zh", SHANGHAI), Translator("en", SHANGHAI)
    noon = FRI_8 + timedelta(hours=4, seconds=30)
    assert zh.time_range(FRI_8, noon) == "12月4日（周五）8:00–12:00"
    assert en.time_range(FRI_8, noon) == "Fri 4 Dec, 8:00–12:00"


def test_a_range_past_midnight_ends_the_next_day() -> None:
    zh, en = Translator("zh", SHANGHAI), Translator("en", SHANGHAI)
    night = FRI_8 + timedelta(hours=14)
    assert zh.time_range(night, night + timedelta(hours=8)) == "12月4日（周五）22:00–次日6:00"
    assert en.time_range(night, night + timedelta(hours=8)) == "Fri 4 Dec, 22:00–6:00 next day"
    assert en.time_range(FRI_8, FRI_8 + timedelta(days=2)) == "Fri 4 Dec, 8:00 – Sun 6 Dec, 8:00"


def test_a_deadline_past_midnight_says_next_day() -> None:
    """A round at 23:00 to be confirmed by 1:15: "by 1:15" alone would read as long past."""
    zh, en = Translator("zh", SHANGHAI), Translator("en", SHANGHAI)
    late = FRI_8 + timedelta(hours=15)  # 23:00
    assert zh.time_after(late, late + timedelta(hours=2, minutes=15)) == "次日1:15"
    assert en.time_after(late, late + timedelta(hours=2, minutes=15)) == "1:15 next day"
    assert en.time_after(FRI_8, FRI_8 + timedelta(hours=1)) == "9:00"
    assert en.time_after(FRI_8, FRI_8 + timedelta(days=2)) == "Sun 6 Dec, 8:00"


def test_today_and_tomorrow_when_the_translator_knows_now() -> None:
    zh, en = Translator("zh", SHANGHAI).at(THU_10), Translator("en", SHANGHAI).at(THU_10)
    assert zh.when(FRI_8) == "明天8:00" and en.when(FRI_8) == "tomorrow, 8:00"
    assert zh.when(THU_10 + timedelta(hours=2)) == "今天12:00"
    assert en.when(FRI_8 + timedelta(days=3)) == "Mon 7 Dec, 8:00"
    assert en.when(FRI_8 + timedelta(days=40)) == "Wed 13 Jan 2027, 8:00"  # not this year
    assert zh.when(FRI_8 + timedelta(days=40)) == "2027年1月13日（周三）8:00"


def test_english_dates_are_never_all_digits() -> None:
    t = Translator("en", SHANGHAI)
    for day in range(1, 13):
        shown = t.when(datetime(2026, day, day, 9, 5, tzinfo=SHANGHAI))
        assert "/" not in shown and f"{day:02d}/{day:02d}" not in shown
        assert shown.endswith("9:05")


def test_plurals_follow_the_language() -> None:
    en, zh = Translator("en", SHANGHAI), Translator("zh", SHANGHAI)
    assert en("callouts.card.reminded", count=1) == "Reminded 1 volunteer."
    assert en("callouts.card.reminded", count=3) == "Reminded 3 volunteers."
    assert zh("callouts.card.reminded", count=1) == zh("callouts.card.reminded", count=1)
    assert "1" in zh("callouts.card.reminded", count=1)
