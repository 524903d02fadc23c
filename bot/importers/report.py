"""What an import did: rows created, updated, unchanged, and the rejected ones with their reason."""

from __future__ import annotations

from dataclasses import dataclass, field

KIND_LABELS = {
    "orders": "commandes",
    "shipments": "expéditions",
    "suppliers": "fournisseurs et réglages",
}


@dataclass(frozen=True)
class RowError:
    """A rejected row: its line number in the file (1 = the header) and why, in French."""

    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    file_error: str | None = None
    strict: bool = False
    committed: bool = False
    returns_received: list[str] = field(default_factory=list)  # cases whose return was delivered
    warnings: list[str] = field(default_factory=list)  # imported, but the shop owner should look

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.rejected

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(RowError(line, reason))

    def tidy(self) -> None:
        """One entry per line (its reasons joined), in file order."""
        merged: dict[int, list[str]] = {}
        for error in self.rejected:
            reasons = merged.setdefault(error.line, [])
            if error.reason not in reasons:
                reasons.append(error.reason)
        self.rejected = [RowError(line, " ; ".join(merged[line])) for line in sorted(merged)]

    def lines(self) -> list[str]:
        """The report as the shop owner reads it, in French, one sentence a line."""
        label = KIND_LABELS.get(self.kind, self.kind)
        if self.file_error is not None:
            return [f"Import des {label} impossible : {self.file_error}", "Rien n'a été importé."]
        if self.rejected and not self.committed:  # strict: rolled back, nothing changed
            out = [f"Import des {label} : {len(self.rejected)} ligne(s) rejetée(s)."]
        else:
            out = [
                f"Import des {label} : {self.created} créé(s), {self.updated} mis à jour, "
                f"{self.unchanged} inchangé(s), {len(self.rejected)} ligne(s) rejetée(s)."
            ]
        if self.returns_received:
            out.append(
                f"Retours arrivés : {len(self.returns_received)} "
                f"({', '.join(self.returns_received)}) ; les clients en sont informés."
            )
        out += [f"  ligne {error.line} : {error.reason}" for error in self.rejected]
        out += self.warnings
        if self.rejected and not self.committed:
            out.append("Mode strict : rien n'a été importé. Corrigez le fichier et recommencez.")
        elif self.rejected:
            out.append(
                "Les autres lignes ont été importées. Corrigez les lignes rejetées et réimportez le fichier."
            )
        return out


class FileRejected(Exception):
    """The whole file cannot be read (empty, not text, wrong kind); the message is French."""
