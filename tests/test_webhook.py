"""Webhook mode: Telegram POSTs each update to the bot with the secret token given at
setWebhook; a request without that token is refused, one with it is answered."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx

from models.db import Database
from models.intake import IntakeUpdate
from tests.fake_telegram import FakeTelegram
from tests.operations_support import finished, free_port, muster, stop, write_config

SECRET = "s3cret-Token_42"
PUBLIC_URL = "https://bot.riverside.example/telegram/updates"  # TLS ends at a reverse proxy


def webhook_keys(port: int, *, url: str = PUBLIC_URL, secret: str = SECRET) -> str:
    return (
        f'mode = "webhook"\nwebhook_url = "{url}"\nwebhook_listen = "127.0.0.1"\n'
        f'webhook_port = {port}\nwebhook_secret = "{secret}"\n'
    )


def take_pending_update(telegram: FakeTelegram) -> dict[str, object]:
    """What Telegram would POST next: the update a fake user's message queued."""
    (update,) = telegram.updates.pending
    telegram.updates.clear()
    return update


async def post(client: httpx.AsyncClient, url: str, update: dict[str, object], **headers: str):  # type: ignore[no-untyped-def]
    return await client.post(
        url,
        content=json.dumps(update),
        headers={"Content-Type": "application/json", **headers},
    )


async def test_updates_posted_without_the_secret_are_refused_and_with_it_answered(
    tmp_path: Path,
) -> None:
    port = free_port()
    local_url = f"http://127.0.0.1:{port}/telegram/updates"
    async with FakeTelegram() as telegram:
        config = write_config(tmp_path, telegram, telegram_keys=webhook_keys(port))
        process = await muster("run", "--config", str(config))
        try:
            registered = await telegram.wait_for_call("setWebhook", timeout=30)
            assert registered.params["url"] == PUBLIC_URL
            assert registered.params["secret_token"] == SECRET

            alice = telegram.user(301, "Alice", language_code="en")
            await alice.send("/start")
            update = take_pending_update(telegram)
            async with httpx.AsyncClient() as client:
                forged = await post(client, local_url, update)
                wrong = await post(
                    client, local_url, update, **{"X-Telegram-Bot-Api-Secret-Token": "guess"}
                )
                genuine = await post(
                    client, local_url, update, **{"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            assert (forged.status_code, wrong.status_code, genuine.status_code) == (403, 403, 200)

            greeting = await alice.expect_message(timeout=15)
            assert "Riverside" in greeting.text
            await alice.expect_no_message(within=0.5)  # the refused requests did nothing
            assert not telegram.find_calls("getUpdates")  # no polling beside the webhook

            process.send_signal(signal.SIGTERM)
            code, err = await finished(process, within=15)
        finally:
            await stop(process)
    assert code == 0, err


async def test_webhook_mode_without_url_or_secret_is_one_config_error(tmp_path: Path) -> None:
    async with FakeTelegram() as telegram:
        config = write_config(tmp_path, telegram, telegram_keys='mode = "webhook"\n')
        code, err = await finished(await muster("run", "--config", str(config)))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert 'mode = "webhook" needs webhook_url and webhook_secret' in err


async def test_a_webhook_url_that_is_not_https_is_one_config_error_with_telegram(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"  # base_url left to Telegram's, which calls only HTTPS
    config.write_text(
        '[telegram]\ntoken = "1:a"\n'
        + webhook_keys(free_port(), url="http://bot.riverside.example/hook"),
        encoding="utf-8",
    )
    code, err = await finished(await muster("run", "--config", str(config)))
    assert code == 2 and err.strip().count("\n") == 0
    assert "webhook_url must be an https:// URL" in err


async def test_a_local_bot_api_server_gets_a_plain_http_webhook(tmp_path: Path) -> None:
    port = free_port()
    local_url = f"http://127.0.0.1:{port}/telegram/updates"
    async with FakeTelegram() as telegram:  # in base_url, as a local Bot API server would be
        keys = webhook_keys(port, url=local_url)
        config = write_config(tmp_path, telegram, telegram_keys=keys)
        process = await muster("run", "--config", str(config))
        try:
            registered = await telegram.wait_for_call("setWebhook", timeout=30)
            assert registered.params["url"] == local_url
            alice = telegram.user(301, "Alice", language_code="en")
            await alice.send("/start")
            update = take_pending_update(telegram)
            async with httpx.AsyncClient() as client:
                answer = await post(
                    client, local_url, update, **{"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            assert answer.status_code == 200
            await alice.expect_message("Riverside")
        finally:
            await stop(process)


async def test_an_update_is_answered_200_only_once_it_is_stored(tmp_path: Path) -> None:
    """Telegram forgets an update it got a 200 for: the 200 goes only after the update is
    committed to the intake. One that cannot be stored is a 500, and Telegram sends it again."""
    port = free_port()
    local_url = f"http://127.0.0.1:{port}/telegram/updates"
    async with FakeTelegram() as telegram:
        config = write_config(tmp_path, telegram, telegram_keys=webhook_keys(port, url=local_url))
        process = await muster("run", "--config", str(config))
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
        intake = IntakeUpdate.__table__  # type: ignore[attr-defined]
        try:
            await telegram.wait_for_call("setWebhook", timeout=30)
            alice = telegram.user(301, "Alice", language_code="en")
            await alice.send("/start")
            update = take_pending_update(telegram)
            secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with db.engine.begin() as connection:  # the intake cannot be written
                await connection.run_sync(intake.drop)
            async with httpx.AsyncClient() as client:
                refused = await post(client, local_url, update, **secret)
                assert refused.status_code == 500
                await alice.expect_no_message(within=0.5)

                async with db.engine.begin() as connection:
                    await connection.run_sync(intake.create)
                retried = await post(client, local_url, update, **secret)  # Telegram's retry
            assert retried.status_code == 200
            await alice.expect_message("Riverside")
        finally:
            await db.dispose()
            await stop(process)
