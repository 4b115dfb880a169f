from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES, Html, Translator, catalog, placeholders, text


def test_every_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) == set(en), set(zh) ^ set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_parameters_are_escaped_but_marked_html_is_not() -> None:
    shown = text("en", "common.welcome", community="<b>A&B</b>")
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in shown
    assert "<b>x</b>" in text("en", "common.welcome", community=Html("<b>x</b>"))


def test_dates_are_shown_in_the_community_timezone() -> None:
    from datetime import UTC, datetime

    t = Translator("en", ZoneInfo("Asia/Shanghai"))
    assert t.when(datetime(2026, 3, 12, 6, 0, tzinfo=UTC)) == "03-12 14:00"
    assert set(LANGUAGES) == {"zh", "en"}
