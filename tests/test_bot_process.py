"""``python -m bot`` as a process: settings errors, secrets kept out of logs, webhook mode."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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
