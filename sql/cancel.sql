--
-- Every wait is cancellable: statement_timeout stops a long scan and a
-- request to a node that never answers, and the next query works.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
\getenv blackhole_port CQLFDW_BLACKHOLE_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;

-- (a run that crashed may have left it behind)
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_cancel'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_cancel
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_cancel.t (id int PRIMARY KEY, v text)');
DO $$
DECLARE
  b int;
  stmt text;
BEGIN
  FOR b IN 0..19 LOOP
    SELECT 'BEGIN UNLOGGED BATCH ' ||
           string_agg(format('INSERT INTO cqlfdw_cancel.t (id, v) VALUES (%s, %L);', i, 'v' || i), ' ') ||
           ' APPLY BATCH'
      INTO stmt
      FROM generate_series(b * 100, b * 100 + 99) AS i;
    PERFORM cql_fdw_execute('cass', stmt);
  END LOOP;
END $$;

-- one row per page: 2,000 round trips, far longer than the timeout
CREATE FOREIGN TABLE slow (id int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_cancel', table 't', fetch_size '1');
SET statement_timeout = '300ms';
SELECT count(*) FROM slow s1, slow s2;
RESET statement_timeout;
-- the same backend and session go on working, with no connection leaked
SELECT count(*) FROM slow;
SELECT * FROM cql_fdw_get_connections() ORDER BY 1;
-- sessions can be closed on request, and are made again when needed
SELECT cql_fdw_disconnect('cass');
SELECT * FROM cql_fdw_get_connections() ORDER BY 1;
SELECT count(*) FROM slow WHERE id < 3;
SELECT * FROM cql_fdw_get_connections() ORDER BY 1;

-- pg_cancel_backend from another session stops a scan waiting on Cassandra
\getenv pghost PGHOST
\getenv pgport PGPORT
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s', :'pghost', :'pgport', current_database()));
-- millions of round trips; the timeout only bounds a failure of the cancel
SELECT dblink_exec('other', 'SET enable_material = off');
SELECT dblink_exec('other', $$SET statement_timeout = '60s'$$);
SELECT dblink_send_query('other', 'SELECT count(*) FROM slow s1, slow s2');
DO $$
BEGIN
  -- until the other backend waits in cql_fdw's wait loop (bounded)
  FOR i IN 1..500 LOOP
    EXIT WHEN EXISTS (SELECT FROM pg_stat_activity
                       WHERE query = 'SELECT count(*) FROM slow s1, slow s2'
                         AND wait_event_type = 'Extension');
    PERFORM pg_sleep(0.01);
    PERFORM pg_stat_clear_snapshot();
  END LOOP;
END $$;
SELECT pg_cancel_backend(pid) FROM pg_stat_activity
 WHERE query = 'SELECT count(*) FROM slow s1, slow s2' AND pid <> pg_backend_pid();
SELECT * FROM dblink_get_result('other') AS r(n bigint);
SELECT * FROM dblink_get_result('other') AS r(n bigint);  -- the end of that query
SELECT * FROM dblink('other', 'SELECT count(*) FROM slow WHERE id < 5') AS r(n bigint);
SELECT dblink_disconnect('other');
DROP EXTENSION dblink;

-- a node that accepts connections and never answers: the wait for the
-- handshake is cancelled, not stuck until connect_timeout
CREATE SERVER hung FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts '127.0.0.1', port :'blackhole_port', connect_timeout '600000');
CREATE USER MAPPING FOR CURRENT_USER SERVER hung;
CREATE FOREIGN TABLE hung_t (id int) SERVER hung OPTIONS (keyspace 'ks', table 't');
SET statement_timeout = '500ms';
SELECT * FROM hung_t;
SELECT cql_fdw_execute('hung', 'SELECT now() FROM system.local');
RESET statement_timeout;
-- a short connect_timeout gives up by itself
-- (the listener's port changes from run to run: it is masked)
ALTER SERVER hung OPTIONS (SET connect_timeout '300');
DO $$
BEGIN
  PERFORM * FROM hung_t;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'sqlstate %: %', SQLSTATE, regexp_replace(SQLERRM, ':[0-9]+', ':<port>', 'g');
END $$;
SELECT count(*) FROM slow WHERE id < 10;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_cancel');
DROP SERVER cass CASCADE;
DROP SERVER hung CASCADE;
