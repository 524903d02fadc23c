"""Settings: defaults, every variable's validation, and the one-line error with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE_URL, ConfigurationError, SmtpSettings, load_settings
from tests.helpers import returnbot

ALL_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "RETURNBOT_DATA_DIR",
    "RETURNBOT_ADMIN_IDS",
    "RETURNBOT_AGENT_CHAT_ID",
    "RETURNBOT_WEBHOOK_URL",
    "RETURNBOT_WEBHOOK_SECRET",
    "RETURNBOT_WEBHOOK_LISTEN",
    "RETURNBOT_SMTP_HOST",
    "RETURNBOT_SMTP_PORT",
    "RETURNBOT_SMTP_USERNAME",
    "RETURNBOT_SMTP_PASSWORD",
    "RETURNBOT_SMTP_FROM",
    "RETURNBOT_SMTP_SECURITY",
    "RETURNBOT_WEBHOOK_BEHIND_PROXY",
    "RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_use_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == DEFAULT_API_BASE_URL
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'returnbot.db'}"
    assert settings.admin_ids == ()
    assert settings.agent_chat_id is None
    assert settings.webhook_url is None
    assert settings.smtp is None


def test_values_are_read_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABC-def_ghi")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("DATABASE_URL", "postgresql://root@127.0.0.1:5432/shop")
    monkeypatch.setenv("RETURNBOT_ADMIN_IDS", " 12, 34 ")
    monkeypatch.setenv("RETURNBOT_AGENT_CHAT_ID", "-1001234567890")
    settings = load_settings()
    assert settings.database_url == "postgresql+asyncpg://root@127.0.0.1:5432/shop"
    assert settings.admin_ids == (12, 34)
    assert settings.agent_chat_id == -1001234567890
    assert settings.api_url("getMe") == "http://127.0.0.1:8081/bot123456:ABC-def_ghi/getMe"
    assert settings.file_url("photos/a.jpg") == (
        "http://127.0.0.1:8081/file/bot123456:ABC-def_ghi/photos/a.jpg"
    )


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RETURNBOT_ADMIN_IDS=42\n", encoding="utf-8")
    assert load_settings().admin_ids == (42,)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("DATABASE_URL", "mysql://root@localhost/shop"),
        ("RETURNBOT_ADMIN_IDS", "12,abc"),
        ("RETURNBOT_AGENT_CHAT_ID", "le-groupe"),
        ("RETURNBOT_WEBHOOK_URL", "pas une adresse"),
        ("RETURNBOT_WEBHOOK_LISTEN", "0.0.0.0:99999"),
        ("RETURNBOT_SMTP_HOST", "smtp.example.fr:587"),
        ("RETURNBOT_SMTP_PORT", "70000"),
        ("RETURNBOT_SMTP_PORT", "soixante"),
        ("RETURNBOT_SMTP_FROM", "retours chez boutique.fr"),
        ("RETURNBOT_SMTP_FROM", "a@boutique.fr, b@boutique.fr"),
        ("RETURNBOT_SMTP_SECURITY", "ssl"),
        ("RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND", "trente"),
        ("RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND", "0"),
        ("RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND", "5000"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load_settings()


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNBOT_WEBHOOK_URL", "https://shop.example/telegram")
    with pytest.raises(ConfigurationError, match="RETURNBOT_WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("RETURNBOT_WEBHOOK_SECRET", "bad secret!")
    with pytest.raises(ConfigurationError, match="RETURNBOT_WEBHOOK_SECRET"):
        load_settings()


def test_email_settings_are_read_with_the_usual_port_of_their_security(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RETURNBOT_SMTP_HOST", " smtp.example.fr ")
    monkeypatch.setenv("RETURNBOT_SMTP_FROM", "Ma Boutique <retours@boutique.fr>")
    assert load_settings().smtp == SmtpSettings(
        host="smtp.example.fr", port=587, sender="Ma Boutique <retours@boutique.fr>"
    )
    monkeypatch.setenv("RETURNBOT_SMTP_SECURITY", "TLS")
    monkeypatch.setenv("RETURNBOT_SMTP_USERNAME", "retours@boutique.fr")
    monkeypatch.setenv("RETURNBOT_SMTP_PASSWORD", " mot de passe ")
    smtp = load_settings().smtp
    assert smtp is not None
    assert (smtp.security, smtp.port, smtp.username) == ("tls", 465, "retours@boutique.fr")
    assert smtp.password == " mot de passe "
    assert "mot de passe" not in repr(smtp)
    monkeypatch.setenv("RETURNBOT_SMTP_PORT", "2525")
    monkeypatch.setenv("RETURNBOT_SMTP_SECURITY", "none")
    smtp = load_settings().smtp
    assert smtp is not None and (smtp.security, smtp.port) == ("none", 2525)


def test_email_needs_a_sender_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNBOT_SMTP_HOST", "smtp.example.fr")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith(
        "RETURNBOT_SMTP_FROM est obligatoire quand RETURNBOT_SMTP_HOST est défini"
    )


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("RETURNBOT_SMTP_USERNAME", "RETURNBOT_SMTP_PASSWORD"),
        ("RETURNBOT_SMTP_PASSWORD", "RETURNBOT_SMTP_USERNAME"),
    ],
)
def test_email_credentials_go_together(
    monkeypatch: pytest.MonkeyPatch, given: str, missing: str
) -> None:
    monkeypatch.setenv("RETURNBOT_SMTP_HOST", "smtp.example.fr")
    monkeypatch.setenv("RETURNBOT_SMTP_FROM", "retours@boutique.fr")
    monkeypatch.setenv(given, "sésame-secret")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{missing} est obligatoire quand {given} est défini")
    assert "sésame-secret" not in str(caught.value)


def test_secrets_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret value")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "secret value" not in str(caught.value)


def test_the_program_stops_with_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = returnbot("db", "upgrade", env={"RETURNBOT_ADMIN_IDS": "douze"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "RETURNBOT_ADMIN_IDS" in lines[0]
    assert "Traceback" not in result.stderr


def test_env_example_documents_every_variable_and_loads(tmp_path: Path) -> None:
    from tests.helpers import ROOT

    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in ALL_VARIABLES:
        assert f"\n{name}=" in text, name
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    settings = load_settings()
    assert settings.telegram_bot_token is None and settings.admin_ids == ()
    assert settings.smtp is None


@pytest.mark.parametrize(
    "url", ["mysql://shop:s3cr%40t@db/boutique", "postgresql://shop:s3cr@t@127.0.0.1:cinq/boutique"]
)
def test_an_invalid_database_url_is_shown_without_its_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        load_settings(DATABASE_URL=url)
    assert "s3cr" not in str(error.value)
    assert "DATABASE_URL invalide" in str(error.value) and "shop:***@" in str(error.value)
    result = returnbot("run", env={"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "1:abc"})
    assert result.returncode == 2 and "s3cr" not in result.stderr + result.stdout


def test_proxy_headers_are_trusted_only_when_the_shop_says_so() -> None:
    assert load_settings().webhook_behind_proxy is False
    assert load_settings(RETURNBOT_WEBHOOK_BEHIND_PROXY="").webhook_behind_proxy is False
    assert load_settings(RETURNBOT_WEBHOOK_BEHIND_PROXY="oui").webhook_behind_proxy is True
    with pytest.raises(ConfigurationError, match="RETURNBOT_WEBHOOK_BEHIND_PROXY invalide"):
        load_settings(RETURNBOT_WEBHOOK_BEHIND_PROXY="peut-être")


def test_the_send_rate_is_telegrams_30_a_second_unless_the_shop_says_more() -> None:
    assert load_settings().telegram_messages_per_second == 30
    assert (
        load_settings(RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND="").telegram_messages_per_second == 30
    )
    raised = load_settings(RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND=" 100 ")
    assert raised.telegram_messages_per_second == 100
