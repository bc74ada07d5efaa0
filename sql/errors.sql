--
-- Errors: Cassandra's errors and connection failures become PostgreSQL
-- errors with a SQLSTATE and the CQL as context; the session stays usable.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
\set VERBOSITY default
\set SHOW_CONTEXT always
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;

-- what an error looks like to a program: its SQLSTATE
CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

-- (a run that crashed may have left it behind)
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_errors'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_errors
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_errors.t (id int PRIMARY KEY, v text, d date, tm time, ts timestamp, n int)');

-- a foreign table over a table that does not exist
CREATE FOREIGN TABLE missing (id int) SERVER cass OPTIONS (keyspace 'cqlfdw_errors', table 'nope');
SELECT * FROM missing;
SELECT sqlstate_of('SELECT * FROM missing');
-- a keyspace that does not exist
CREATE FOREIGN TABLE missing_ks (id int) SERVER cass OPTIONS (keyspace 'cqlfdw_nope', table 't');
SELECT * FROM missing_ks;
SELECT sqlstate_of('SELECT * FROM missing_ks');
-- a column that does not exist
CREATE FOREIGN TABLE missing_col (id int, nope text) SERVER cass OPTIONS (keyspace 'cqlfdw_errors', table 't');
SELECT nope FROM missing_col;
SELECT sqlstate_of('SELECT nope FROM missing_col');

-- CQL errors through cql_fdw_execute
SELECT cql_fdw_execute('cass', 'SELEKT * FROM system.local');
SELECT sqlstate_of($$SELECT cql_fdw_execute('cass', 'SELEKT * FROM system.local')$$);
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_errors WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT sqlstate_of($$SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_errors.t (id int PRIMARY KEY)')$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_errors.t (id, v) VALUES ('x', 'y')$$);

-- values PostgreSQL cannot hold exactly are refused, naming the column
CREATE FOREIGN TABLE t (id int, v text, d date, tm time, ts timestamptz, n int)
  SERVER cass OPTIONS (keyspace 'cqlfdw_errors');
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_errors.t (id, tm) VALUES (1, '12:00:00.123456789')$$);
SELECT tm FROM t WHERE id = 1;
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_errors.t (id, tm) VALUES (1, '12:00:00.123456')$$);
SELECT tm FROM t WHERE id = 1;
-- (a date is stored as unsigned days with 2^31 at 1970-01-01)
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_errors.t (id, d) VALUES (2, 2147483647)');
SELECT d FROM t WHERE id = 2;
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_errors.t (id, d) VALUES (2, 4294967295)');
SELECT d FROM t WHERE id = 2;
SELECT sqlstate_of('SELECT d FROM t WHERE id = 2');
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_errors.t (id, d) VALUES (2, 0)');
SELECT d FROM t WHERE id = 2;
SELECT cql_fdw_execute('cass', 'DELETE d FROM cqlfdw_errors.t WHERE id = 2');
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_errors.t (id, ts) VALUES (3, 9223372036854775807)');
SELECT ts FROM t WHERE id = 3;
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_errors.t (id, v) VALUES (4, 'nul' + blobAsText(0x00) + 'byte')$$);
SELECT v FROM t WHERE id = 4;
SELECT sqlstate_of('SELECT v FROM t WHERE id = 4');
-- a declared type that does not fit the value
CREATE FOREIGN TABLE t_narrow (id int, v varchar(2)) SERVER cass OPTIONS (keyspace 'cqlfdw_errors', table 't');
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_errors.t (id, v) VALUES (5, 'too long')$$);
SELECT v FROM t_narrow WHERE id = 5;
-- a zero-length value of a fixed-size type reads as NULL
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_errors.t (id, n) VALUES (6, blobAsInt(0x))');
SELECT n IS NULL AS n_is_null FROM t WHERE id = 6;

-- nothing listens: the connection is refused, with the address
CREATE SERVER refused FOREIGN DATA WRAPPER cql_fdw OPTIONS (hosts '127.0.0.1', port '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER refused;
CREATE FOREIGN TABLE refused_t (id int) SERVER refused OPTIONS (keyspace 'cqlfdw_errors', table 't');
SELECT * FROM refused_t;
SELECT sqlstate_of('SELECT * FROM refused_t');
-- two hosts, the first refusing: the second serves
ALTER SERVER refused OPTIONS (SET hosts '127.0.0.2, 127.0.0.1', SET port :'cql_port');
SELECT cql_fdw_execute('refused', 'SELECT cluster_name FROM system.local');
SELECT count(*) FROM refused_t;
-- a host name that does not resolve
CREATE SERVER unresolvable FOREIGN DATA WRAPPER cql_fdw OPTIONS (hosts 'no-such-host.invalid');
CREATE USER MAPPING FOR CURRENT_USER SERVER unresolvable;
SELECT cql_fdw_execute('unresolvable', 'SELECT now() FROM system.local');

-- after all that, the session still works
SELECT id, tm FROM t WHERE id = 1;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_errors');
DROP FUNCTION sqlstate_of(text);
DROP SERVER cass CASCADE;
DROP SERVER refused CASCADE;
DROP SERVER unresolvable CASCADE;
