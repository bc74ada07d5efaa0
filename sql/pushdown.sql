--
-- Pushdown: = and IN on the whole partition key become routed
-- single-partition reads with bound values, then = and IN on a clustering
-- prefix and a range on the next clustering column; ORDER BY on clustering
-- order (or its reverse) within a partition, and LIMIT.  Everything else is
-- checked here.  Each kind of condition has its CQL pinned, and its results
-- compared with the same query run with cql_fdw.enable_pushdown off.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
-- schema changes on a busy node can take a while: a generous timeout
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port', request_timeout '60000');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_push'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_push
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

-- q's rows with pushdown on and off: the count, and whether they are the same
-- (in the same order when ordered, else as multisets)
CREATE FUNCTION both_ways(q text, ordered bool DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  pushed text[];
  local text[];
BEGIN
  SET LOCAL cql_fdw.enable_pushdown = on;
  EXECUTE format('SELECT array_agg(r::text%s) FROM (%s) r',
                 CASE WHEN ordered THEN '' ELSE ' ORDER BY r::text' END, q) INTO pushed;
  SET LOCAL cql_fdw.enable_pushdown = off;
  EXECUTE format('SELECT array_agg(r::text%s) FROM (%s) r',
                 CASE WHEN ordered THEN '' ELSE ' ORDER BY r::text' END, q) INTO local;
  SET LOCAL cql_fdw.enable_pushdown = on;
  IF pushed IS NOT DISTINCT FROM local THEN
    RETURN coalesce(cardinality(pushed), 0) || ' rows, the same';
  END IF;
  RETURN format('DIFFERENT: pushed %s, local %s', pushed, local);
END $$;

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
-- a range on the clustering column is pushed too
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

-- the same rows with pushdown off: nothing sent but the columns
SET cql_fdw.enable_pushdown = off;
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq > 3 ORDER BY seq DESC LIMIT 1;
RESET cql_fdw.enable_pushdown;
SELECT both_ways('SELECT * FROM events WHERE user_id = 7');
SELECT both_ways('SELECT kind FROM events WHERE user_id = 7 AND seq = 3');
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq > 3');
SELECT both_ways('SELECT at, v FROM readings WHERE site = ''Zürich'' AND sensor = ''5b6962dd-3f90-4c93-8f61-eabfa4a803e2''');

-- ranges on the clustering column: each operator, both bounds, either side
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq >= 2 AND seq < 5;
SELECT seq FROM events WHERE user_id = 7 AND seq >= 2 AND seq < 5 ORDER BY seq;
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND 4 >= seq;
SELECT seq FROM events WHERE user_id = 7 AND 4 >= seq ORDER BY seq;
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq >= 2 AND seq < 5');
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND 4 >= seq');
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq > 2 AND seq <= 4 AND seq <> 3');
-- a second bound on the same side is checked here
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq > 1 AND seq > 3;
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq > 1 AND seq > 3');
-- bounds no int key reaches: sent only when they fit the column's type
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq > 4::bigint;
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq < 9999999999::bigint;
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq < 9999999999::bigint');
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq > -9999999999::bigint');
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND seq > NULL::int');
-- a parameter of the column's type is bound as the range
PREPARE seq_after(int, int) AS SELECT seq FROM events WHERE user_id = $1 AND seq > $2;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE seq_after(7, 3);
EXECUTE seq_after(7, 3);
EXECUTE seq_after(7, NULL);
DEALLOCATE seq_after;

-- IN on the partition key: one routed read per distinct value
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id, seq FROM events WHERE user_id IN (3, 7, 7, 12345) AND seq = 1;
SELECT user_id, seq FROM events WHERE user_id IN (3, 7, 7, 12345) AND seq = 1 ORDER BY 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT user_id, seq FROM events WHERE user_id IN (3, 7, 7, 12345) AND seq = 1;
SELECT both_ways('SELECT user_id, seq FROM events WHERE user_id IN (3, 7, 7, 12345) AND seq = 1');
-- nulls and values no int key can have are left out; none left: no read
SELECT both_ways('SELECT user_id, seq FROM events WHERE user_id = ANY(ARRAY[5, NULL, 9999999999]::bigint[])');
SELECT both_ways('SELECT user_id FROM events WHERE user_id = ANY(''{}''::int[])');
SELECT both_ways('SELECT user_id FROM events WHERE user_id = ANY(NULL::int[])');
-- IN on the clustering column, and on both
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id, seq FROM events WHERE user_id IN (1, 2) AND seq IN (2, 4, 6);
SELECT both_ways('SELECT user_id, seq FROM events WHERE user_id IN (1, 2) AND seq IN (2, 4, 6)');
-- IN and a range on the clustering column
SELECT both_ways('SELECT user_id, seq FROM events WHERE user_id IN (1, 2) AND seq > 3');
-- an array parameter
PREPARE by_users(int[]) AS SELECT user_id, count(*) FROM events WHERE user_id = ANY($1) GROUP BY 1 ORDER BY 1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_users('{4, 5}');
EXECUTE by_users('{4, 5, 4, 99, NULL}');
EXECUTE by_users('{}');
DEALLOCATE by_users;
-- <> ALL and < ANY are no CQL conditions
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM events WHERE user_id <> ALL('{1, 2}');
SELECT both_ways('SELECT user_id FROM events WHERE user_id <> ALL(''{1, 2}'')');
-- IN on a composite partition key: every combination
EXPLAIN (VERBOSE, COSTS OFF)
SELECT site, at, v FROM readings WHERE site IN ('Zürich', 'Oslo') AND sensor IN ('5b6962dd-3f90-4c93-8f61-eabfa4a803e2', '00000000-0000-0000-0000-000000000001');
SELECT both_ways($$SELECT site, at, v FROM readings WHERE site IN ('Zürich', 'Oslo') AND sensor IN ('5b6962dd-3f90-4c93-8f61-eabfa4a803e2', '00000000-0000-0000-0000-000000000001')$$);

-- ORDER BY within a partition: clustering order or its full reverse
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 ORDER BY seq;
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 ORDER BY seq DESC;
SELECT seq FROM events WHERE user_id = 7 ORDER BY seq DESC;
SELECT both_ways('SELECT seq, kind FROM events WHERE user_id = 7 ORDER BY seq DESC', true);
-- not with IN on the partition key (the parts are not merged), nor without the key
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id IN (1, 2) ORDER BY seq;
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events ORDER BY seq;

-- LIMIT (plus OFFSET) when nothing is left to check here
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 ORDER BY seq DESC LIMIT 2;
SELECT seq FROM events WHERE user_id = 7 ORDER BY seq DESC LIMIT 2;
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND seq > 1 LIMIT 2 OFFSET 1;
SELECT seq FROM events WHERE user_id = 7 AND seq > 1 ORDER BY seq LIMIT 2 OFFSET 1;
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 ORDER BY seq DESC LIMIT 2 OFFSET 1', true);
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 ORDER BY seq LIMIT 0', true);
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 ORDER BY seq LIMIT ALL', true);
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 ORDER BY seq LIMIT NULL OFFSET 3', true);
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 ORDER BY seq LIMIT 9223372036854775807 OFFSET 2', true);
-- a LIMIT on a whole-table read, and on IN (each read gets it)
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id FROM events LIMIT 7;
SELECT count(*) FROM (SELECT user_id FROM events LIMIT 7) s;
SELECT count(*) FROM (SELECT user_id FROM events WHERE user_id IN (1, 2, 3) LIMIT 4) s;
-- a parameter
PREPARE firsts(int, bigint) AS SELECT seq FROM events WHERE user_id = $1 ORDER BY seq DESC LIMIT $2;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE firsts(7, 3);
EXECUTE firsts(7, 3);
EXECUTE firsts(7, NULL);
EXECUTE firsts(7, -1);
DEALLOCATE firsts;
-- not when something is checked here, nor under a sort, an aggregate or a join
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 AND kind = 'odd' LIMIT 1;
SELECT both_ways('SELECT seq FROM events WHERE user_id = 7 AND kind = ''odd'' ORDER BY seq LIMIT 1', true);
EXPLAIN (VERBOSE, COSTS OFF) SELECT seq FROM events WHERE user_id = 7 ORDER BY kind LIMIT 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT kind, count(*) FROM events WHERE user_id = 7 GROUP BY kind LIMIT 1;

-- clustering order DESC, a date, timeuuid and text clustering columns
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_push.timeline (acct text, day date, at int, id timeuuid, note text,
  PRIMARY KEY ((acct), day, at, id)) WITH CLUSTERING ORDER BY (day DESC, at ASC, id ASC)$$);
