--
-- Pushdown: equality on the whole partition key (and a clustering prefix)
-- becomes a routed single-partition read with bound values; joins with
-- PostgreSQL tables become one lookup per outer row.  Results are the same
-- whether a condition is pushed or not.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_push'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_push
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

-- a single-column partition key and a clustering column
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_push.events (user_id int, seq int, kind text, PRIMARY KEY (user_id, seq))');
DO $$
DECLARE
  stmt text;
BEGIN
  SELECT 'BEGIN UNLOGGED BATCH ' ||
         string_agg(format('INSERT INTO cqlfdw_push.events (user_id, seq, kind) VALUES (%s, %s, %L);',
                           u, q, CASE WHEN q % 2 = 0 THEN 'even' ELSE 'odd' END), ' ') ||
         ' APPLY BATCH'
    INTO stmt
    FROM generate_series(1, 20) AS u, generate_series(1, 5) AS q;
  PERFORM cql_fdw_execute('cass', stmt);
END $$;
CREATE FOREIGN TABLE events (user_id int, seq int, kind text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_push');

EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM events WHERE user_id = 7;
SELECT * FROM events WHERE user_id = 7 ORDER BY seq;
EXPLAIN (VERBOSE, COSTS OFF) SELECT kind FROM events WHERE user_id = 7 AND seq = 3;
SELECT kind FROM events WHERE user_id = 7 AND seq = 3;
-- the same rows when nothing is pushed (the key compared through an expression)
SELECT * FROM events WHERE user_id + 0 = 7 ORDER BY seq;
-- a range on the clustering column is checked here, the key still pushed
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq > 3;
SELECT seq FROM events WHERE user_id = 7 AND seq > 3 ORDER BY seq;
-- no partition key: a full scan, filtered here
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM events WHERE seq = 3;
SELECT count(*) FROM events WHERE seq = 3;
-- a bigint constant, a null, a value no int key can have
SELECT count(*) FROM events WHERE user_id = 7::bigint;
SELECT count(*) FROM events WHERE user_id = NULL::int;
SELECT count(*) FROM events WHERE user_id = 9999999999::bigint;
-- a partition that does not exist
SELECT count(*) FROM events WHERE user_id = 12345;
-- a parameter of a prepared statement: one plan, executed with each value
PREPARE by_user(int) AS SELECT count(*), min(seq), max(seq) FROM events WHERE user_id = $1;
EXECUTE by_user(1);
EXECUTE by_user(20);
EXECUTE by_user(21);
DEALLOCATE by_user;

-- a composite partition key with text and uuid parts
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_push.readings (site text, sensor uuid, at int, v int, PRIMARY KEY ((site, sensor), at))');
SELECT cql_fdw_execute('cass', $$BEGIN UNLOGGED BATCH
  INSERT INTO cqlfdw_push.readings (site, sensor, at, v) VALUES ('Zürich', 5b6962dd-3f90-4c93-8f61-eabfa4a803e2, 1, 10);
  INSERT INTO cqlfdw_push.readings (site, sensor, at, v) VALUES ('Zürich', 5b6962dd-3f90-4c93-8f61-eabfa4a803e2, 2, 20);
  INSERT INTO cqlfdw_push.readings (site, sensor, at, v) VALUES ('Zürich', 00000000-0000-0000-0000-000000000001, 1, 30);
  INSERT INTO cqlfdw_push.readings (site, sensor, at, v) VALUES ('Oslo', 5b6962dd-3f90-4c93-8f61-eabfa4a803e2, 1, 40);
APPLY BATCH$$);
CREATE FOREIGN TABLE readings (site text, sensor uuid, at int, v int)
  SERVER cass OPTIONS (keyspace 'cqlfdw_push');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT at, v FROM readings WHERE site = 'Zürich' AND sensor = '5b6962dd-3f90-4c93-8f61-eabfa4a803e2';
SELECT at, v FROM readings WHERE site = 'Zürich' AND sensor = '5b6962dd-3f90-4c93-8f61-eabfa4a803e2' ORDER BY at;
-- half the partition key is not enough
EXPLAIN (VERBOSE, COSTS OFF) SELECT v FROM readings WHERE site = 'Zürich';
SELECT v FROM readings WHERE site = 'Zürich' ORDER BY v;
-- a non-deterministic collation compares differently: not pushed
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT v FROM readings WHERE site = 'zürich' COLLATE case_insensitive AND sensor = '5b6962dd-3f90-4c93-8f61-eabfa4a803e2';
SELECT v FROM readings WHERE site = 'zürich' COLLATE case_insensitive AND sensor = '5b6962dd-3f90-4c93-8f61-eabfa4a803e2' ORDER BY v;

-- a join with a PostgreSQL table: one routed lookup per outer row
CREATE TABLE vip (user_id int PRIMARY KEY, name text);
INSERT INTO vip VALUES (3, 'three'), (7, 'seven'), (42, 'absent');
ANALYZE vip;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT v.name, e.seq FROM vip v JOIN events e ON e.user_id = v.user_id WHERE e.seq <= 2;
SELECT v.name, e.seq FROM vip v JOIN events e ON e.user_id = v.user_id WHERE e.seq <= 2 ORDER BY 1, 2;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT v.name, e.seq FROM vip v JOIN events e ON e.user_id = v.user_id WHERE e.seq <= 2;
-- the same answer from a plan that scans the whole table once
SET enable_nestloop = off;
SELECT v.name, e.seq FROM vip v JOIN events e ON e.user_id = v.user_id WHERE e.seq <= 2 ORDER BY 1, 2;
RESET enable_nestloop;
-- a key expression of the outer row
SELECT v.name, count(*) FROM vip v JOIN events e ON e.user_id = v.user_id * 2 GROUP BY 1 ORDER BY 1;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_push');
DROP TABLE vip;
DROP COLLATION case_insensitive;
DROP SERVER cass CASCADE;
