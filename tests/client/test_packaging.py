"""`pip install ./client` works in a clean virtualenv and importing it loads no mock code."""

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"
FORBIDDEN = ("flask", "faker", "werkzeug", "mock_outreach", "outreach_fixtures")
PROBE = (
    "import json, sys, outreach_client; "
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
)


def _top_level_modules(python: str) -> set[str]:
    out = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_import_in_the_project_venv_loads_no_mock_code():
    # Flask and faker are installed here, so this proves the client does not import them.
    loaded = _top_level_modules(sys.executable)
    assert "outreach_client" in loaded
    assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)


@pytest.mark.slow
def test_pip_install_into_a_clean_venv(tmp_path):
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    source = tmp_path / "client"  # build from a copy so that no build/ lands in the repo
    shutil.copytree(CLIENT_DIR, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    python = str(target / "bin" / "python")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(CLIENT_DIR),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    loaded = _top_level_modules(python)
    assert "outreach_client" in loaded
    assert loaded.isdisjoint(FORBIDDEN)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "list", "--format=json"],
        check=True,
        capture_output=True,
        text=True,
    )
    names = {item["name"].lower() for item in json.loads(installed.stdout)}
    assert {"outreach-client", "httpx", "authlib"} <= names
    assert names.isdisjoint({"flask", "faker", "werkzeug", "mock-outreach"})
