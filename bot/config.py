"""Configuration, read once from the environment and `.env` into a validated `Settings` object."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from bot.mail.addresses import mailbox

DEFAULT_API_BASE_URL = "https://api.telegram.org"

# What each variable expects, in French, for the one-line error a shop owner reads.
EXPECTED: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "le jeton donné par @BotFather, de la forme 123456789:ABC-def_ghi",
    "TELEGRAM_API_BASE_URL": "une adresse http(s)://, par exemple https://api.telegram.org",
    "DATABASE_URL": "une adresse sqlite:///chemin.db ou postgresql://utilisateur@hôte:port/base",
    "RETURNBOT_DATA_DIR": "un chemin de dossier",
    "RETURNBOT_ADMIN_IDS": "des identifiants Telegram numériques séparés par des virgules, par exemple 12345,67890",
    "RETURNBOT_AGENT_CHAT_ID": "l'identifiant numérique du supergroupe des conseillers, par exemple -1001234567890",
    "RETURNBOT_WEBHOOK_URL": "une adresse https:// publique",
    "RETURNBOT_WEBHOOK_SECRET": "1 à 256 caractères parmi A-Z, a-z, 0-9, _ et -",
    "RETURNBOT_WEBHOOK_LISTEN": "une adresse d'écoute hôte:port, par exemple 0.0.0.0:8443",
    "RETURNBOT_SMTP_HOST": "le nom du serveur d'envoi des e-mails, sans le port, par exemple smtp.example.fr",
    "RETURNBOT_SMTP_PORT": "un numéro de port de 1 à 65535, par exemple 587",
    "RETURNBOT_SMTP_USERNAME": "l'identifiant du compte e-mail d'envoi",
    "RETURNBOT_SMTP_PASSWORD": "le mot de passe du compte e-mail d'envoi",
    "RETURNBOT_SMTP_FROM": "une adresse e-mail, par exemple retours@boutique.fr ou Ma Boutique <retours@boutique.fr>",
    "RETURNBOT_SMTP_SECURITY": "starttls (par défaut), tls ou none",
    "RETURNBOT_WEBHOOK_BEHIND_PROXY": "oui ou non (1/0, true/false)",
    "RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND": "un nombre entier de messages par seconde, de 1 à 1000 (30 par défaut)",
}
# A variable that another one makes necessary: (needed, because of).
_REQUIRED_WITH: dict[str, str] = {
    "RETURNBOT_WEBHOOK_SECRET": "RETURNBOT_WEBHOOK_URL",
    "RETURNBOT_SMTP_FROM": "RETURNBOT_SMTP_HOST",
    "RETURNBOT_SMTP_PASSWORD": "RETURNBOT_SMTP_USERNAME",
    "RETURNBOT_SMTP_USERNAME": "RETURNBOT_SMTP_PASSWORD",
}
_SECRETS = ("TELEGRAM_BOT_TOKEN", "RETURNBOT_WEBHOOK_SECRET", "RETURNBOT_SMTP_PASSWORD")

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_PASSWORD = re.compile(r"(://[^/@:]*:)[^/]*@")  # user:password@ in a database URL
_LISTEN = re.compile(r"^(?P<host>[^\s:]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})$")
_HOST = re.compile(r"^[^\s/:@]+$")

SmtpSecurity = Literal["starttls", "tls", "none"]
# The usual port of each way of securing the connection.
_SMTP_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 587}


class ConfigurationError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how e-mails are sent; `sender` is the From address (with its name, if given)."""

    host: str
    port: int
    sender: str
    security: SmtpSecurity = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)


