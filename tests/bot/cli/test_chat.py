"""`returnbot chat` in a real pseudo-terminal: a whole conversation, from the demo shop to the instructions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from tests.conversation_helpers import jpeg


def _spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "TELEGRAM_"))}
    env.pop("DATABASE_URL", None)
    env.update(RETURNBOT_DATA_DIR=str(tmp_path / "data"), COLUMNS="200")
    return pexpect.spawn(
        sys.executable,
        ["-m", "bot", "chat", *args],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )


def test_a_whole_conversation_in_the_terminal(tmp_path: Path) -> None:
    photo = tmp_path / "chargeur.jpg"
    photo.write_bytes(jpeg())
    child = _spawn(tmp_path, "--client", "tom")

    child.expect("Charger la boutique de démonstration")
    child.sendline("o")
    child.expect("Que se passe-t-il avec votre article")
    child.expect("5. Arrivé cassé ou abîmé")
    child.expect("Vous › ")
    child.sendline("5")
    child.expect("numéro de suivi")
    child.sendline("lx 1234 5678 5 cn")
    child.expect("code postal")
    child.sendline("35000")
    child.expect("Combien sont concernés")
    child.sendline("1")
    child.expect("photos")
    child.sendline(f"/photo {tmp_path / 'absente.jpg'}")
    child.expect("fichier introuvable")
    child.sendline(f"/photo {photo}")
    child.expect(r"photo reçue \(1\)")
    child.expect("1. Je reviens plus tard")
    child.expect("2. C'est tout")
    child.sendline("2")
    child.expect("Que préférez-vous")
    child.expect("1. Je le garde, envoyez-en un autre")
    child.sendline("1")
    child.expect(r"Votre dossier : R-\d{4}-000001")
    child.sendline("/quitter")
    child.expect("À bientôt")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert list((tmp_path / "data" / "photos").glob("*.jpg"))


def test_the_default_customer_has_a_first_name_and_a_handover_says_where_the_shop_answers(
    tmp_path: Path,
) -> None:
    child = _spawn(tmp_path)
    child.expect("Charger la boutique")
    child.sendline("")
    child.expect("Bonjour Camille")
    child.expect("Vous › ")

    child.sendline("/agent")

    child.expect("sur Telegram ou par e-mail")
    child.expect("/annuler")
    child.sendline("/quitter")
    child.expect(pexpect.EOF)


def test_the_conversation_is_found_again_in_a_new_session(tmp_path: Path) -> None:
    first = _spawn(tmp_path, "--client", "lea")
    first.expect("Charger la boutique")
    first.sendline("")
    first.expect("Vous › ")
    first.sendline("mes écouteurs ne fonctionnent pas")
    first.expect("numéro de suivi")
    first.sendline("/quitter")
    first.expect(pexpect.EOF)

    second = _spawn(tmp_path, "--client", "lea")
    second.expect("Reprenons où nous en étions")
    second.expect("numéro de suivi")
    second.sendline("/quitter")
    second.expect(pexpect.EOF)


def test_the_agents_desk_in_the_terminal_follows_the_case(tmp_path: Path) -> None:
    photo = tmp_path / "lampe.jpg"
    photo.write_bytes(jpeg())
    child = _spawn(tmp_path, "--client", "camille")
    child.expect("Charger la boutique")
    child.sendline("o")
    child.expect("Vous › ")
    child.sendline("ma lampe 6A15602676300 est cassée")
    child.expect("code postal")
    child.sendline("69003")
    child.expect("photos")
    child.sendline(f"/photo {photo}")
    child.expect("2. C'est tout")  # after « 1. Je reviens plus tard », as before the photo
    child.sendline("2")
    child.expect("1. Échange")
    child.sendline("1")
    child.expect(r"\[Conseillers\] Dossier R-\d{4}-000001")  # the topic opens with the card
    child.expect("en attente du colis retour")
    child.expect(r"\[Conseillers\] La conversation jusqu'ici")  # then what was said before
    child.expect("👤 Client : ma lampe 6A15602676300 est cassée")
    child.expect("🤖 Bot : Merci. Pour protéger vos données")
    child.expect("👤 Client : 📷 photo 1")
    child.expect("Vous › ")
    child.sendline("/conseiller /recu")
    child.expect("Nous avons bien reçu")
    child.expect(r"\[Conseillers\] 🛒 À commander")
    child.sendline("/conseiller /expedie 6C02345678901")
    child.expect("Votre nouvel article")
    child.sendline("/quitter")
    child.expect(pexpect.EOF)
