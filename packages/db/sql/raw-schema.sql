-- Raw ("production") schema of a machine's data logger (docs/domain.md). The logger owns it; the product
-- only reads it. Tests, the demo seeder and the SHDR importer create it in databases they own.
-- Idempotent: safe to run on a database that already has it.

create table if not exists variable (
  id integer primary key,
  name text not null,
  datatype text not null
);

-- `date` is epoch milliseconds, UTC. The logger writes a row only when a value changes.
create table if not exists variable_log_float (
  id_var integer not null,
  date bigint not null,
  value real,
  primary key (id_var, date)
);

create table if not exists variable_log_string (
  id_var integer not null,
  date bigint not null,
  value text,
  primary key (id_var, date)
);
