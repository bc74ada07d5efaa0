--
-- Faults on a real three-node cluster (127.0.0.11-13, racks r1-r3): nodes
-- killed, restarted and hung between statements of one backend, whose
-- session must route around them, retry idempotent reads, report what
-- Cassandra cannot do, and come back to full strength.
-- Run by test/run_tests.sh after `test/env/env.sh up-cluster`; not part of
-- the default suites.
--
\getenv cluster_hosts CQL_CLUSTER_HOSTS
\set VERBOSITY default
CREATE SERVER cluster FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cluster_hosts', connect_timeout '1000', request_timeout '3000');
CREATE USER MAPPING FOR CURRENT_USER SERVER cluster;
DO $$ BEGIN PERFORM cql_fdw_execute('cluster', 'DROP KEYSPACE IF EXISTS cqlfdw_fault', 'ALL'); END $$;
SELECT cql_fdw_execute('cluster', $$CREATE KEYSPACE cqlfdw_fault
  WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}$$, 'ALL');
SELECT cql_fdw_execute('cluster', $$CREATE KEYSPACE cqlfdw_fault1
  WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}$$, 'ALL');
SELECT cql_fdw_execute('cluster', 'CREATE TABLE cqlfdw_fault.t (id int PRIMARY KEY, v text)', 'ALL');
SELECT cql_fdw_execute('cluster', 'CREATE TABLE cqlfdw_fault1.t (id int PRIMARY KEY, v text)', 'ALL');
DO $$
DECLARE
  stmt text;
BEGIN
  FOR b IN 0..2 LOOP
    SELECT 'BEGIN UNLOGGED BATCH ' ||
           string_agg(format('INSERT INTO cqlfdw_fault.t (id, v) VALUES (%s, %L); INSERT INTO cqlfdw_fault1.t (id, v) VALUES (%s, %L);',
                             i, 'v' || i, i, 'v' || i), ' ') || ' APPLY BATCH'
      INTO stmt FROM generate_series(b * 100, b * 100 + 99) AS i;
    PERFORM cql_fdw_execute('cluster', stmt, 'ALL');
  END LOOP;
END $$;
CREATE FOREIGN TABLE t (id int, v text) SERVER cluster
  OPTIONS (keyspace 'cqlfdw_fault', read_consistency 'ONE');
CREATE FOREIGN TABLE t_quorum (id int, v text) SERVER cluster
  OPTIONS (keyspace 'cqlfdw_fault', table 't', read_consistency 'QUORUM');
CREATE FOREIGN TABLE t_all (id int, v text) SERVER cluster
  OPTIONS (keyspace 'cqlfdw_fault', table 't', read_consistency 'ALL');
CREATE FOREIGN TABLE t1 (id int, v text) SERVER cluster
  OPTIONS (keyspace 'cqlfdw_fault1', table 't');

-- the whole cluster is discovered from the contact points
SELECT hosts, hosts_up, local_dc FROM cql_fdw_sessions() WHERE server_name = 'cluster';
SELECT count(*), sum(id) FROM t;

