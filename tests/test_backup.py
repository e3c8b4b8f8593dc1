"""scripts/prod/backup and scripts/prod/restore: a dump restored into an empty database holds
everything the original did. PostgreSQL only; skipped without it or its client tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post, make_staff

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
        reason="PostgreSQL client tools (pg_dump, pg_restore, psql) not installed",
    ),
    pytest.mark.django_db(transaction=True),
]


def database_url(name: str) -> str:
    settings = connection.settings_dict
    auth = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        auth += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{name}"


def run_script(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(ROOT / "scripts" / "prod" / name), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def admin_sql(sql: str) -> None:
    """CREATE/DROP DATABASE, which cannot run inside the test's connection settings."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def snapshot(url: str) -> dict[str, tuple[int, str]]:
    """Every table in the public schema: its row count and a digest of all its rows."""
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        result = {}
        for table in tables:
            count, digest = conn.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            ).fetchone()
            result[table] = (count, digest)
        return result


@pytest.fixture
def restore_database():
    if connection.vendor != "postgresql":
        pytest.skip("backups are PostgreSQL dumps; run with DATABASE_URL=postgres://...")
    name = f"{connection.settings_dict['NAME']}_restore"
    admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_into_an_empty_database_loses_nothing(restore_database, tmp_path):
    """Posts (published, draft, scheduled), tags, users with passwords and every other table
    come back identical; the sequences too, so new posts do not collide with restored ones."""
    author = make_staff("author")
    User.objects.create_superuser("admin", "admin@example.com", "a long admin password")
    for n in range(5):
        make_post(title=f"Published {n}", tags=["python", f"topic-{n % 2}"], author=author)
    make_post(title="A draft", draft=True, tags=["draft-only"])
    make_post(title="Scheduled", publish_date=timezone.now() + timedelta(days=3))
    make_post(title="Ünïcode ✓", body="Body with `code` and émojis 🎉", tags=["PyTorch"])

    source = database_url(connection.settings_dict["NAME"])
    backup_dir = tmp_path / "backup"
    run_script("backup", str(backup_dir), env={"DATABASE_URL": source})
    assert (backup_dir / "blog.dump").stat().st_size > 0
    # The readable copy: every post, drafts included, as Markdown with front matter.
    exported = sorted(p.name for p in (backup_dir / "markdown").rglob("*.md"))
    assert len(exported) == 8, exported
    assert "SHA256SUMS" in {p.name for p in backup_dir.iterdir()}

    run_script("restore", str(backup_dir), restore_database)

    before, after = snapshot(source), snapshot(restore_database)
    assert after == before
    assert before["blog_post"][0] == 8
    assert before["auth_user"][0] == 2
    assert before["taggit_tag"][0] >= 5

    import psycopg

    with psycopg.connect(restore_database) as conn:
        next_id = conn.execute("SELECT nextval(pg_get_serial_sequence('blog_post', 'id'))")
        assert next_id.fetchone()[0] > Post.objects.order_by("-pk").first().pk


def test_restore_refuses_a_database_that_has_tables(restore_database, tmp_path):
    """Restoring over a live database by mistake is refused unless FORCE=1 is given."""
    source = database_url(connection.settings_dict["NAME"])
    make_post(title="Only post")
    backup_dir = tmp_path / "backup"
    run_script("backup", str(backup_dir), env={"DATABASE_URL": source})
    result = subprocess.run(
        [str(ROOT / "scripts" / "prod" / "restore"), str(backup_dir), source],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "restore into an empty one" in result.stderr


@pytest.fixture
def source_database() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("backups are PostgreSQL dumps; run with DATABASE_URL=postgres://...")
    return database_url(connection.settings_dict["NAME"])


def run_script_unchecked(name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / "prod" / name), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def table_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        return conn.execute(query).fetchone()[0]


def test_backup_is_readable_by_its_owner_only(source_database, tmp_path):
    """The dump holds password hashes: no file or folder of a backup is open to others."""
    make_post(title="Private")
    backup_dir = tmp_path / "backup"
    run_script("backup", str(backup_dir), env={"DATABASE_URL": source_database})
    paths = [backup_dir, *backup_dir.rglob("*")]
    assert len(paths) > 3
    for path in paths:
        assert path.stat().st_mode & 0o077 == 0, f"{path}: {oct(path.stat().st_mode)}"


def test_sessions_are_not_backed_up(source_database, restore_database, tmp_path):
    """Logged-in sessions stay out of backups; their table is restored empty."""
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = "1"
    session.create()
    backup_dir = tmp_path / "backup"
    run_script("backup", str(backup_dir), env={"DATABASE_URL": source_database})
    run_script("restore", str(backup_dir), restore_database)
    assert snapshot(source_database)["django_session"][0] == 1
    assert snapshot(restore_database)["django_session"][0] == 0


@pytest.mark.parametrize("how", ["export cannot start", "export fails"])
def test_backup_fails_loudly_when_the_export_fails(source_database, tmp_path, how):
    """A backup whose Markdown export did not happen exits non-zero, says so, and writes no
    SHA256SUMS, so restore will not take it."""
    make_post(title="Exported")
    backup_dir = tmp_path / "backup"
    env = {"DATABASE_URL": source_database}
    if how == "export cannot start":
        env["DJANGO_SETTINGS_MODULE"] = "config.no_such_settings"
    else:
        backup_dir.mkdir()
        (backup_dir / "markdown").write_text("a file where the export's folder goes")
    result = run_script_unchecked("backup", str(backup_dir), **env)
    assert result.returncode != 0
    assert "backup: FAILED" in result.stderr
    assert not (backup_dir / "SHA256SUMS").exists()


@pytest.mark.parametrize("damage", ["no checksums", "dump changed"])
def test_restore_refuses_a_backup_it_cannot_verify(
    source_database, restore_database, tmp_path, damage
):
    """Without SHA256SUMS, or with a dump that does not match it, nothing is restored."""
    make_post(title="Checked")
    backup_dir = tmp_path / "backup"
    run_script("backup", str(backup_dir), env={"DATABASE_URL": source_database})
    if damage == "no checksums":
        (backup_dir / "SHA256SUMS").unlink()
    else:
        with open(backup_dir / "blog.dump", "ab") as dump:
            dump.write(b"\0")
    result = run_script_unchecked("restore", str(backup_dir), restore_database)
    assert result.returncode == 2
    assert "refusing" in result.stderr
    assert table_count(restore_database) == 0


def test_media_is_backed_up_and_restored(source_database, restore_database, tmp_path, settings):
    """The library's files (full size and renditions) go into the backup, listed in
    SHA256SUMS, and a restore puts them into the target's media storage."""
    from blog.media.images import store_upload
    from tests.media_helpers import image_bytes, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    image, _ = store_upload(upload(image_bytes(1000, 500), "photo.jpg"), alt_text="A photo")
    names = image.stored_names()
    backup_dir = tmp_path / "backup"
    env = {"DATABASE_URL": source_database, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    run_script("backup", str(backup_dir), env=env)
    sums = (backup_dir / "SHA256SUMS").read_text()
    for name in names:
        assert f"./media/{name}" in sums

    restored = tmp_path / "restored-media"
    run_script("restore", str(backup_dir), restore_database, env={"MEDIA_ROOT": str(restored)})
    for name in names:
        assert (restored / name).read_bytes() == (settings.MEDIA_ROOT / name).read_bytes()
