"""`returnbot decide` reproduces every decision vector on the imported example shop."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import cli
from tests.helpers import ROOT, load_example_shop

VECTORS = [
    row
    for row in csv.DictReader(
        line
        for line in (ROOT / "tests/vectors/decisions.csv").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    )
]


@pytest.fixture
async def shop(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> CliRunner:
    await load_example_shop(sessions)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RETURNBOT_DATA_DIR", str(tmp_path))
    return CliRunner()


def _decide(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["decide", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_decision_vector(shop: CliRunner) -> None:
    for row in VECTORS:
        args = [
            "--tracking",
            row["tracking_number"],
            "--sku",
            row["sku"],
            "--reason",
            row["reason"],
            "--today",
            row["today"],
            "--json",
        ]
        if row["seal_intact"]:
            args += ["--seal-intact", "yes" if row["seal_intact"] == "true" else "no"]
        code, out, err = _decide(shop, *args)
        assert code == 0, (row["id"], err)
        got = json.loads(out)
        expected_options = [] if row["options"] == "none" else row["options"].split("|")
        assert got["options"] == expected_options, row["id"]
        assert got["return_paid_by"] == row["return_paid_by"], row["id"]
        assert got["photos"] == row["photos"], row["id"]
        assert got["handover"] == (row["handover"] == "true"), row["id"]
        assert got["rule"] and got["articles"], row["id"]
        assert set(got["deadlines"]) >= {"withdrawal_last_day", "shop_last_day", "conformity_until"}


def test_json_deadlines_are_iso_dates_or_null(shop: CliRunner) -> None:
    _, out, _ = _decide(
        shop,
        "--tracking",
        "6A15602676300",
        "--reason",
        "size_color",
        "--today",
        "2026-10-20",
        "--json",
    )
    deadlines = json.loads(out)["deadlines"]
    assert deadlines["withdrawal_last_day"] == "2026-10-21"
    assert deadlines["shop_last_day"] == "2026-10-22"
    assert deadlines["conformity_until"] is None


def test_french_text_by_default(shop: CliRunner) -> None:
    code, out, _ = _decide(
        shop, "--tracking", "6a 156 0267 6300", "--reason", "damaged", "--today", "2026-11-05"
    )
    assert code == 0
    assert "Lampe de chevet Opaline (LUM-LAMP-01), 34,90\u00a0€" in out
    assert "Propositions, dans l'ordre : échange, remboursement" in out
    assert "jeudi 5 novembre 2026" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tracking", "RR123456786ES", "--reason", "damaged"], "numéro de suivi invalide"),
        (["--tracking", "bonjour", "--reason", "damaged"], "numéro de suivi invalide"),
        (["--tracking", "RR473124829FR", "--reason", "damaged"], "numéro de suivi inconnu"),
        (["--tracking", "RR123456785ES", "--reason", "cassé"], "motif inconnu « cassé »"),
        (
            ["--tracking", "RR123456785ES", "--reason", "damaged", "--sku", "NOPE"],
            "article inconnu « NOPE »",
        ),
        (
            ["--tracking", "RR123456785ES", "--reason", "damaged", "--today", "demain"],
            "--today attend une date",
        ),
        (
            [
                "--tracking",
                "1Z5R89390357567127",
                "--reason",
                "changed_mind",
                "--seal-intact",
                "peut-être",
            ],
            "--seal-intact attend yes ou no",
        ),
    ],
)
def test_bad_input_exits_1_with_a_french_message(
    shop: CliRunner, args: list[str], message: str
) -> None:
    code, _, err = _decide(shop, *args)
    assert code == 1
    assert message in err


def test_json_reports_the_refund_with_delivery_and_the_mediator(shop: CliRunner) -> None:
    args = ["--tracking", "6A15602676300", "--reason", "changed_mind", "--today", "2026-10-15"]

    _, out, _ = _decide(shop, *args, "--json")

    got = json.loads(out)
    assert got["order"] == "#1001"
    assert got["refund"] == {"items": "34.90", "delivery": "4.90", "total": "39.80"}
    assert got["mediator"] == {"name": "CM2C", "website": "https://www.cm2c.net"}
    assert got["return_paid_by"] == "customer"
    assert got["return_costs_terms"].startswith("Les frais de renvoi d'un article")


def test_json_the_refund_of_one_of_two_parcels_items_and_no_refund_when_declined(
    shop: CliRunner,
) -> None:
    _, out, _ = _decide(
        shop,
        "--tracking",
        "LX123456785CN",
        "--reason",
        "damaged",
        "--today",
        "2026-11-28",
        "--json",
    )
    assert json.loads(out)["refund"] == {"items": "19.80", "delivery": "3.90", "total": "23.70"}

    _, out, _ = _decide(
        shop,
        "--tracking",
        "6A15602676300",
        "--reason",
        "size_color",
        "--today",
        "2026-11-05",
        "--json",
    )
    declined = json.loads(out)
    assert declined["options"] == [] and declined["refund"] is None
    assert declined["mediator"]["name"] == "CM2C"


def test_text_says_the_refund_with_delivery_and_the_mediator(shop: CliRunner) -> None:
    _, out, _ = _decide(
        shop, "--tracking", "6A15602676300", "--reason", "damaged", "--today", "2026-11-05"
    )

    assert "Remboursement : 39,80\u00a0€ (articles 34,90\u00a0€, livraison 4,90\u00a0€)" in out
    assert "Médiateur de la consommation : CM2C (https://www.cm2c.net)" in out
