"""Importers of the shop's data as it already has it: suppliers (TOML), orders and shipments (CSV)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.importers.orders import Progress, import_orders
from bot.importers.report import KIND_LABELS, FileRejected, ImportReport, RowError
from bot.importers.shipments import ReturnArrived, import_shipments
from bot.importers.source import detect_kind
from bot.importers.suppliers import import_suppliers

KINDS = ("suppliers", "orders", "shipments")

__all__ = [
    "KINDS",
    "FileRejected",
    "ImportReport",
    "ReturnArrived",
    "RowError",
    "detect_kind",
    "run_import",
]


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
    data: bytes,
    *,
    strict: bool = False,
    actor: str = "import",
    progress: Progress | None = None,
    on_return: ReturnArrived | None = None,
) -> ImportReport:
    """Imports a file in one transaction: the good rows, or nothing with `strict` when a row is bad.

    `on_return` takes the return parcels a shipments file shows delivered (the cases' lifecycle).
    """
    importer = _importer(kind, actor, progress, on_return)
    async with sessions() as session:
        try:
            report = await importer(session, data)
        except FileRejected as error:
            await session.rollback()
            return ImportReport(kind, file_error=_with_hint(str(error), kind, data), strict=strict)
        report.strict = strict
        report.tidy()
        if strict and report.rejected:
            await session.rollback()
            return report
        await session.commit()
        report.committed = True
        return report


def _importer(
    kind: str, actor: str, progress: Progress | None, on_return: ReturnArrived | None
) -> Callable[[AsyncSession, bytes], Awaitable[ImportReport]]:
    if kind == "suppliers":
        return lambda session, data: import_suppliers(session, data, actor=actor)
    if kind == "orders":
        return lambda session, data: import_orders(session, data, progress=progress)
    if kind == "shipments":
        return lambda session, data: import_shipments(
            session, data, progress=progress, on_return=on_return
        )
    raise ValueError(f"unknown import kind {kind!r}")


def _with_hint(message: str, kind: str, data: bytes) -> str:
    """Says which import the file looks made for, when it is another one."""
    other = detect_kind(data)
    if other is None or other == kind:
        return message
    return f"{message} Il ressemble plutôt à un fichier de {KIND_LABELS[other]} (returnbot import {other})."
