"""Settings from the environment (``MAMORI_*``) and an optional TOML config file.

Precedence, highest first: keyword arguments, environment variables, the config
file named by ``MAMORI_CONFIG`` (or ``mamori.toml`` in the data directory), then
the defaults below. The defaults are safe for one box: listen on loopback, the
embedded store under one data directory, development mode.
"""

from __future__ import annotations

import enum
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from mamori.core.errors import ConfigurationError

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "mamori"


class Environment(enum.Enum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything mamori can be configured with."""

    model_config = SettingsConfigDict(env_prefix="MAMORI_", extra="forbid", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; the embedded SQLite file when unset"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=1, le=65535)
    log_level: str = "info"
    log_format: str = Field(default="console", pattern="^(console|json)$")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    session_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    mfa_fresh_seconds: int = Field(default=300, ge=30)
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key (PEM); <data_dir>/audit-signing.pem when unset",
    )
    audit_origin: str = Field(default="mamori.local/audit", min_length=1)

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'mamori.db'}"

    @property
    def is_embedded(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def signing_key_path(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "audit-signing.pem"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))


class _TomlSource(PydanticBaseSettingsSource):
    """Values from the TOML config file, if there is one."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _config_path()
        if path is None:
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(
                f"cannot read the config file: {exc}", where=str(path)
            ) from exc
        return dict(data.get("mamori", data))


def _config_path() -> Path | None:
    named = os.environ.get("MAMORI_CONFIG")
    if named:
        return Path(named).expanduser()
    data_dir = Path(os.environ.get("MAMORI_DATA_DIR", DEFAULT_DATA_DIR)).expanduser()
    candidate = data_dir / "mamori.toml"
    return candidate if candidate.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning any invalid value into one clear :class:`ConfigurationError`."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_name(err['loc'])} (MAMORI_{_name(err['loc']).upper()}): {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
    _refuse_unsafe(settings)
    return settings


def _name(location: tuple[int | str, ...]) -> str:
    return "_".join(str(part) for part in location)


def _refuse_unsafe(settings: Settings) -> None:
    if settings.environment is not Environment.PRODUCTION:
        return
    if settings.is_embedded and settings.host not in {"127.0.0.1", "localhost", "::1"}:
        raise ConfigurationError(
            "the embedded SQLite store only serves one box",
            where="MAMORI_HOST",
            hint="listen on loopback, or set MAMORI_DATABASE_URL to PostgreSQL",
        )
    if settings.audit_signing_key_file is None:
        raise ConfigurationError(
            "production needs an explicit audit signing key",
            where="MAMORI_AUDIT_SIGNING_KEY_FILE",
            hint="run `mamori audit keygen --output FILE` and point this setting at it",
        )
