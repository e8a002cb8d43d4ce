"""The house rules the code keeps: index/ never imports telegram, lint stays clean, and the
docs' layout table names every module."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_retrieval_core_never_loads_telegram():
    code = "import sys, index, index.__main__, index.batch, index.reader; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff is not installed (it comes with the test extra)")  # fmt: skip
def test_ruff_is_clean_including_the_banned_telegram_import_in_index():
    ruff = Path(sys.executable).parent / "ruff"
    command = [str(ruff) if ruff.exists() else "ruff", "check", "--no-cache", "."]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def layout_table() -> dict[str, set[str]]:
    """The module paths docs/architecture.md's layout block names under each package."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```")[1]
    named: dict[str, set[str]] = {}
    package = ""
    for line in block.splitlines():
        if line and not line[0].isspace():
            package = line.split()[0].rstrip("/")
        named.setdefault(package, set()).update(re.findall(r"[\w/]+\.py", line))
    return named


@pytest.mark.parametrize("package", ["index", "bot"])
def test_the_layout_table_names_every_module(package):
    folder = ROOT / package
    modules = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }
    named = layout_table().get(package, set())
    assert not modules - named, f"docs/architecture.md's layout table leaves out {sorted(modules - named)}"
    assert not named - modules, f"docs/architecture.md's layout table names missing {sorted(named - modules)}"
