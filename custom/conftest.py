"""The plugins' tests use the core's fixtures (real SQLite, PostgreSQL and Redis; the HTTP
app), imported here because pytest gives a conftest's fixtures only to its own directory."""

from tests.conftest import (  # noqa: F401
    container_for,
    mode,
    pg_url,
    pytest_sessionfinish,
    redis_prefix,
    servers,
    settings_for,
)
from tests.e2e.conftest import api_for, embedded_api  # noqa: F401
