-- A least-privilege login for the product on a machine's raw (logger) database: it can read the
-- three logger tables and nothing else. Run once per raw database as its owner, e.g.
--   psql "postgres://owner@db:5432/press07" -v reader_password="'…'" -f db/raw-reader-role.sql
-- and configure the machine's rawDatabaseUrl as postgres://mm_reader:…@db:5432/press07.
-- The ETLs and the API also open raw databases with default_transaction_read_only=on, so even a
-- mistakenly privileged URL cannot write.

do $$
begin
  if not exists (select from pg_roles where rolname = 'mm_reader') then
    create role mm_reader login;
  end if;
end
$$;

alter role mm_reader password :reader_password;
alter role mm_reader set default_transaction_read_only = on;
grant connect on database :"DBNAME" to mm_reader;
grant usage on schema public to mm_reader;
grant select on variable, variable_log_float, variable_log_string to mm_reader;
