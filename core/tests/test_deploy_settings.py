"""Production settings: `manage.py check --deploy` is clean with the environment that
docs/production.md asks for, and a server without SECRET_KEY refuses to start.

Each check runs in a subprocess with the real settings module (not the test settings), since
settings are read from the environment once, at import."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# Variables that would leak the test run's configuration into the production check.
_INHERITED = ("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL")


def _manage(tmp_path, *args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED)}
    clean.update(
        DJANGO_SETTINGS_MODULE="estatedesk.settings",
        ESTATEDESK_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_environment(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(38)[:50],
        ALLOWED_HOSTS="example.com",
        CSRF_TRUSTED_ORIGINS="https://example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _manage(tmp_path, "check", DJANGO_DEBUG="0", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr
