"""After the quick start, manage.py runs with no extra variables; without its .env, the error
is one sentence. Run in fresh interpreters, since pytest has already loaded the settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(tmp_path: Path, *args: str, env_file: Path) -> subprocess.CompletedProcess:
    """manage.py as a person runs it: no DJANGO_ variables, the given .env file."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("PYTEST_VERSION", None)
    clean["DJANGO_ENV_FILE"] = str(env_file)
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_write_env_makes_a_local_env_and_never_overwrites_it(tmp_path):
    """scripts/write_env (run by scripts/serve) writes DEBUG and a fresh key, once."""
    target = tmp_path / ".env"
    subprocess.run([str(ROOT / "scripts" / "write_env"), str(target)], check=True, timeout=60)
    text = target.read_text()
    assert "DJANGO_DEBUG=1\n" in text
    key = next(line for line in text.splitlines() if line.startswith("DJANGO_SECRET_KEY="))
    assert len(key.split("=", 1)[1]) >= 50
    assert target.stat().st_mode & 0o077 == 0  # readable by its owner only
    subprocess.run([str(ROOT / "scripts" / "write_env"), str(target)], check=True, timeout=60)
    assert target.read_text() == text


def test_commands_run_with_the_local_env_alone(tmp_path):
    """With the quick start's .env, commands need no variables: import_posts --help, check."""
    env_file = tmp_path / ".env"
    subprocess.run([str(ROOT / "scripts" / "write_env"), str(env_file)], check=True, timeout=60)
    for args in (["import_posts", "--help"], ["check"]):
        result = manage(tmp_path, *args, env_file=env_file)
        assert result.returncode == 0, result.stderr


def test_without_env_or_debug_the_error_is_one_sentence(tmp_path):
    """No .env and no DJANGO_DEBUG: one line that says what to set, no traceback."""
    result = manage(tmp_path, "check", env_file=tmp_path / "missing.env")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DJANGO_SECRET_KEY must be set" in lines[0]
    assert "scripts/serve" in lines[0]
