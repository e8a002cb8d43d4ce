"""``python -m bot`` as a process: settings errors, secrets kept out of logs, webhook mode."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_URL"))}
    env.update(DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", **extra)
    return env


@pytest.mark.parametrize(
    ("token", "expected"),
    [(None, "TELEGRAM_BOT_TOKEN is not set"), ("not-a-token", "malformed"), ("123:short", "malformed")],
)
def test_a_missing_or_malformed_token_is_one_line_and_exit_status_2(tmp_path, token, expected):
    env = bot_env(tmp_path, **({"TELEGRAM_BOT_TOKEN": token} if token else {}))
    result = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_webhook_mode_without_a_secret_is_refused(tmp_path, fake_api):
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=fake_api.token, WEBHOOK_URL="https://example.org/hook")
    result = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "WEBHOOK_SECRET" in result.stderr


def start_bot(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_bot(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_polling_bot_answers_and_never_logs_its_token(tmp_path, fake_api):
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_BASE_URL=fake_api.base_url,
        TELEGRAM_BASE_FILE_URL=fake_api.base_file_url,
        LOG_LEVEL="DEBUG",
    )
    alice = fake_api.user(1001, "Alice")
    chat = fake_api.private_chat(alice)
    process = start_bot(env)
    try:
        fake_api.send_text(chat, alice, "how many reservists?")
        reply = fake_api.wait_until_bot_replies(chat, timeout=30)[0]
    finally:
        logs = stop_bot(process)
    assert "300,000" in reply["text"]
    assert "getUpdates" in logs or "getMe" in logs, "DEBUG logs were written"
    assert fake_api.token not in logs
    assert fake_api.token.split(":")[1] not in logs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_rejects_a_wrong_secret_and_answers_the_right_one(tmp_path, fake_api):
    port, secret = free_port(), "s3cret-Token_for-tests"
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_BASE_URL=fake_api.base_url,
        TELEGRAM_BASE_FILE_URL=fake_api.base_file_url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=secret,
        LISTEN="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="DEBUG",
    )
    alice = fake_api.user(1001, "Alice")
    chat = fake_api.private_chat(alice)
    process = start_bot(env)
    try:
        fake_api.wait_until(
            lambda: [c for c in fake_api.calls("setWebhook") if c.ok], timeout=30, what="setWebhook"
        )
        hook = fake_api.calls("setWebhook")[-1].params
        assert hook["secret_token"] == secret and hook["url"].endswith("/telegram")
        # Delivered to the webhook by the fake, which retries until the bot's server listens.
        fake_api.send_text(chat, alice, "how many reservists?")
        reply = fake_api.wait_until_bot_replies(chat, timeout=30)[0]
        forged = {"update_id": 10**6, "message": {**reply, "from": alice, "text": "how many reservists?"}}
        assert fake_api.post_to_webhook(forged, "wrong-secret") == 403
        assert fake_api.post_to_webhook(forged, None) == 403
    finally:
        logs = stop_bot(process)
    assert "300,000" in reply["text"]
    assert len(fake_api.bot_messages(chat)) == 1, "the forged update was not answered"
    assert secret not in logs and fake_api.token not in logs


# --- every way out: one line, an exit status, and no secret ---------------------------------------------
SECRET = "WebhookSecret_never-shown_42"
DB_PASSWORD = "DbPassword_never-shown_42"
LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def run_bot(env: dict[str, str], script: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", script] if script else [sys.executable, "-m", "bot"]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def mode_env(
    tmp_path: Path, mode: str, base_url: str, token: str, level: str, **extra: str
) -> dict[str, str]:
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=base_url, LOG_LEVEL=level, **extra)
    if mode == "webhook":
        port = free_port()
        env.update(WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET=SECRET, LISTEN="127.0.0.1")
        env["PORT"] = str(port)
    return env


def assert_no_secret(output: str, token: str) -> None:
    for secret in (token, token.split(":")[1], SECRET, DB_PASSWORD):
        assert secret not in output, f"{secret[:6]}… in the output"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_rejected_token_is_one_line_and_status_2(tmp_path, fake_api, mode, level):
    other = "987654321:AAOtherTokenTelegramDoesNotKnow-0123456789"  # the fake answers 401 to it
    result = run_bot(mode_env(tmp_path, mode, fake_api.base_url, other, level))
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == (
        "error: Telegram rejected TELEGRAM_BOT_TOKEN (revoked? for another server?)."
    )
    assert_no_secret(result.stdout + result.stderr, other)
    if level != "DEBUG":
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("mode", "level"), [("polling", "INFO"), ("webhook", "DEBUG")])
def test_without_the_bot_api_the_bot_says_what_to_check_and_exits_1(tmp_path, mode, level):
    token = "123456789:AAFakeTokenForTests-0123456789abcdef"
    result = run_bot(mode_env(tmp_path, mode, f"http://127.0.0.1:{free_port()}/bot", token, level))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot reach the Telegram Bot API at 127.0.0.1:")
    assert "network" in lines[-1] and "proxy" in lines[-1] and "TELEGRAM_BASE_URL" in lines[-1]
    retries = [line for line in lines if "getMe failed" in line]
    assert len(retries) == 5 and all("try" in line for line in retries)
    if level == "INFO":
        assert lines == [*retries, lines[-1]]  # nothing else: no traceback
    else:
        assert "Traceback" in result.stderr  # DEBUG shows what failed
    assert_no_secret(result.stderr, token)


def test_a_webhook_port_already_taken_is_one_line_and_status_1(tmp_path, fake_api):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        env = mode_env(tmp_path, "webhook", fake_api.base_url, fake_api.token, "INFO")
        env["PORT"] = str(taken.getsockname()[1])
        result = run_bot(env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: cannot listen on 127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_a_database_out_of_reach_is_one_line_without_its_password(tmp_path, fake_api):
    url = f"postgresql://bot:{DB_PASSWORD}@127.0.0.1:{free_port()}/bot"
    result = run_bot(
        mode_env(tmp_path, "polling", fake_api.base_url, fake_api.token, "DEBUG", DATABASE_URL=url)
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: cannot open the store (PostgreSQL:")
    assert_no_secret(result.stderr, fake_api.token)


# A bug at start-up whose error message carries every secret.
FAILING_START = """
import os, runpy, sys
import bot.app as app
async def post_init(application):
    raise RuntimeError(
        f"bug with {application.bot.token}, {os.environ['WEBHOOK_SECRET']}, {os.environ['DATABASE_URL']}"
    )
