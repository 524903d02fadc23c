"""The shop owner's commands in a private chat with the bot (French), on the admin services.

Only for the configured admin ids (the Telegram shell checks); each answer is plain French text,
HTML-escaped, and `/stats` adds the chart as PNG bytes.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.policies import (
    FIELD_LABELS,
    PolicyError,
    change_policy_field,
    current_shop_window,
    policy_history,
    supplier_by_code,
    suppliers_with_policies,
    window_at_legal_floor,
)
from bot.admin.stats import case_statistics, statistics_chart, statistics_text
from bot.storage.models import ShopSettings
from bot.storage.policies import latest_policy
from bot.supplier_names import address_warnings
from flows.shop_window import ShopWindow

DEFAULT_STATS_DAYS = 30
HELP = (
    "Commandes d'administration :\n"
    "/fournisseurs — les fournisseurs et leur politique\n"
    "/fournisseur CODE — la politique d'un fournisseur, champ par champ\n"
    "/politique CODE CHAMP VALEUR — changer un champ (nouvelle version, auditée)\n"
    "/historique CODE — les versions successives\n"
    "/fenetre — le délai de retour annoncé par la boutique\n"
    "/stats [JOURS] — les retours des derniers jours (30 par défaut), avec un graphique\n"
    "Envoyez un fichier CSV (commandes, expéditions) ou TOML (fournisseurs) pour l'importer."
)


@dataclass(frozen=True, slots=True)
class AdminAnswer:
    text: str  # Telegram HTML
    chart: bytes | None = None  # PNG


@dataclass(frozen=True, slots=True)
class _Request:
    session: AsyncSession
    argument: str
    actor: str
    now: datetime


def is_admin_command(text: str) -> bool:
    """Whether `text` is one of the admin commands (anything else is a customer's message)."""
    return text.startswith("/") and _name(text) in COMMANDS


async def answer_admin(
    session: AsyncSession, text: str, *, actor: str, now: datetime
) -> AdminAnswer:
    """Runs one admin command; a bad value is answered with the French error, nothing changed."""
    _command, _, argument = text.strip().partition(" ")
    request = _Request(session, argument.strip(), actor, now)
    try:
        return await COMMANDS[_name(text)](request)
    except PolicyError as error:
        return AdminAnswer(f"❌ {_e(str(error))}")


async def _help(request: _Request) -> AdminAnswer:
    return AdminAnswer(_e(HELP))


async def _suppliers(request: _Request) -> AdminAnswer:
    rows = await suppliers_with_policies(request.session)
    if not rows:
        return AdminAnswer(
            "Aucun fournisseur : envoyez le fichier suppliers.toml pour les importer."
        )
    lines = ["<b>Fournisseurs</b>"] + [
        f"• <code>{_e(s.code)}</code> — {_e(s.name)} : {p.window_days} jours (version {p.version})"
        for s, p in rows
    ]
    return AdminAnswer("\n".join(lines))


async def _supplier(request: _Request) -> AdminAnswer:
    supplier = await supplier_by_code(
        request.session, _required(request.argument, "/fournisseur CODE")
    )
    policy = await latest_policy(request.session, supplier.id)
    if policy is None:
        return AdminAnswer(f"{_e(supplier.code)} n'a pas encore de politique.")
    lines = [
        f"<b>{_e(supplier.name)}</b> (<code>{_e(supplier.code)}</code>), version {policy.version}"
    ]
    lines += [
        f"• <code>{field}</code> ({_e(label)}) : {_e(_shown(getattr(policy, field)))}"
        for field, label in FIELD_LABELS.items()
    ]
    lines.append(f"Modifiée le {policy.changed_at:%d/%m/%Y %H:%M} par {_e(policy.changed_by)}")
    return AdminAnswer("\n".join(lines))


async def _change(request: _Request) -> AdminAnswer:
    parts = request.argument.split(maxsplit=2)
    if len(parts) < 3:
        raise PolicyError(
            "usage : /politique CODE CHAMP VALEUR (par exemple /politique lumina window_days 25)"
        )
    code, field, raw = parts
    margin = await _margin(request.session)
    change = await change_policy_field(request.session, code, field, raw, request.actor, margin)
    lines = [
        f"✅ {_e(change.supplier)} : {_e(change.field)} {_e(_shown(change.before))} → "
        f"{_e(_shown(change.after))} (version {change.version}).",
        "Les dossiers ouverts gardent la version avec laquelle ils ont été décidés.",
        f"Délai annoncé par la boutique : {change.window.days} jours.",
    ]
    lines += _window_warnings(change.window)
    if change.field == "return_address":
        warnings = await address_warnings(request.session, change.supplier, str(change.after))
        lines += [_e(warning) for warning in warnings]
    return AdminAnswer("\n".join(lines))


async def _history(request: _Request) -> AdminAnswer:
    versions = await policy_history(
        request.session, _required(request.argument, "/historique CODE")
    )
    lines = [f"<b>Historique de {_e(request.argument.lower())}</b>"] + [
        f"• version {v.version} — {v.changed_at:%d/%m/%Y %H:%M} par {_e(v.changed_by)}"
        + (f" ({_e(v.change_note)})" if v.change_note else "")
        + f" : {v.window_days} jours"
        for v in versions
    ]
    return AdminAnswer("\n".join(lines))


async def _window(request: _Request) -> AdminAnswer:
    window = await current_shop_window(request.session, await _margin(request.session))
    lines = [
        f"Délai de retour annoncé par la boutique : <b>{window.days} jours</b> après réception."
    ]
    lines += _window_warnings(window)
    return AdminAnswer("\n".join(lines))


async def _stats(request: _Request) -> AdminAnswer:
    days = (
        int(request.argument)
        if request.argument.isdigit() and int(request.argument) > 0
        else DEFAULT_STATS_DAYS
    )
    stats = await case_statistics(request.session, request.now - timedelta(days=days), request.now)
    return AdminAnswer(_e(statistics_text(stats)), statistics_chart(stats))


COMMANDS: dict[str, Callable[[_Request], Awaitable[AdminAnswer]]] = {
    "admin": _help,
    "fournisseurs": _suppliers,
    "fournisseur": _supplier,
    "politique": _change,
    "historique": _history,
    "fenetre": _window,
    "stats": _stats,
}


def _window_warnings(window: ShopWindow) -> list[str]:
    lines = [
        f"⚠️ {_e(w.supplier)} : {w.window_days} jours, il en faudrait {w.needed_days} "
        "(14 jours légaux + la marge)"
        for w in window.warnings
    ]
    if window_at_legal_floor(window):
        lines.append("⚠️ Le délai est au minimum légal (14 jours) : aucune marge de sécurité.")
    return lines


async def _margin(session: AsyncSession) -> int:
    settings = await session.scalar(select(ShopSettings).limit(1))
    return settings.window_margin_days if settings else 5


def _required(argument: str, usage: str) -> str:
    if not argument:
        raise PolicyError(f"usage : {usage}")
    return argument.split()[0]


def _name(text: str) -> str:
    return text.strip().split(maxsplit=1)[0][1:].split("@")[0].lower() if text.strip() else ""


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def _e(value: str) -> str:
    return html.escape(value, quote=False)
