--
-- Full scans by token range; ANALYZE; parallel and asynchronous plans.
-- Every result is compared with the same query read as one unsplit
-- statement (cql_fdw.token_range_scans off), and parallel plans are forced
-- with zero parallel costs.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_par'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_par
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

-- 20,000 rows, in unlogged batches of 100
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_par.big (id int PRIMARY KEY, grp int, val bigint, label text)');
DO $$
DECLARE
  b int;
  stmt text;
BEGIN
  FOR b IN 0..199 LOOP
    SELECT 'BEGIN UNLOGGED BATCH ' ||
           string_agg(format('INSERT INTO cqlfdw_par.big (id, grp, val, label) VALUES (%s, %s, %s, %L);',
                             i, i % 7, i::bigint * 1000003, 'row ' || i), ' ') ||
           ' APPLY BATCH'
      INTO stmt
      FROM generate_series(b * 100, b * 100 + 99) AS i;
    PERFORM cql_fdw_execute('cass', stmt);
  END LOOP;
END $$;
-- a composite partition key (token("a", "b")), 20 rows per partition
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_par.comp (a int, b text, c int, v text, PRIMARY KEY ((a, b), c))');
DO $$
DECLARE
  p int;
  stmt text;
BEGIN
  FOR p IN 0..49 LOOP
    SELECT 'BEGIN UNLOGGED BATCH ' ||
           string_agg(format('INSERT INTO cqlfdw_par.comp (a, b, c, v) VALUES (%s, %L, %s, %L);',
                             p, 'p' || p, c, 'value'), ' ') ||
           ' APPLY BATCH'
      INTO stmt
      FROM generate_series(1, 20) AS c;
    PERFORM cql_fdw_execute('cass', stmt);
  END LOOP;
END $$;
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_par.empty (id int PRIMARY KEY, v text)');