app.post_init = post_init
sys.argv = ["bot"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_bug_shows_its_traceback_without_a_secret(tmp_path, fake_api, mode):
    url = f"postgresql://bot:{DB_PASSWORD}@127.0.0.1:{free_port()}/bot"
    env = mode_env(tmp_path, mode, fake_api.base_url, fake_api.token, "ERROR", DATABASE_URL=url)
    env.setdefault("WEBHOOK_SECRET", SECRET)
    result = run_bot(env, FAILING_START)
    assert result.returncode == 1
    assert (
        "the bot stopped on an unexpected error" in result.stderr
        and "RuntimeError: bug with" in result.stderr
    )
    assert_no_secret(result.stderr, fake_api.token)


@pytest.mark.parametrize(
    ("url", "base_url", "accepted"),
    [
        ("https://bot.example.org/hook", None, True),
        ("http://bot.example.org/hook", None, False),  # Telegram's own server: HTTPS only
        ("http://127.0.0.1:8443/hook", "http://127.0.0.1:8081/bot", True),  # a local Bot API server
        ("ftp://bot.example.org/hook", "http://127.0.0.1:8081/bot", False),
    ],
)
def test_webhook_url_must_be_https_unless_a_local_bot_api_server_delivers(url, base_url, accepted):
    env = {"TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTests-0123456789abcdef", "WEBHOOK_URL": url}
    env["WEBHOOK_SECRET"] = SECRET
    if base_url:
        env["TELEGRAM_BASE_URL"] = base_url
    if accepted:
        assert load_settings(env).webhook_url == url
    else:
        with pytest.raises(
            SettingsError, match="must be an https:// URL: Telegram delivers updates only over HTTPS"
        ):
            load_settings(env)


def test_the_secrets_include_the_database_password_as_written_and_as_meant():
    env = {"TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTests-0123456789abcdef", "WEBHOOK_SECRET": SECRET}
    settings = load_settings({**env, "DATABASE_URL": "postgresql://bot:p%40ss-word@db.example/bot"})
    assert settings.secrets == [env["TELEGRAM_BOT_TOKEN"], SECRET, "p%40ss-word", "p@ss-word"]
    sqlite = load_settings({**env, "DATABASE_URL": "sqlite:///data/bot.sqlite3"})
    assert sqlite.secrets == [env["TELEGRAM_BOT_TOKEN"], SECRET]
