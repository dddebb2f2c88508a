"""SDK settings: an argument wins, then a STEMMA_* variable, then the config file, then the default."""

from __future__ import annotations

from pathlib import Path

import pytest
import stemma
from stemma.settings import DEFAULT_BASE_URL, Settings

FILE = """
base_url = "http://from-file:1"
api_key = "file-key"
entity = "file-entity"
project = "file-project"
retry_seconds = 5
"""


def test_each_setting_comes_from_the_argument_then_the_environment_then_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(FILE)
    environ = {"STEMMA_CONFIG": str(config), "STEMMA_BASE_URL": "http://from-env:2/", "STEMMA_API_KEY": "env-key"}
    assert Settings.resolve(environ=environ, base_url="http://from-argument:3", project=None) == Settings(
        base_url="http://from-argument:3",
        api_key="env-key",
        entity="file-entity",
        project="file-project",
        retry_seconds=5.0,
    )
    assert Settings.resolve(environ=environ).base_url == "http://from-env:2"
    assert Settings.resolve(environ={"STEMMA_CONFIG": str(config)}).base_url == "http://from-file:1"


def test_without_any_setting_the_sdk_talks_to_make_run_on_localhost(tmp_path: Path) -> None:
    settings = Settings.resolve(environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert settings == Settings()
    assert (settings.base_url, settings.api_key, settings.heartbeat_seconds) == (DEFAULT_BASE_URL, None, 30.0)
    assert DEFAULT_BASE_URL == "http://127.0.0.1:8000"


def test_the_config_file_lives_under_xdg_config_home_unless_stemma_config_names_it(tmp_path: Path) -> None:
    (tmp_path / "stemma").mkdir()
    (tmp_path / "stemma" / "config.toml").write_text('entity = "xdg-entity"\n')
    assert Settings.resolve(environ={"XDG_CONFIG_HOME": str(tmp_path)}).entity == "xdg-entity"


def test_the_api_key_never_appears_in_a_repr() -> None:
    settings = Settings(api_key="sk-live-0123456789")
    assert "sk-live" not in repr(settings)
    assert repr(settings).startswith("Settings(base_url='http://127.0.0.1:8000', entity=None")


def test_a_bad_value_names_where_it_came_from(tmp_path: Path) -> None:
    absent = {"STEMMA_CONFIG": str(tmp_path / "absent.toml")}
    with pytest.raises(stemma.UsageError, match="STEMMA_RETRY_SECONDS has an invalid value"):
        Settings.resolve(environ={**absent, "STEMMA_RETRY_SECONDS": "soon"})
    with pytest.raises(stemma.UsageError, match="base_url must start with http:// or https://; got 'localhost:8000'"):
        Settings.resolve(environ=absent, base_url="localhost:8000")
    broken = tmp_path / "broken.toml"
    broken.write_text("base_url = ")
    with pytest.raises(stemma.UsageError, match=f"the config file {broken} is not valid TOML"):
        Settings.resolve(environ={"STEMMA_CONFIG": str(broken)})
