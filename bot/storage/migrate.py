"""Runs the Alembic migrations up to the latest revision (`returnbot db upgrade`, and at start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import create_engine

LOCKS = 0x7262  # returnbot's class of PostgreSQL advisory locks ("rb"), see bot.channels.workers
MIGRATION_LOCK = 1  # held while a process upgrades the schema: workers starting together wait

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_database(url: str, engine: AsyncEngine | None = None) -> None:
    """Brings the database at `url` to the latest revision; safe to run on every start."""
    own = engine is None
    engine = engine or create_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.exec_driver_sql(
                    f"SELECT pg_advisory_xact_lock({LOCKS}, {MIGRATION_LOCK})"
                )
            await connection.run_sync(_upgrade, url)
    finally:
        if own:
            await engine.dispose()


def _upgrade(connection: object, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def upgrade_database_sync(url: str) -> None:
    asyncio.run(upgrade_database(url))
