#!/bin/sh
# The demo's raw database, as a machine's logger would have it: the raw schema, and the read-only
# login the product is given (db/raw-reader-role.sql). Run once by the postgres image when its data
# directory is first created; the demo-seed service then writes the simulated readings as the owner.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /mm-db/raw-schema.sql
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v reader_password="'$RAW_READER_PASSWORD'" -f /mm-db/raw-reader-role.sql