-- token-aware routing: with one replica per key, each single-partition
-- read goes to the node that owns the key's token (node tokens:
-- .11 -2^63, .12 -3074457345618258603, .13 3074457345618258602)
CREATE FUNCTION coordinator_of(k int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE format('EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) SELECT v FROM t1 WHERE id = %s', k) INTO plan;
  RETURN plan->0->'Plan'->>'CQL Hosts';
END $$;
CREATE FUNCTION owner_of(k int) RETURNS text LANGUAGE sql AS $$
  SELECT CASE
    WHEN tok <= -3074457345618258603 AND tok > -9223372036854775808 THEN '127.0.0.12:9042'
    WHEN tok <= 3074457345618258602 AND tok > -3074457345618258603 THEN '127.0.0.13:9042'
    ELSE '127.0.0.11:9042' END
  FROM (SELECT cql_fdw_token(int4send(k)) AS tok) x $$;
SELECT count(*) AS keys, count(*) FILTER (WHERE coordinator_of(k) = owner_of(k)) AS routed_to_owner,
       count(DISTINCT owner_of(k)) AS owners
  FROM generate_series(1, 30) AS k;

-- a node killed in the middle of a long scan (one row per page, in another
-- backend): the scan still returns every row, its pages going elsewhere
\getenv pghost PGHOST
\getenv pgport PGPORT
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('scanner', format('host=%s port=%s dbname=%s', :'pghost', :'pgport', current_database()));
SELECT dblink_exec('scanner', $$ALTER FOREIGN TABLE t OPTIONS (ADD fetch_size '1')$$);
-- (ten scans of 300 pages: a few seconds of round trips)
SELECT dblink_send_query('scanner', 'SELECT count(*), sum(n) FROM generate_series(1, 10), LATERAL (SELECT count(*) AS n FROM t) x');
SELECT pg_sleep(0.3);
\! test/env/env.sh cluster-node 2 kill >/dev/null 2>&1
SELECT * FROM dblink_get_result('scanner') AS r(scans bigint, rows numeric);
SELECT * FROM dblink_get_result('scanner') AS r(scans bigint, rows numeric);
SELECT dblink_exec('scanner', $$ALTER FOREIGN TABLE t OPTIONS (DROP fetch_size)$$);
SELECT dblink_disconnect('scanner');
DROP EXTENSION dblink;
\! test/env/env.sh cluster-node 2 start >/dev/null 2>&1

-- one node killed (the others noticed): reads at ONE and QUORUM go on,
-- the session routing around the node that refuses connections
\! test/env/env.sh cluster-node 2 kill >/dev/null 2>&1
\! test/env/env.sh cluster-node 2 wait-down >/dev/null 2>&1
SELECT count(*), sum(id) FROM t;
SELECT count(*), sum(id) FROM t;
SELECT count(*), sum(id) FROM t_quorum;
SELECT v FROM t WHERE id = 42;
-- ALL needs the dead node: a clear Unavailable error, and the session goes on
-- (which live node answers last is the plan's choice: masked)
DO $$
DECLARE
  detail text;
BEGIN
  PERFORM count(*) FROM t_all;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
  RAISE NOTICE '%', regexp_replace(detail, 'from [0-9.]+:[0-9]+', 'from <node>');
END $$;
SELECT count(*) FROM t;

-- a second node down: QUORUM is impossible, and the error says why
\! test/env/env.sh cluster-node 3 kill >/dev/null 2>&1
\! test/env/env.sh cluster-node 3 wait-down >/dev/null 2>&1
SELECT count(*) FROM t_quorum;
SELECT count(*), sum(id) FROM t;
SELECT hosts, hosts_up FROM cql_fdw_sessions() WHERE server_name = 'cluster';

-- both back: the session finds them again
\! test/env/env.sh cluster-node 2 start >/dev/null 2>&1
\! test/env/env.sh cluster-node 3 start >/dev/null 2>&1
DO $$
BEGIN
  FOR i IN 1..60 LOOP
    PERFORM count(*) FROM t;
    EXIT WHEN (SELECT hosts_up FROM cql_fdw_sessions() WHERE server_name = 'cluster') = 3;
    PERFORM pg_sleep(0.5);
  END LOOP;
END $$;
SELECT hosts, hosts_up FROM cql_fdw_sessions() WHERE server_name = 'cluster';
SELECT count(*), sum(id) FROM t_quorum;

-- speculative execution: reads of this server also ask the next node when
-- the first has not answered within 200 ms (connected to every node first)
CREATE SERVER cluster_spec FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cluster_hosts', connect_timeout '1000', request_timeout '10000',
           speculative_delay '200', speculative_max '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER cluster_spec;
CREATE FOREIGN TABLE t_spec (id int, v text) SERVER cluster_spec
  OPTIONS (keyspace 'cqlfdw_fault', table 't', read_consistency 'ONE');
SELECT count(*) AS scans, sum(n) AS rows FROM generate_series(1, 6), LATERAL (SELECT count(*) AS n FROM t_spec) x;
SELECT hosts, hosts_up FROM cql_fdw_sessions() WHERE server_name = 'cluster_spec';

-- a node that hangs (accepts, never answers): after request_timeout the
-- read is retried on another node
\! test/env/env.sh cluster-node 3 pause >/dev/null 2>&1
\! test/env/env.sh cluster-node 3 wait-down >/dev/null 2>&1
CREATE FUNCTION retries_of(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (plan->0->'Plan'->>'CQL Retries')::int;
END $$;
-- requests rotate over the nodes: some go to the hung one first
SELECT sum(retries_of('SELECT id FROM t')) > 0 AS some_retried,
       count(*) AS scans FROM generate_series(1, 6);
SELECT count(*), sum(id) FROM t;
SELECT k, (SELECT v FROM t WHERE id = k) FROM generate_series(40, 45) AS k;
-- with speculation the hung node's requests are answered by the next node
-- after 200 ms, not after the 10 s request timeout
SELECT sum(retries_of('SELECT id FROM t_spec')) > 0 AS some_speculated,
       count(*) AS scans FROM generate_series(1, 6);
SELECT k, (SELECT v FROM t_spec WHERE id = k) FROM generate_series(40, 45) AS k;
DROP FUNCTION retries_of(text);
\! test/env/env.sh cluster-node 3 resume >/dev/null 2>&1

DROP FUNCTION coordinator_of(int);
DROP FUNCTION owner_of(int);
SELECT cql_fdw_execute('cluster', 'DROP KEYSPACE cqlfdw_fault');
SELECT cql_fdw_execute('cluster', 'DROP KEYSPACE cqlfdw_fault1');
DROP SERVER cluster CASCADE;
DROP SERVER cluster_spec CASCADE;
