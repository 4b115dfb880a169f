"""A new operator's first hour, as README tells it: in a fresh folder, `muster init` answers four
questions, `muster run` starts the bot and logs a one-time claim link, and whoever opens it
first is the first administrator. Each step is README's own command, run as a subprocess; the
only edit is pointing `base_url` at this test's Bot API server, which stands in for Telegram.

(The set-up command's first steps make a virtualenv and install Muster into it: this test runs
inside one already, and CI runs README's test command, which makes it the same way. The
one-line errors are checked in tests/test_cli.py, also as subprocesses in a fresh folder.)
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).parent.parent
INSTALL = ("python3 -m venv .venv", ". .venv/bin/activate")
CLAIM_LINK = re.compile(r"https://t\.me/(\w+)\?start=(claim_[A-Za-z0-9_-]+)")


def readme_commands() -> tuple[str, str]:
    """README's two set-up commands: running the bot, running the tests."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Set-up in two commands") : readme.index("## Commands")]
    run, tests = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    return run, tests


def operator_steps(command: str) -> list[str]:
    """The steps after the virtualenv and the install."""
    steps = [step.strip() for step in command.split("&&")]
    assert tuple(steps[:2]) == INSTALL  # a fresh virtualenv: Debian and Ubuntu refuse pip
    assert steps[2] in ("pip install .", 'pip install -e ".[test]"')
    return steps[3:]


def shell_env() -> dict[str, str]:
    """The shell of someone whose virtualenv is active: its `muster` comes first on PATH."""
    scripts = Path(sys.executable).parent
    assert (scripts / "muster").exists(), "the project is not installed in this virtualenv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    return {**env, "PATH": f"{scripts}{os.pathsep}{env.get('PATH', '')}", "PYTHONUNBUFFERED": "1"}


async def shell(step: str, folder: Path, *, answers: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        shutil.which("bash") or "/bin/bash",
        "-c",
        step,
        cwd=folder,
        env=shell_env(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(answers.encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


def use_as_telegram(config: Path, telegram: FakeTelegram) -> None:
    """The operator's one edit here: this test's server in place of api.telegram.org."""
    text = re.sub(r"(?m)^base_(file_)?url = .*\n", "", config.read_text(encoding="utf-8"))
    text = text.replace(
        "[telegram]\n",
        f'[telegram]\nbase_url = "{telegram.base_url}"\n'
        f'base_file_url = "{telegram.base_file_url}"\n',
        1,
    )
    config.write_text(text, encoding="utf-8")


@asynccontextmanager
async def started(
    step: str,
    folder: Path,
    telegram: FakeTelegram,
    log_name: str,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Path]:
    """README's run step, until it polls for updates; yields the file its log goes to."""
    polls = len(telegram.find_calls("getUpdates"))
    log_path = folder / log_name
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            shutil.which("bash") or "/bin/bash",
            "-c",
            f"exec {step}",
            cwd=folder,
            env={**shell_env(), **(env or {})},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        try:
            await telegram.wait_for(
                lambda: len(telegram.find_calls("getUpdates")) > polls or process.returncode,
                timeout=30,
                message="muster run never polled for updates",
            )
            assert process.returncode is None, log_path.read_text()
            yield log_path
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


def claim_link(log: Path) -> tuple[str, str]:
    found = CLAIM_LINK.findall(log.read_text(encoding="utf-8"))
    assert len(found) == 1, log.read_text(encoding="utf-8")
    return found[0]


def test_readme_test_command_is_the_one_ci_runs() -> None:
    _, tests = readme_commands()
    assert operator_steps(tests) == ["python -m pytest -q"]
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


async def test_a_new_operator_follows_readme_to_a_running_bot_and_its_first_administrator(
    tmp_path: Path,
) -> None:
    run, _ = readme_commands()
    init, start = operator_steps(run)
    assert (init, start) == ("muster init", "muster run")

    async with FakeTelegram() as telegram:
        # Four answers: the token from @BotFather, the name, the default timezone, English.
        code, said = await shell(init, tmp_path, answers=f"{telegram.token}\nRiverside\n\nen\n")
        assert code == 0, said
        assert "wrote config.toml" in said
        use_as_telegram(tmp_path / "config.toml", telegram)

        async with started(start, tmp_path, telegram, "first.log") as log:
            bot_name, payload = claim_link(log)
        first_log = log.read_text(encoding="utf-8")
        assert bot_name == telegram.bot_username
        assert "alembic" not in first_log  # the migrations ran quietly
        assert "still the example's" not in first_log

        async with started(start, tmp_path, telegram, "second.log") as log:
            assert claim_link(log) == (bot_name, payload)  # kept across a restart

            alice = telegram.user(301, "Alice", language_code="en")
            await alice.send(f"/start {payload}")
            welcome = await alice.expect_message("first administrator")
            assert "Riverside" in welcome.text
            await alice.send("/invite")  # an administrator's command
            await alice.expect_message("One-time invite link")

            bob = telegram.user(302, "Bob", language_code="en")
            await bob.send(f"/start {payload}")
            await bob.expect_message("already been used")
            assert "Alice (Telegram id 301) opened the claim link" in log.read_text()

        async with started(start, tmp_path, telegram, "third.log") as log:
            await alice.send("/invite")
            await alice.expect_message("One-time invite link")
        assert "no administrator yet" not in log.read_text(encoding="utf-8")


async def test_the_example_config_with_the_token_in_the_environment_warns_of_its_name(
    tmp_path: Path,
) -> None:
    """The other way README allows: the example config as it is, the token in the environment."""
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    async with FakeTelegram() as telegram:
        use_as_telegram(tmp_path / "config.toml", telegram)
        token = {"MUSTER_TELEGRAM_TOKEN": telegram.token}
        async with started("muster run", tmp_path, telegram, "muster.log", token) as log:
            claim_link(log)
        assert "[community] name is still the example's ('Muster')" in log.read_text()


async def test_the_operator_makes_someone_who_wrote_to_the_bot_an_administrator_by_username(
    tmp_path: Path,
) -> None:
    """`muster admin add @username` beside the running bot: no Telegram id needed, and the
    person is told in the chat."""
    async with FakeTelegram() as telegram:
        code, said = await shell(
            f"muster init --token {telegram.token} --name Riverside --timezone Asia/Shanghai "
            "--language en",
            tmp_path,
            answers="",
        )
        assert code == 0, said
        use_as_telegram(tmp_path / "config.toml", telegram)
        async with started("muster run", tmp_path, telegram, "muster.log"):
            alice = telegram.user(301, "Alice", username="Alice_Chen", language_code="en")
            await alice.send("/start")
            await alice.expect_message("Riverside")

            code, said = await shell("muster admin add @alice_chen", tmp_path, answers="")
            assert (code, said.strip()) == (0, "Alice (Telegram id 301) is now an administrator")
            await alice.send("/cancel")  # the notice waits while she is in the sign-up form
            await alice.expect_message("You are now an administrator of Riverside")
            await alice.send("/invite")
            await alice.expect_message("One-time invite link")

            code, said = await shell("muster admin add @nobody_here", tmp_path, answers="")
            assert code == 2 and said.count("\n") == 1
            assert "nobody has written to the bot as @nobody_here" in said
