"""Settings: environment, config file, validation and the refusal of unsafe production setups."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.core.errors import ConfigurationError
from mamori.core.settings import Environment, load_settings


def test_defaults_are_loopback_and_embedded(settings) -> None:
    assert settings.host == "127.0.0.1"
    assert settings.is_embedded
    assert settings.effective_database_url.endswith("/data/mamori.db")


def test_environment_overrides(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAMORI_PORT", "9911")
    monkeypatch.setenv("MAMORI_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/db")
    loaded = load_settings()
    assert loaded.port == 9911
    assert not loaded.is_embedded


def test_config_file_is_read_and_env_wins(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "mamori.toml"
    config.write_text('[mamori]\nport = 9000\nlog_format = "json"\n')
    monkeypatch.setenv("MAMORI_CONFIG", str(config))
    assert load_settings().port == 9000
    monkeypatch.setenv("MAMORI_PORT", "9001")
    loaded = load_settings()
    assert loaded.port == 9001
    assert loaded.log_format == "json"


def test_invalid_value_names_the_variable(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAMORI_PORT", "not-a-port")
    with pytest.raises(ConfigurationError, match="MAMORI_PORT"):
        load_settings()


def test_broken_config_file_names_the_file(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("port = = 3\n")
    monkeypatch.setenv("MAMORI_CONFIG", str(config))
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert raised.value.where == str(config)


def test_unknown_setting_is_refused(settings, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "mamori.toml"
    config.write_text("no_such_setting = 1\n")
    monkeypatch.setenv("MAMORI_CONFIG", str(config))
    with pytest.raises(ConfigurationError, match="no_such_setting"):
        load_settings()


def test_production_refuses_generated_signing_key(settings) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(environment=Environment.PRODUCTION, data_dir=settings.data_dir)
    assert raised.value.where == "MAMORI_AUDIT_SIGNING_KEY_FILE"


def test_production_refuses_embedded_store_on_public_address(settings, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="embedded"):
        load_settings(
            environment=Environment.PRODUCTION,
            host="0.0.0.0",  # noqa: S104 - the point of the test
            audit_signing_key_file=tmp_path / "key.pem",
        )