CREATE FOREIGN TABLE big (id int, grp int, val bigint, label text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par', fetch_size '1000');
CREATE FOREIGN TABLE comp (a int, b text, c int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par');
CREATE FOREIGN TABLE empty (id int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par');
CREATE TABLE local_groups (grp int PRIMARY KEY, name text);
INSERT INTO local_groups VALUES (0, 'zero'), (3, 'three'), (6, 'six');

-- q read three ways: one unsplit statement, by token range, by token range
-- in parallel (plans forced); the row count and whether all are the same
CREATE FUNCTION three_ways(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  whole text;
  ranged text;
  par text;
  n bigint;
BEGIN
  SET LOCAL max_parallel_workers_per_gather = 0;
  SET LOCAL cql_fdw.token_range_scans = off;
  EXECUTE format('SELECT count(*), md5(string_agg(r::text, %L ORDER BY r::text)) FROM (%s) r', '|', q)
    INTO n, whole;
  SET LOCAL cql_fdw.token_range_scans = on;
  EXECUTE format('SELECT md5(string_agg(r::text, %L ORDER BY r::text)) FROM (%s) r', '|', q)
    INTO ranged;
  SET LOCAL max_parallel_workers_per_gather = 2;
  SET LOCAL parallel_setup_cost = 0;
  SET LOCAL parallel_tuple_cost = 0;
  SET LOCAL min_parallel_table_scan_size = 0;
  EXECUTE format('SELECT md5(string_agg(r::text, %L ORDER BY r::text)) FROM (%s) r', '|', q)
    INTO par;
  IF whole IS NOT DISTINCT FROM ranged AND whole IS NOT DISTINCT FROM par THEN
    RETURN n || ' rows, the same';
  END IF;
  RETURN format('DIFFERENT: whole %s, ranges %s, parallel %s', whole, ranged, par);
END $$;

-- the counters of the (first) foreign scan of q's EXPLAIN ANALYZE, all
-- participants added up
CREATE FUNCTION scan_counters(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
  node jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) ' || q INTO plan;
  node := jsonb_path_query_first(plan, 'strict $.**? (@."Node Type" == "Foreign Scan")');
  RETURN format('%sranges %s, pages %s, rows %s, retries %s, hosts %s',
                CASE WHEN (node->>'Parallel Aware')::bool THEN 'parallel: ' ELSE '' END,
                coalesce(node->>'CQL Ranges', 'none'), node->>'CQL Pages', node->>'CQL Rows',
                node->>'CQL Retries', node->>'CQL Hosts');
END $$;

-- ---------- token ranges, one backend ----------

-- the ring (one node, one token) in 32 ranges of about 625 rows: a page each
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM big;
SELECT count(*), sum(id), sum(val), count(DISTINCT label) FROM big;
SELECT three_ways('SELECT * FROM big');
SELECT three_ways('SELECT id, label FROM big WHERE label LIKE ''row 1%''');
SELECT three_ways('SELECT * FROM comp');
SELECT three_ways('SELECT * FROM empty');
-- the rows come in token order, as from one unsplit scan
SELECT count(*) AS rows, count(*) FILTER (WHERE a.n = b.n) AS in_token_order
  FROM (SELECT id, row_number() OVER () AS n FROM big) a
  JOIN (SELECT id, row_number() OVER (ORDER BY cql_fdw_token(int4send(id))) AS n FROM big) b USING (id);
-- a composite partition key: token("a", "b")
SELECT count(*), count(DISTINCT (a, b)), min(c), max(c) FROM comp;
-- a fetch size of 7 rows: every range pages
ALTER FOREIGN TABLE comp OPTIONS (ADD fetch_size '7');
SELECT scan_counters('SELECT * FROM comp');
SELECT three_ways('SELECT * FROM comp');
ALTER FOREIGN TABLE comp OPTIONS (DROP fetch_size);
-- the planner's own conditions (here a clustering range sent with ALLOW
-- FILTERING) and a pushed LIMIT compose with the token condition
CREATE FOREIGN TABLE comp_f (a int, b text, c int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par', table 'comp', allow_filtering 'true');
EXPLAIN (VERBOSE, COSTS OFF) SELECT a, c FROM comp_f WHERE c > 15;
SELECT scan_counters('SELECT a, c FROM comp_f WHERE c > 15');
SELECT three_ways('SELECT a, c FROM comp_f WHERE c > 15');
EXPLAIN (VERBOSE, COSTS OFF) SELECT a, c FROM comp_f WHERE c > 15 LIMIT 3;
SELECT a, c FROM comp_f WHERE c > 15 LIMIT 3;
SET cql_fdw.token_range_scans = off;
SELECT a, c FROM comp_f WHERE c > 15 LIMIT 3;
RESET cql_fdw.token_range_scans;
-- a correlated subquery rescans the scan for each outer row
SELECT g.name, (SELECT count(*) FROM big b WHERE b.grp = g.grp) AS n FROM local_groups g ORDER BY 1;
-- a cursor that stops early abandons the ranges in flight
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM big;
FETCH 3 FROM c;
CLOSE c;
COMMIT;
SELECT count(*) FROM big;
-- a pushed LIMIT goes with each range's statement, the Limit node cuts
SELECT count(*) FROM (SELECT id FROM big LIMIT 10) s;

-- ---------- ANALYZE ----------

SELECT relname, reltuples FROM pg_class WHERE relname IN ('big', 'comp', 'empty') ORDER BY 1;
ANALYZE VERBOSE big;
ANALYZE comp, empty;
SELECT relname, reltuples FROM pg_class WHERE relname IN ('big', 'comp', 'empty') ORDER BY 1;
SELECT attname, n_distinct, null_frac FROM pg_stats
 WHERE tablename = 'big' AND attname IN ('id', 'grp') ORDER BY 1;
SELECT most_common_vals FROM pg_stats WHERE tablename = 'comp' AND attname = 'v';
-- the planner's estimates come from the counts
CREATE FUNCTION plan_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan->0->'Plan'->>'Plan Rows')::float8;
END $$;
SELECT plan_rows('SELECT * FROM big'), plan_rows('SELECT * FROM big WHERE grp = 3'),
       plan_rows('SELECT * FROM comp');
-- a sample smaller than the table
SET default_statistics_target = 10;
ANALYZE big;
SELECT reltuples FROM pg_class WHERE relname = 'big';
RESET default_statistics_target;

-- ---------- parallel plans ----------

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*), sum(val) FROM big;
SELECT count(*), sum(id), sum(val), count(DISTINCT label) FROM big;
-- every participant's reads reach EXPLAIN ANALYZE, whoever read what
SELECT scan_counters('SELECT count(*), sum(val) FROM big');
SELECT scan_counters('SELECT * FROM comp');
EXPLAIN (COSTS OFF) SELECT g.name, count(*) FROM local_groups g JOIN big b ON b.grp = g.grp GROUP BY g.name;
SELECT g.name, count(*), min(b.id), max(b.id)
  FROM local_groups g JOIN big b ON b.grp = g.grp GROUP BY g.name ORDER BY g.name;
-- the workers alone
SET parallel_leader_participation = off;
SELECT count(*), sum(val) FROM big;
SELECT scan_counters('SELECT count(*) FROM big WHERE grp = 5');
RESET parallel_leader_participation;
-- a parallel scan stopped early leaves every session usable
SELECT count(*) FROM (SELECT id FROM big LIMIT 5) s;
SELECT count(*) FROM big;
-- one unsplit statement in a parallel plan: read by one participant only
SET cql_fdw.token_range_scans = off;
SELECT count(*), sum(val) FROM big;
SELECT scan_counters('SELECT count(*) FROM big');
RESET cql_fdw.token_range_scans;
-- a column that cannot hold the Cassandra type: the error of the
-- participant that reads first (and of ANALYZE)
CREATE FOREIGN TABLE comp_bad (a int, b text, c int, v int)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par', table 'comp');
ANALYZE comp_bad;
\set VERBOSITY terse
SELECT count(*) FROM comp_bad WHERE v > 0;
\set VERBOSITY default
SELECT count(*) FROM comp;
-- a cancel reaches a parallel scan's waits
ALTER FOREIGN TABLE big OPTIONS (SET fetch_size '1');
SET statement_timeout = '200ms';
SELECT count(*) FROM big;
RESET statement_timeout;
ALTER FOREIGN TABLE big OPTIONS (SET fetch_size '1000');
SELECT count(*) FROM big;

-- ---------- async Append ----------

-- async_capable tables are not parallel-safe: their Append runs async
CREATE FOREIGN TABLE big_a (id int, grp int, val bigint, label text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par', table 'big', async_capable 'true', fetch_size '500');
CREATE FOREIGN TABLE comp_a (a int, b text, c int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par', table 'comp', async_capable 'true', fetch_size '100');
CREATE FOREIGN TABLE empty_a (id int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_par', table 'empty', async_capable 'true');
ANALYZE big_a;
EXPLAIN (COSTS OFF)
SELECT id, label FROM big_a UNION ALL SELECT c, v FROM comp_a UNION ALL SELECT id, v FROM empty_a;
SELECT three_ways('SELECT id, label FROM big_a UNION ALL SELECT c, v FROM comp_a UNION ALL SELECT id, v FROM empty_a');
SELECT count(*), sum(id) FROM (SELECT id FROM big_a UNION ALL SELECT c FROM comp_a) s;
SET enable_async_append = off;
SELECT count(*), sum(id) FROM (SELECT id FROM big_a UNION ALL SELECT c FROM comp_a) s;
RESET enable_async_append;
-- two async scans of one table, with conditions checked here
SELECT count(*), sum(val) FROM (SELECT * FROM big_a WHERE grp = 1 UNION ALL SELECT * FROM big_a WHERE grp = 2) s;
SELECT count(*), sum(val) FROM big WHERE grp IN (1, 2);
-- stopped early, then again
SELECT count(*) FROM (SELECT id FROM big_a UNION ALL SELECT c FROM comp_a LIMIT 7) s;
SELECT count(*) FROM (SELECT id FROM big_a UNION ALL SELECT c FROM comp_a) s;
-- an async Append joined with a local table
SELECT g.name, count(*) FROM local_groups g
  JOIN (SELECT grp FROM big_a UNION ALL SELECT grp FROM big_a) s ON s.grp = g.grp
 GROUP BY g.name ORDER BY g.name;
-- the unsplit statement, async
SET cql_fdw.token_range_scans = off;
SELECT count(*), sum(id) FROM (SELECT id FROM big_a UNION ALL SELECT c FROM comp_a) s;
RESET cql_fdw.token_range_scans;

RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_par');
DROP TABLE local_groups;
DROP SERVER cass CASCADE;
