"""Shared fixtures: a migrated database per test, on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import async_database_url
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once, used as the template of each test's database."""
    admin = _admin_dsn()
    name = f"rb_template_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"'))
    url = _with_database(name)
    try:
        asyncio.run(upgrade_database(url))
        yield name
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for one test: its async SQLAlchemy URL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "returnbot.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("_postgres_template")
    name = f"rb_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_dsn()
    asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield _with_database(name)
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with open_database(database_url) as factory:
        yield factory


def _admin_dsn() -> str:
    url = make_url(async_database_url(os.environ["TEST_DATABASE_URL"]))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(name: str) -> str:
    url = make_url(async_database_url(os.environ["TEST_DATABASE_URL"]))
    return url.set(database=name).render_as_string(hide_password=False)


async def _pg_admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
