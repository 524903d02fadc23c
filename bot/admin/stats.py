"""Statistics for the shop owner: return cases by reason, product and supplier, and a bar chart (PNG)."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OrderLine, ReturnCase, Supplier
from messages import counted

REASON_LABELS = {
    "size_color": "Taille ou couleur",
    "changed_mind": "Changement d'avis",
    "not_as_described": "Non conforme à la description",
    "wrong_item": "Erreur d'article",
    "damaged": "Arrivé abîmé",
    "defective": "Ne fonctionne pas",
    "not_received": "Colis non reçu",
}
# At least this many "not as described" returns for one product say its description needs fixing.
DESCRIPTION_FIX_THRESHOLD = 1


@dataclass(frozen=True)
class CaseStatistics:
    since: datetime
    until: datetime
    total: int
    by_reason: list[tuple[str, int]]
    by_product: list[tuple[str, int]]
    by_supplier: list[tuple[str, int]]
    descriptions_to_fix: list[tuple[str, int]]
    ratings: list[int] = field(default_factory=list)  # the follow-up's 1–5, of the period's cases

    @property
    def average_rating(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(sum(self.ratings)) / len(self.ratings)).quantize(Decimal("0.1"))


async def case_statistics(
    session: AsyncSession, since: datetime, until: datetime
) -> CaseStatistics:
    """Counts the cases opened in [since, until) that have a reason."""
    rows = (
        await session.execute(
            select(ReturnCase.reason, OrderLine.sku, OrderLine.name, Supplier.code)
            .outerjoin(OrderLine, OrderLine.id == ReturnCase.order_line_id)
            .outerjoin(Supplier, Supplier.id == OrderLine.supplier_id)
            .where(ReturnCase.created_at >= since, ReturnCase.created_at < until)
            .where(ReturnCase.reason.is_not(None))
        )
    ).all()
    reasons: Counter[str] = Counter()
    products: Counter[str] = Counter()
    suppliers: Counter[str] = Counter()
    not_described: Counter[str] = Counter()
    for reason, sku, name, supplier in rows:
        if reason is None:
            continue
        product = f"{name} ({sku})" if sku else (name or "article inconnu")
        reasons[reason] += 1
        products[product] += 1
        suppliers[supplier or "sans fournisseur"] += 1
        if reason == "not_as_described":
            not_described[product] += 1
    ratings = list(
        (
            await session.scalars(
                select(ReturnCase.rating).where(
                    ReturnCase.created_at >= since,
                    ReturnCase.created_at < until,
                    ReturnCase.rating.is_not(None),
                )
            )
        ).all()
    )
    return CaseStatistics(
        ratings=[r for r in ratings if r is not None],
        since=since,
        until=until,
        total=len(rows),
        by_reason=_ranked(reasons),
        by_product=_ranked(products),
        by_supplier=_ranked(suppliers),
        descriptions_to_fix=[
            (p, n) for p, n in _ranked(not_described) if n >= DESCRIPTION_FIX_THRESHOLD
        ],
    )


def statistics_text(stats: CaseStatistics) -> str:
    """A short French summary."""
    period = f"du {stats.since:%d/%m/%Y} au {stats.until:%d/%m/%Y}"
    if stats.total == 0:
        return f"Aucun retour {period}."
    lines = [f"{counted(stats.total, 'retour', 'retours')} {period}.", "", "Par motif :"]
    lines += [
        f"• {REASON_LABELS.get(reason, reason)} : {count}" for reason, count in stats.by_reason
    ]
    lines += ["", "Produits les plus retournés :"]
    lines += [f"• {product} : {count}" for product, count in stats.by_product[:5]]
    lines += ["", "Par fournisseur :"]
    lines += [f"• {supplier} : {count}" for supplier, count in stats.by_supplier]
    if stats.descriptions_to_fix:
        lines += ["", "Descriptions à corriger (retours « non conforme à la description ») :"]
        lines += [f"• {product} : {count}" for product, count in stats.descriptions_to_fix]
    if stats.average_rating is not None:
        counts = Counter(stats.ratings)
        spread = ", ".join(f"{score} ⭐ : {counts[score]}" for score in range(5, 0, -1))
        average = str(stats.average_rating).replace(".", ",")
        lines += [
            "",
            f"Satisfaction (suivi) : {average}/5 sur {len(stats.ratings)} avis ({spread})",
        ]
    return "\n".join(lines)


def statistics_chart(stats: CaseStatistics) -> bytes:
    """A horizontal bar chart of the cases by reason, as PNG bytes."""
    rows = [(REASON_LABELS.get(reason, reason), count) for reason, count in stats.by_reason] or [
        ("Aucun retour", 0)
    ]
    font = ImageFont.load_default(size=18)
    width, bar_left, row_height, top = 900, 330, 40, 70
    image = Image.new("RGB", (width, top + row_height * len(rows) + 30), "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (20, 20),
        f"Retours par motif, du {stats.since:%d/%m/%Y} au {stats.until:%d/%m/%Y}",
        fill="black",
        font=font,
    )
    largest = max(count for _, count in rows) or 1
    for index, (label, count) in enumerate(rows):
        y = top + index * row_height
        draw.text((20, y + 8), label, fill="black", font=font)
        length = int((width - bar_left - 80) * count / largest)
        draw.rectangle(
            (bar_left, y + 6, bar_left + max(length, 2), y + row_height - 6), fill=(52, 120, 190)
        )
        draw.text((bar_left + length + 10, y + 8), str(count), fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))