SELECT cql_fdw_execute('cass', $$BEGIN UNLOGGED BATCH
  INSERT INTO cqlfdw_push.timeline (acct, day, at, id, note) VALUES ('a', '2024-01-01', 1, 50554d6e-29bb-11e5-b345-feff819cdc9f, 'x');
  INSERT INTO cqlfdw_push.timeline (acct, day, at, id, note) VALUES ('a', '2024-01-01', 2, 00000000-0000-1000-8000-000000000000, 'y');
  INSERT INTO cqlfdw_push.timeline (acct, day, at, id, note) VALUES ('a', '2024-01-02', 1, 00000000-0000-1000-8000-000000000001, 'z');
  INSERT INTO cqlfdw_push.timeline (acct, day, at, id, note) VALUES ('a', '2024-01-03', 1, ffffffff-ffff-1fff-bfff-ffffffffffff, 'w');
  INSERT INTO cqlfdw_push.timeline (acct, day, at, id, note) VALUES ('a', '2024-01-03', 2, 50554d6e-29bb-11e5-b345-feff819cdc9f, 'v');
  INSERT INTO cqlfdw_push.timeline (acct, day, at, id, note) VALUES ('b', '2024-01-01', 1, 50554d6e-29bb-11e5-b345-feff819cdc9f, 'u');
APPLY BATCH$$);
CREATE FOREIGN TABLE timeline (acct text, day date, at int, id uuid, note text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_push');
-- the stored order is day DESC, at ASC: that order and its reverse are
-- pushed (the first sort column in two reads for its empty values, a later
-- one only with NULLs where Cassandra puts them: first in ascending order)
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, at FROM timeline WHERE acct = 'a' ORDER BY day DESC, at NULLS FIRST;
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, at FROM timeline WHERE acct = 'a' ORDER BY day, at DESC NULLS LAST;
SELECT day, at FROM timeline WHERE acct = 'a' ORDER BY day, at DESC NULLS LAST;
SELECT both_ways('SELECT day, at, note FROM timeline WHERE acct = ''a'' ORDER BY day DESC, at NULLS FIRST', true);
SELECT both_ways('SELECT day, at, note FROM timeline WHERE acct = ''a'' ORDER BY day, at DESC NULLS LAST, id DESC', true);
-- with PostgreSQL's default NULLs order the second column is sorted here
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, at FROM timeline WHERE acct = 'a' ORDER BY day DESC, at;
SELECT both_ways('SELECT day, at, note FROM timeline WHERE acct = ''a'' ORDER BY day DESC, at', true);
-- a mix of the two is sorted here
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, at FROM timeline WHERE acct = 'a' ORDER BY day, at;
SELECT both_ways('SELECT day, at FROM timeline WHERE acct = ''a'' ORDER BY day, at', true);
-- the day fixed: ORDER BY the next column
EXPLAIN (VERBOSE, COSTS OFF) SELECT at FROM timeline WHERE acct = 'a' AND day = '2024-01-03' ORDER BY at DESC;
SELECT both_ways('SELECT at FROM timeline WHERE acct = ''a'' AND day = ''2024-01-03'' ORDER BY at DESC', true);
-- but not skipping a column that is not fixed
EXPLAIN (VERBOSE, COSTS OFF) SELECT at FROM timeline WHERE acct = 'a' ORDER BY at;
-- date ranges; an infinite bound is no date Cassandra has: checked here
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, at FROM timeline WHERE acct = 'a' AND day >= '2024-01-02';
SELECT both_ways('SELECT day, at FROM timeline WHERE acct = ''a'' AND day >= ''2024-01-02''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, at FROM timeline WHERE acct = 'a' AND day < 'infinity';
SELECT both_ways('SELECT day, at FROM timeline WHERE acct = ''a'' AND day < ''infinity''');
-- a date compared with a timestamp is not sent
EXPLAIN (VERBOSE, COSTS OFF) SELECT at FROM timeline WHERE acct = 'a' AND day = '2024-01-03 00:00'::timestamp;
SELECT both_ways('SELECT at FROM timeline WHERE acct = ''a'' AND day = ''2024-01-03 00:00''::timestamp');
-- timeuuid: = is sent, a range is not (Cassandra orders it by time)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT note FROM timeline WHERE acct = 'a' AND day = '2024-01-01' AND at = 1 AND id = '50554d6e-29bb-11e5-b345-feff819cdc9f';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT note FROM timeline WHERE acct = 'a' AND day = '2024-01-03' AND at = 1 AND id > '00000000-0000-1000-8000-000000000000';
SELECT both_ways($$SELECT note FROM timeline WHERE acct = 'a' AND day = '2024-01-03' AND at = 1 AND id > '00000000-0000-1000-8000-000000000000'$$);
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM timeline WHERE acct = 'a' AND day = '2024-01-01' AND at = 1 ORDER BY id;

-- text: ranges and ORDER BY only under the "C" collation (bytes, as Cassandra)
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_push.words (k int, w text, PRIMARY KEY (k, w))');
SELECT cql_fdw_execute('cass', $$BEGIN UNLOGGED BATCH
  INSERT INTO cqlfdw_push.words (k, w) VALUES (1, 'apple');
  INSERT INTO cqlfdw_push.words (k, w) VALUES (1, 'Banana');
  INSERT INTO cqlfdw_push.words (k, w) VALUES (1, 'cherry');
  INSERT INTO cqlfdw_push.words (k, w) VALUES (1, 'Édam');
  INSERT INTO cqlfdw_push.words (k, w) VALUES (1, 'zebra');
APPLY BATCH$$);
CREATE FOREIGN TABLE words (k int, w text) SERVER cass OPTIONS (keyspace 'cqlfdw_push');
EXPLAIN (VERBOSE, COSTS OFF) SELECT w FROM words WHERE k = 1 AND w > 'b';
EXPLAIN (VERBOSE, COSTS OFF) SELECT w FROM words WHERE k = 1 AND w > 'b' COLLATE "C";
SELECT w FROM words WHERE k = 1 AND w > 'b' COLLATE "C" ORDER BY w COLLATE "C";
SELECT both_ways('SELECT w FROM words WHERE k = 1 AND w > ''b'' COLLATE "C"');
SELECT both_ways('SELECT w FROM words WHERE k = 1 AND w > ''b''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT w FROM words WHERE k = 1 ORDER BY w COLLATE "C" DESC;
SELECT both_ways('SELECT w FROM words WHERE k = 1 ORDER BY w COLLATE "C" DESC', true);
EXPLAIN (VERBOSE, COSTS OFF) SELECT w FROM words WHERE k = 1 ORDER BY w;
SELECT both_ways('SELECT w FROM words WHERE k = 1 ORDER BY w', true);

-- Cassandra can store an empty value in an int clustering column (read as
-- NULL here) and sorts it before every value: an upper bound alone is sent
-- with a lower bound at the type's minimum, which leaves it out as NULL is
-- left out; ORDER BY reads the values and the empty values in two reads,
-- in the order NULLs are asked for
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_push.emptyck (k int, c int, v text, PRIMARY KEY (k, c))');
SELECT cql_fdw_execute('cass', $$BEGIN UNLOGGED BATCH
  INSERT INTO cqlfdw_push.emptyck (k, c, v) VALUES (1, blobAsInt(0x), 'empty');
  INSERT INTO cqlfdw_push.emptyck (k, c, v) VALUES (1, -2147483648, 'min');
  INSERT INTO cqlfdw_push.emptyck (k, c, v) VALUES (1, -5, 'minus five');
  INSERT INTO cqlfdw_push.emptyck (k, c, v) VALUES (1, 5, 'five');
  INSERT INTO cqlfdw_push.emptyck (k, c, v) VALUES (1, 2147483647, 'max');
APPLY BATCH$$);
CREATE FOREIGN TABLE emptyck (k int, c int, v text) SERVER cass OPTIONS (keyspace 'cqlfdw_push');
SELECT c, v FROM emptyck WHERE k = 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT c FROM emptyck WHERE k = 1 AND c < 3;
SELECT c, v FROM emptyck WHERE k = 1 AND c < 3 ORDER BY c;
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 AND c < 3');
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 AND c <= -2147483648');
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 AND c > -2147483648');
EXPLAIN (VERBOSE, COSTS OFF) SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c;
SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c;
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c', true);
EXPLAIN (VERBOSE, COSTS OFF) SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c DESC LIMIT 2;
SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c DESC LIMIT 2;
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c DESC', true);
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c DESC LIMIT 3', true);
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c NULLS FIRST', true);
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c DESC NULLS LAST LIMIT 2', true);
-- where NULLs come where Cassandra puts empty values: one read
EXPLAIN (VERBOSE, COSTS OFF) SELECT c, v FROM emptyck WHERE k = 1 ORDER BY c NULLS FIRST;
-- a range leaves them out: one read
EXPLAIN (VERBOSE, COSTS OFF) SELECT c, v FROM emptyck WHERE k = 1 AND c < 100 ORDER BY c DESC;
SELECT both_ways('SELECT c, v FROM emptyck WHERE k = 1 AND c < 100 ORDER BY c DESC', true);

-- timestamps: Cassandra keeps milliseconds, PostgreSQL microseconds.  A
-- value with microseconds equals no stored one (no read); a range bound is
-- rounded the way that keeps the same rows
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_push.ticks (s text, at timestamp, v int, PRIMARY KEY (s, at)) WITH CLUSTERING ORDER BY (at DESC)');
SELECT cql_fdw_execute('cass', $$BEGIN UNLOGGED BATCH
  INSERT INTO cqlfdw_push.ticks (s, at, v) VALUES ('x', '2024-05-01 10:00:00.001+0000', 1);
  INSERT INTO cqlfdw_push.ticks (s, at, v) VALUES ('x', '2024-05-01 10:00:00.002+0000', 2);
  INSERT INTO cqlfdw_push.ticks (s, at, v) VALUES ('x', '2024-05-01 10:00:00.003+0000', 3);
  INSERT INTO cqlfdw_push.ticks (s, at, v) VALUES ('x', '1969-12-31 23:59:59.999+0000', -1);
  INSERT INTO cqlfdw_push.ticks (s, at, v) VALUES ('x', blobAsTimestamp(0x), 0);
APPLY BATCH$$);
CREATE FOREIGN TABLE ticks (s text, at timestamptz, v int) SERVER cass OPTIONS (keyspace 'cqlfdw_push');
EXPLAIN (VERBOSE, COSTS OFF) SELECT v FROM ticks WHERE s = 'x' AND at = '2024-05-01 10:00:00.002+00';
SELECT v FROM ticks WHERE s = 'x' AND at = '2024-05-01 10:00:00.002+00';
SELECT both_ways('SELECT v FROM ticks WHERE s = ''x'' AND at = ''2024-05-01 10:00:00.0025+00''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT v FROM ticks WHERE s = 'x' AND at > '2024-05-01 10:00:00.0015+00';
SELECT op, t, both_ways(format('SELECT v FROM ticks WHERE s = %L AND at %s %L', 'x', op, t))
  FROM unnest(ARRAY['>', '>=', '<', '<=']) AS op,
       unnest(ARRAY['2024-05-01 10:00:00.0015+00', '2024-05-01 10:00:00.002+00',
                    '2024-05-01 10:00:00.0025+00', '1969-12-31 23:59:59.9995+00',
                    '1969-12-31 23:59:59.999+00']) AS t
 ORDER BY 1, 2;
-- ORDER BY, the empty value read as NULL where it is asked for
EXPLAIN (VERBOSE, COSTS OFF) SELECT at, v FROM ticks WHERE s = 'x' ORDER BY at DESC LIMIT 2;
SELECT v FROM ticks WHERE s = 'x' ORDER BY at DESC LIMIT 2;
SELECT both_ways('SELECT at, v FROM ticks WHERE s = ''x'' ORDER BY at DESC LIMIT 2', true);
SELECT both_ways('SELECT at, v FROM ticks WHERE s = ''x'' ORDER BY at', true);
SELECT both_ways('SELECT at, v FROM ticks WHERE s = ''x'' AND at < ''2024-05-01 10:00:00.0025+00'' ORDER BY at DESC', true);
-- not an infinite bound, nor a timestamp without time zone (its meaning
-- depends on TimeZone)
EXPLAIN (VERBOSE, COSTS OFF) SELECT v FROM ticks WHERE s = 'x' AND at < 'infinity';
EXPLAIN (VERBOSE, COSTS OFF) SELECT v FROM ticks WHERE s = 'x' AND at = '2024-05-01 10:00:00.002'::timestamp;
SELECT both_ways('SELECT v FROM ticks WHERE s = ''x'' AND at = ''2024-05-01 10:00:00.002''::timestamp');

-- without the partition key, clustering conditions go only where the table
-- allows filtering, and then with ALLOW FILTERING
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id FROM events WHERE seq = 3;
ALTER FOREIGN TABLE events OPTIONS (ADD allow_filtering 'true');
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id FROM events WHERE seq = 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id FROM events WHERE seq >= 4 LIMIT 5;
SELECT both_ways('SELECT user_id, seq FROM events WHERE seq = 3');
SELECT both_ways('SELECT user_id, seq FROM events WHERE seq >= 4');
-- IN without the partition key would scan the table once per value: not sent
EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id FROM events WHERE seq IN (1, 2);
ALTER FOREIGN TABLE events OPTIONS (DROP allow_filtering);

-- a foreign table written by hand, with other names for the columns, gets
-- the same pushdown as the keys come from the server
CREATE FOREIGN TABLE events_renamed (who int OPTIONS (column_name 'user_id'),
                                     n int OPTIONS (column_name 'seq'))
  SERVER cass OPTIONS (keyspace 'cqlfdw_push', table 'events');
EXPLAIN (VERBOSE, COSTS OFF) SELECT n FROM events_renamed WHERE who = 3 AND n > 2 ORDER BY n DESC LIMIT 1;
SELECT n FROM events_renamed WHERE who = 3 AND n > 2 ORDER BY n DESC LIMIT 1;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_push');
DROP TABLE vip;
DROP COLLATION case_insensitive;
DROP FUNCTION both_ways;
DROP SERVER cass CASCADE;
