"""Readiness reads the schema head from the migration files; it must be exactly Alembic's head."""

from alembic.script import ScriptDirectory

from todo_core.health import alembic_config, schema_head


def test_schema_head_is_alembics_head() -> None:
    assert schema_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()
