"""Search settings: the backend follows the mode unless Meilisearch is configured, LibreChat's
variables are read, and a backend that cannot work stops the start naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.settings import SettingsError, load_settings, search_backend

DISTRIBUTED = {
    "CHRONICLE_DATABASE_URL": "postgresql://chronicle@db:5432/chronicle",
    "JWT_SECRET": "a" * 32,
    "JWT_REFRESH_SECRET": "r" * 32,
    "CHRONICLE_MASTER_KEY": "m" * 32,
}


@pytest.fixture(autouse=True)
def empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no chronicle.yaml


def test_the_backend_is_the_read_model_databases_own_by_default() -> None:
    assert search_backend(load_settings({})) == "sqlite"
    assert search_backend(load_settings(DISTRIBUTED)) == "postgres"
    assert load_settings({}).search is True


def test_librechats_meilisearch_variables_choose_meilisearch() -> None:
    settings = load_settings(
        {"MEILI_HOST": "http://meili:7700", "MEILI_MASTER_KEY": "k", "SEARCH": "false"}
    )
    assert search_backend(settings) == "meilisearch"
    assert (settings.meili_host, settings.meili_master_key, settings.search) == (
        "http://meili:7700",
        "k",
        False,
    )
    both = {"MEILI_URL": "http://compose:7700", "MEILI_HOST": "http://librechat:7700"}
    assert load_settings(both).meili_host == "http://librechat:7700"
    assert load_settings({"MEILI_URL": "http://compose:7700"}).meili_host == "http://compose:7700"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CHRONICLE_SEARCH_BACKEND": "elastic"}, "CHRONICLE_SEARCH_BACKEND"),
        ({"CHRONICLE_SEARCH_BACKEND": "postgres"}, "CHRONICLE_SEARCH_BACKEND"),
        ({**DISTRIBUTED, "CHRONICLE_SEARCH_BACKEND": "sqlite"}, "CHRONICLE_SEARCH_BACKEND"),
        ({"CHRONICLE_SEARCH_BACKEND": "meilisearch"}, "MEILI_HOST"),
        ({"MEILI_HOST": "meili:7700"}, "MEILI_HOST"),
        ({"CHRONICLE_SEARCH_LANGUAGE": "english'; drop"}, "CHRONICLE_SEARCH_LANGUAGE"),
        ({"CHRONICLE_MEILI_INDEX_PREFIX": "a b"}, "CHRONICLE_MEILI_INDEX_PREFIX"),
    ],
)
def test_a_backend_that_cannot_work_stops_the_start(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(environ)
    assert str(error.value).startswith(named + ":")
