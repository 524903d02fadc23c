"""The `returnbot import`, `db upgrade` and `demo load` commands, run as the shop owner runs them."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import example, returnbot


def _env(tmp_path: Path) -> dict[str, str]:
    return {"RETURNBOT_DATA_DIR": str(tmp_path / "data")}


def test_import_the_example_shop_then_again(tmp_path: Path) -> None:
    files = {}
    for name in ("suppliers.toml", "orders_export.csv", "shipments.csv"):
        files[name] = tmp_path / name
        files[name].write_bytes(example(name))
    for kind, name in (
        ("suppliers", "suppliers.toml"),
        ("orders", "orders_export.csv"),
        ("shipments", "shipments.csv"),
    ):
        result = returnbot("import", kind, str(files[name]), env=_env(tmp_path))
        assert result.returncode == 0, result.stderr
        assert "0 ligne(s) rejetée(s)" in result.stdout
    again = returnbot("import", "orders", str(files["orders_export.csv"]), env=_env(tmp_path))
    assert "0 créé(s), 0 mis à jour, 7 inchangé(s)" in again.stdout


def test_rejected_rows_exit_1_with_their_line(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_bytes(example("suppliers.toml"))
    returnbot("import", "suppliers", str(tmp_path / "s.toml"), env=_env(tmp_path))
    bad = tmp_path / "orders.csv"
    bad.write_text(
        "Name,Lineitem name,Lineitem price\n#1,Tasse,9.90\n#2,Bol,neuf\n", encoding="utf-8"
    )
    result = returnbot("import", "orders", str(bad), env=_env(tmp_path))
    assert result.returncode == 1
    assert "ligne 3 : Lineitem price « neuf »" in result.stdout
    strict = returnbot("import", "orders", "--strict", str(bad), env=_env(tmp_path))
    assert strict.returncode == 1 and "rien n'a été importé" in strict.stdout
    assert "Traceback" not in result.stderr + strict.stderr


def test_wrong_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_bytes(example("suppliers.toml"))
    (tmp_path / "empty.csv").write_bytes(b"")
    wrong = returnbot("import", "orders", str(tmp_path / "s.toml"), env=_env(tmp_path))
    assert wrong.returncode == 1 and "n'est pas un export de commandes Shopify" in wrong.stdout
    empty = returnbot("import", "shipments", str(tmp_path / "empty.csv"), env=_env(tmp_path))
    assert empty.returncode == 1 and "le fichier est vide" in empty.stdout
    missing = returnbot("import", "orders", str(tmp_path / "nope.csv"), env=_env(tmp_path))
    assert missing.returncode == 1 and "fichier introuvable" in missing.stderr
    assert "Traceback" not in wrong.stderr + empty.stderr + missing.stderr


def test_db_upgrade_demo_load_version_and_french_help(tmp_path: Path) -> None:
    assert returnbot("db", "upgrade", env=_env(tmp_path)).returncode == 0
    demo = returnbot("demo", "load", "--today", "2026-12-01", env=_env(tmp_path))
    assert demo.returncode == 0 and "dernière livraison date d'hier" in demo.stdout
    assert returnbot("--version").stdout.startswith("returnbot ")
    help_text = returnbot("--help").stdout
    assert "Utilisation : returnbot" in help_text and "Commandes:" in help_text
    unknown = returnbot("importer")
    assert unknown.returncode == 2 and "commande inconnue" in unknown.stderr
