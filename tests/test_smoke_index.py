"""The issue's two command-line examples, through a subprocess as a user would run them."""

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "index", *args], capture_output=True, text=True, timeout=60)


def test_how_many_reservists_ranks_the_300000_passage_first():
    result = run("ask", "how many reservists?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    top = answer["hits"][0]
    assert top["text"].startswith(
        "Putin responded by announcing on September 21 that he was calling up 300,000 reservists."
    )
    assert "300,000" in [h["text"] for h in top["highlights"]]
    assert not answer["declined"]


def test_world_cup_is_declined():
    result = run("ask", "who won the world cup in 2018?", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["declined"] is True
