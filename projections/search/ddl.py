"""The full-text structures beside the search documents, created and dropped with each
generation's tables: an FTS5 index kept by triggers on SQLite, a generated `tsvector`
column with a GIN index on PostgreSQL. They ride on the tables' DDL events, so the engine's
blue/green rebuilds build and drop them with the rest of a generation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

# Diacritics and case fold on both sides (documents and queries) through one function;
# `unaccent` when the server has the extension (created by infrastructure/search/postgres.py),
# else `lower` only. IMMUTABLE so a generated column and its index may call it.
FOLD = "chronicle_search_fold"


def full_text(table: sa.Table, columns: tuple[str, ...], language: str) -> None:
    """Attach the SQLite FTS5 index and the PostgreSQL tsvector to `table`. FTS5 also indexes
    `owner` (the user id as one token), so a search intersects the caller's postings with
    the words' instead of ranking everyone's matches first."""
    for statement in _sqlite_create(table.name, (*columns, "owner")):
        sa.event.listen(table, "after_create", _ddl(statement).execute_if(dialect="sqlite"))
    sa.event.listen(
        table,
        "after_drop",
        _ddl(f'DROP TABLE IF EXISTS "{fts_name(table.name)}"').execute_if(dialect="sqlite"),
    )
    sa.event.listen(table, "before_create", _ddl(FOLD_FUNCTION).execute_if(dialect="postgresql"))
    for statement in _postgres_create(table.name, columns, language):
        sa.event.listen(table, "after_create", _ddl(statement).execute_if(dialect="postgresql"))


# Run under the engine's migration lock (prepare, a rebuild), once per database: the fold
# never changes under an existing index. A server that refuses CREATE EXTENSION (no rights)
# gets `lower` and folds case only.
FOLD_FUNCTION = f"""
DO $do$
DECLARE home text;
BEGIN
  IF to_regproc('{FOLD}') IS NOT NULL THEN RETURN; END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
  SELECT n.nspname INTO home FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'unaccent';
  IF home IS NULL THEN
    EXECUTE 'CREATE FUNCTION {FOLD}(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE'
      || ' AS $f$ SELECT lower($1) $f$';
  ELSE
    EXECUTE 'CREATE FUNCTION {FOLD}(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE'
      || ' AS $f$ SELECT lower(' || quote_ident(home) || '.unaccent('
      || quote_literal(quote_ident(home) || '.unaccent') || '::regdictionary, $1)) $f$';
  END IF;
END
$do$
"""


def _ddl(statement: str) -> Any:
    return sa.DDL(statement)  # type: ignore[no-untyped-call]


def fts_name(table: str) -> str:
    return f"{table}_fts"


def _sqlite_create(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = fts_name(table)
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f'INSERT INTO "{fts}"("{fts}", rowid, {names}) VALUES (\'delete\', old.rid, {old});'
    insert = f'INSERT INTO "{fts}"(rowid, {names}) VALUES (new.rid, {new});'
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5({names}, content="{table}",'
        " content_rowid=rid, tokenize='unicode61 remove_diacritics 2')",
        f'CREATE TRIGGER IF NOT EXISTS "{table}_ai" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER IF NOT EXISTS "{table}_ad" AFTER DELETE ON "{table}" BEGIN {delete} END',
        f'CREATE TRIGGER IF NOT EXISTS "{table}_au" AFTER UPDATE ON "{table}" BEGIN'
        f" {delete} {insert} END",
    ]


def _postgres_create(table: str, columns: tuple[str, ...], language: str) -> list[str]:
    # the language's stemmed words (language-aware matches and ranking) and the plain
    # words (prefixes of what was written)
    text = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    vector = (
        f"to_tsvector('{language}'::regconfig, {FOLD}({text}))"
        f" || to_tsvector('simple'::regconfig, {FOLD}({text}))"
    )
    return [
        f'ALTER TABLE "{table}" ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({vector}) STORED',
        # no pending list: a search must not scan the rows not yet merged into the index
        f'CREATE INDEX "{table}_tsv_idx" ON "{table}" USING GIN (tsv) WITH (fastupdate = off)',
    ]
