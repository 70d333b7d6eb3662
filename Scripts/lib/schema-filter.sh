#!/usr/bin/env bash
# Normalises `pg_dump --schema-only` output for SQL/schema.sql: drops the lines that name
# pg_dump's version and the random \restrict keys of newer pg_dump releases, so the file changes
# only when the schema does. SchemaFileTests applies the same filter.
grep -v -E '^-- Dumped (from|by) |^\\(un)?restrict ' | cat -s
