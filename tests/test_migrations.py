"""Migrations: applied once in order, recorded, re-running applies nothing, edited history is refused."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from etl.warehouse.connection import get_engine
from etl.warehouse.migrate import MigrationError, applied, discover, migrate


def test_fresh_database_gets_every_migration_once(empty_db_url):
    names = [m.path.name for m in discover()]
    assert migrate(empty_db_url) == names
    assert migrate(empty_db_url) == []
    assert set(applied(empty_db_url)) == {m.version for m in discover()}
    with get_engine(empty_db_url).connect() as conn:
        tables = set(
            conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'sdg'")).scalars()
        )
    assert {
        "region",
        "region_alias",
        "indicator",
        "series",
        "snapshot",
        "observation",
        "indicator_value",
        "appendix1_item",
        "plan_value",
        "activity",
        "report",
        "delivery",
    } <= tables


def test_changed_applied_migration_is_an_error(empty_db_url, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(discover()[0].path.parent, folder)
    migrate(empty_db_url, folder)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after the fact\n")
    with pytest.raises(MigrationError, match=f"{first.name} was changed after it was applied"):
        migrate(empty_db_url, folder)


def test_failing_migration_leaves_database_unchanged(empty_db_url, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(discover()[0].path.parent, folder)
    (folder / "9999_broken.sql").write_text("CREATE TABLE sdg.ok_table (id int);\nSELECT * FROM no_such_table;\n")
    with pytest.raises(Exception, match="no_such_table"):
        migrate(empty_db_url, folder)
    assert applied(empty_db_url) == {}
    with get_engine(empty_db_url).connect() as conn:
        assert conn.execute(text("SELECT to_regclass('sdg.ok_table')")).scalar() is None


def test_bad_file_name_is_named(tmp_path):
    (tmp_path / "1_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="1_oops.sql"):
        discover(tmp_path)