class Settings(BaseSettings):
    """Every setting of the program, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default=DEFAULT_API_BASE_URL, alias="TELEGRAM_API_BASE_URL")
    database_url_raw: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="RETURNBOT_DATA_DIR")
    admin_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=(), alias="RETURNBOT_ADMIN_IDS")
    agent_chat_id: int | None = Field(default=None, alias="RETURNBOT_AGENT_CHAT_ID")
    webhook_url: str | None = Field(default=None, alias="RETURNBOT_WEBHOOK_URL")
    webhook_secret: str | None = Field(default=None, alias="RETURNBOT_WEBHOOK_SECRET")
    webhook_listen: str = Field(default="0.0.0.0:8443", alias="RETURNBOT_WEBHOOK_LISTEN")
    smtp_host: str | None = Field(default=None, alias="RETURNBOT_SMTP_HOST")
    smtp_port: int | None = Field(default=None, alias="RETURNBOT_SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="RETURNBOT_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, alias="RETURNBOT_SMTP_PASSWORD", repr=False)
    smtp_from: str | None = Field(default=None, alias="RETURNBOT_SMTP_FROM")
    smtp_security: SmtpSecurity = Field(default="starttls", alias="RETURNBOT_SMTP_SECURITY")
    webhook_behind_proxy: bool = Field(default=False, alias="RETURNBOT_WEBHOOK_BEHIND_PROXY")
    # Telegram's overall limit is 30/s; paid broadcasts or a local Bot API server allow more.
    telegram_messages_per_second: int = Field(
        default=30, ge=1, le=1000, alias="RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND"
    )

    @field_validator(
        "telegram_bot_token",
        "database_url_raw",
        "webhook_url",
        "webhook_secret",
        "smtp_host",
        "smtp_username",
        "smtp_from",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("agent_chat_id", "smtp_port", "smtp_password", mode="before")
    @classmethod
    def _blank_value_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_messages_per_second", mode="before")
    @classmethod
    def _blank_rate_is_default(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return 30
        return value

    @field_validator("webhook_behind_proxy", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            return {"": False, "oui": True, "non": False}.get(text, text)
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and not _TOKEN.match(value):
            raise ValueError("bad token")
        return value

    @field_validator("telegram_api_base_url", mode="before")
    @classmethod
    def _base_url(cls, value: Any) -> str:
        text = str(value or "").strip() or DEFAULT_API_BASE_URL
        if not re.match(r"^https?://[^\s/]+", text):
            raise ValueError("bad url")
        return text.rstrip("/")

    @field_validator("database_url_raw")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = async_database_url(value)
        try:
            make_url(url).port  # noqa: B018 (a port that is not a number raises here, not at start)
        except ValueError:
            raise ValueError("bad database url") from None
        return url

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> tuple[int, ...]:
        if value is None:
            return ()
        if isinstance(value, list | tuple):
            return tuple(int(v) for v in value)
        parts = [part.strip() for part in str(value).split(",") if part.strip()]
        if not all(re.fullmatch(r"\d+", part) for part in parts):
            raise ValueError("bad ids")
        return tuple(int(part) for part in parts)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_https(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("bad url")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET.match(value):
            raise ValueError("bad secret")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen_shape(cls, value: str) -> str:
        match = _LISTEN.match(value.strip())
        if not match or not 0 < int(match["port"]) < 65536:
            raise ValueError("bad listen")
        return value.strip()

    @field_validator("smtp_host")
    @classmethod
    def _host_shape(cls, value: str | None) -> str | None:
        if value is not None and not _HOST.match(value):
            raise ValueError("bad host")
        return value

    @field_validator("smtp_port")
    @classmethod
    def _port_range(cls, value: int | None) -> int | None:
        if value is not None and not 0 < value < 65536:
            raise ValueError("bad port")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _mailbox_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if mailbox(value) is None:
            raise ValueError("bad address")
        return value

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _security_word(cls, value: Any) -> Any:
        return str(value or "").strip().lower() or "starttls"

    @model_validator(mode="after")
    def _required_together(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("RETURNBOT_WEBHOOK_SECRET")
        if self.smtp_host and not self.smtp_from:
            raise ValueError("RETURNBOT_SMTP_FROM")
        if self.smtp_username and not self.smtp_password:
            raise ValueError("RETURNBOT_SMTP_PASSWORD")
        if self.smtp_password and not self.smtp_username:
            raise ValueError("RETURNBOT_SMTP_USERNAME")
        return self

    @property
    def database_url(self) -> str:
        """The async SQLAlchemy URL: `DATABASE_URL`, or an SQLite file in the data folder."""
        if self.database_url_raw:
            return self.database_url_raw
        return f"sqlite+aiosqlite:///{(self.data_dir / 'returnbot.db').resolve()}"

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def smtp(self) -> SmtpSettings | None:
        """How to send e-mails; None when `RETURNBOT_SMTP_HOST` is blank (e-mail off)."""
        if not self.smtp_host or not self.smtp_from:
            return None
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port or _SMTP_PORTS[self.smtp_security],
            sender=self.smtp_from,
            security=self.smtp_security,
            username=self.smtp_username,
            password=self.smtp_password,
        )

    @property
    def webhook_host_port(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    def api_url(self, method: str) -> str:
        """`{base}/bot{token}/{method}`: the same for api.telegram.org, a self-hosted server or a test server."""
        return f"{self.telegram_api_base_url}/bot{self.telegram_bot_token}/{method}"

    def file_url(self, file_path: str) -> str:
        return f"{self.telegram_api_base_url}/file/bot{self.telegram_bot_token}/{file_path}"


def async_database_url(url: str) -> str:
    """Turns a plain `sqlite://` or `postgresql://` URL into the async driver's URL."""
    text = url.strip()
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if text.startswith(plain):
            return driver + text[len(plain) :]
    if text.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return text
    raise ValueError("bad database url")


def load_settings(**overrides: Any) -> Settings:
    """Reads the settings; raises `ConfigurationError` naming the first bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(_describe(error)) from None


def settings_or_exit(**overrides: Any) -> Settings:
    """Reads the settings or stops the program with one French line and exit code 2."""
    try:
        return load_settings(**overrides)
    except ConfigurationError as error:
        print(f"Erreur de configuration : {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        loc = item.get("loc") or ()
        name = str(loc[0]) if loc else str(item.get("ctx", {}).get("error", ""))
        if name not in EXPECTED:
            name = str(item.get("ctx", {}).get("error", name))
        if name in _REQUIRED_WITH and not loc:
            lines.append(
                f"{name} est obligatoire quand {_REQUIRED_WITH[name]} est défini "
                f"(attendu : {EXPECTED[name]})"
            )
            continue
        received = item.get("input")
        if name == "DATABASE_URL" and isinstance(received, str):
            received = _PASSWORD.sub(r"\1***@", received)
        secret = name in _SECRETS
        shown = f" ; reçu « {received} »" if isinstance(received, str | int) and not secret else ""
        lines.append(
            f"{name} invalide (attendu : {EXPECTED.get(name, 'une valeur valide')}{shown})"
        )
    return " ; ".join(lines)
