from pathlib import Path

import pytest

from bot.config import TOKEN_ENV, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_once_a_token_is_given(tmp_path: Path) -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    config = load_config(example, environ={TOKEN_ENV: "1:abc"})
    assert config.token == "1:abc"
    assert config.bot.timezone == "Asia/Shanghai"
    assert config.bot.default_language == "zh"


def test_relative_sqlite_path_is_beside_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[telegram]\ntoken = "1:a"\n'), environ={})
    assert config.database.url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'muster.db'}"


def test_environment_token_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n')
    assert load_config(path, environ={TOKEN_ENV: "2:env"}).token == "2:env"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[telegram\ntoken=", "not valid TOML"),
        ('[telegram]\ntoken = ""\n', "no bot token"),
        ('[telegram]\ntoken = "1:a"\n[bot]\ntimezone = "Mars/Olympus"\n', "unknown IANA"),
        ('[telegram]\ntoken = "1:a"\n[bot]\ndefault_language = "fr"\n', "default_language"),
        ('[telegram]\ntoken = "1:a"\n[database]\nurl = "nonsense"\n', "not a database URL"),
        ('[telegram]\ntoken = "1:a"\nsurprise = 1\n', "surprise"),
        ('[telegram]\ntoken = "1:a"\n[community]\nskills = ["juggling"]\n', "juggling"),
        (
            '[telegram]\ntoken = "1:a"\n[dashboard]\nenabled = true\nurl = "https://b.example/"\n',
            "dashboard.enabled needs [observability] metrics_port",
        ),
        (
            '[telegram]\ntoken = "1:a"\n[observability]\nmetrics_port = 9100\n'
            '[dashboard]\nenabled = true\nurl = "http://b.example/"\n',
            "dashboard.url must be https://",
        ),
        ('[telegram]\ntoken = "1:a"\n[dashboard]\nenabled = true\n', "url must be the board"),
    ],
)
def test_bad_config_gives_one_clear_line(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), environ={})
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", environ={})


def test_database_urls_without_the_async_driver_get_it(tmp_path: Path) -> None:
    plain = '[telegram]\ntoken = "1:a"\n[database]\nurl = "{}"\n'
    config = load_config(write(tmp_path, plain.format("sqlite:///x.db")), environ={})
    assert config.database.url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'x.db'}"
    url = "postgresql://muster:s3cret@db:5432/muster"
    config = load_config(write(tmp_path, plain.format(url)), environ={})
    assert config.database.url == "postgresql+asyncpg://muster:s3cret@db:5432/muster"


LOCAL_SERVER = 'base_url = "http://127.0.0.1:8081/bot"\n'
WEBHOOK = 'mode = "webhook"\nwebhook_secret = "s"\nwebhook_url = "{}"\n'


def test_a_plain_http_webhook_only_behind_a_local_bot_api_server(tmp_path: Path) -> None:
    http = WEBHOOK.format("http://bot.internal:8443/updates")
    with pytest.raises(ConfigError, match="local Bot API server"):
        load_config(write(tmp_path, '[telegram]\ntoken = "1:a"\n' + http), environ={})
    local = load_config(
        write(tmp_path, '[telegram]\ntoken = "1:a"\n' + LOCAL_SERVER + http), environ={}
    )
    assert local.telegram.webhook_url == "http://bot.internal:8443/updates"


@pytest.mark.parametrize(
    ("key", "value"),
    [("global_per_second", 100), ("per_chat_per_second", 2), ("per_group_per_minute", 30)],
)
def test_pacing_faster_than_telegram_allows_is_refused(
    tmp_path: Path, key: str, value: int
) -> None:
    outbox = f"[outbox]\n{key} = {value}\n"
    with pytest.raises(ConfigError, match=f"outbox.{key} = {value} is more than Telegram allows"):
        load_config(write(tmp_path, '[telegram]\ntoken = "1:a"\n' + outbox), environ={})
    # a test emulator or a local server is the operator's own business
    local = '[telegram]\ntoken = "1:a"\n' + LOCAL_SERVER + outbox
    assert getattr(load_config(write(tmp_path, local), environ={}).outbox, key) == value


def test_offline_commands_load_a_config_without_a_token(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[bot]\n"), environ={}, need_token=False)
    assert config.token == ""
