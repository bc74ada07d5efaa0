--
-- Writes: INSERT, COPY, UPDATE, DELETE, TRUNCATE.  Values are read back
-- through cql_fdw and checked by the server itself (a filtered SELECT with
-- CQL literals, whose row count cql_fdw_execute returns).
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_write');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_write_rf3');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_write_mid');
END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_write
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SET timezone = 'UTC';
-- this suite is about writes: its reads stay in one process
SET max_parallel_workers_per_gather = 0;
-- show command tags: the row counts are part of what is tested
\set QUIET off

-- every scalar type, collections, a tuple, a UDT, a vector
SELECT cql_fdw_execute('cass', 'CREATE TYPE cqlfdw_write.addr (street text, zip int)');
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_write.alltypes (
  k int PRIMARY KEY, a ascii, t text, vc varchar, ti tinyint, si smallint,
  i int, bi bigint, vi varint, de decimal, f float, d double, b boolean,
  bl blob, u uuid, tu timeuuid, ip inet, dt date, tm time, ts timestamp,
  du duration, li list<int>, se set<text>, ma map<text, int>,
  tp tuple<int, text>, ve vector<float, 3>, fl frozen<list<int>>,
  ud frozen<addr>, ne map<text, frozen<list<int>>>)$$);
CREATE FOREIGN TABLE alltypes (
  k int, a text, t text, vc text, ti smallint, si smallint, i int, bi bigint,
  vi numeric, de numeric, f real, d float8, b boolean, bl bytea, u uuid,
  tu uuid, ip inet, dt date, tm time, ts timestamptz, du interval,
  li int[], se text[], ma jsonb, tp jsonb, ve real[], fl int[], ud jsonb,
  ne jsonb)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write');
CREATE TABLE src (LIKE alltypes);
INSERT INTO src VALUES
  (1, 'ascii', 'ünïcödé ✓', 'varchar', -128, 32767, -2147483648,
   9223372036854775807, 123456789012345678901234567890, -1.50, 1.5,
   -2.25e-300, true, '\xcafe00', '5b6962dd-3f90-4c93-8f61-eabfa4a803e2',
   'd2177dd0-eaa2-11de-a572-001b779c76e3', '10.1.2.3', '2024-02-29',
   '12:34:56.789012', '2024-01-02 03:04:05.678+00',
   '1 mon 2 days 03:04:05.006007', '{3,1,2}', '{a,b}', '{"x": 1, "y": 2}',
   '[7, "seven"]', '{1.5,-2.25,3}', '{4,5}', '{"street": "Main", "zip": 123}',
   '{"p": [1, 2], "q": []}'),
  (2, '', '', NULL, 0, 0, 0, 0, 0, 0.000123, 'NaN', '-Infinity', false,
   '\x', '00000000-0000-0000-0000-000000000000',
   'd2177dd0-eaa2-11de-a572-001b779c76e3', '::1', '1970-01-01', '00:00',
   '1969-12-31 23:59:59.999+00', '-1 day -00:00:01', '{0}', '{""}', '{"": 0}',
   '[1, null]', '{0,0,0}', '{}', '{"street": null, "zip": 1}', '{"": []}'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL);
INSERT INTO alltypes SELECT * FROM src WHERE k = 1;
-- COPY takes the same road, row by row
COPY src TO '/tmp/cqlfdw_write_src.csv' (FORMAT csv);
COPY alltypes FROM '/tmp/cqlfdw_write_src.csv' (FORMAT csv) WHERE k > 1;
\x on
SELECT * FROM alltypes ORDER BY k;
\x off
-- read back exactly: nothing differs from the source
SELECT k FROM (SELECT * FROM alltypes EXCEPT SELECT * FROM src) d;
SELECT k FROM (SELECT * FROM src EXCEPT SELECT * FROM alltypes) d;
-- the server's own view of what was written
SELECT cql_fdw_execute('cass', $$SELECT k FROM cqlfdw_write.alltypes WHERE k = 1
  AND a = 'ascii' AND t = 'ünïcödé ✓' AND vc = 'varchar' AND ti = -128
  AND si = 32767 AND i = -2147483648 AND bi = 9223372036854775807
  AND vi = 123456789012345678901234567890 AND de = -1.50 AND f = 1.5
  AND d = -2.25e-300 AND b = true AND bl = 0xcafe00
  AND u = 5b6962dd-3f90-4c93-8f61-eabfa4a803e2
  AND tu = d2177dd0-eaa2-11de-a572-001b779c76e3 AND ip = '10.1.2.3'
  AND dt = '2024-02-29' AND tm = '12:34:56.789012'
  AND ts = '2024-01-02 03:04:05.678+0000'
  AND li CONTAINS 3 AND se CONTAINS 'a' AND ma['y'] = 2
  AND tp = (7, 'seven') AND fl = [4, 5] AND ud = {street: 'Main', zip: 123}
  ALLOW FILTERING$$);
SELECT cql_fdw_execute('cass', $$SELECT k FROM cqlfdw_write.alltypes WHERE k = 2
  AND a = '' AND t = '' AND bl = 0x AND ip = '::1' AND dt = '1970-01-01'
  AND tm = '00:00:00' AND ts = '1969-12-31 23:59:59.999+0000' AND de = 0.000123
  AND tp = (1, null) AND ud = {zip: 1} ALLOW FILTERING$$);
-- edge values, written and read back
CREATE TABLE edges (LIKE alltypes);
INSERT INTO edges (k, vi, de, f, d, dt, tm, ts, du, bi, ti, si) VALUES
  (20, -123456789012345678901234567890123, 123000, '-Infinity', 'NaN',
   '4713-01-01 BC', '23:59:59.999999', '0044-03-15 12:00:00.001+00 BC',
   '-178000000 years -3 days', -9223372036854775808, 127, -32768),
  (21, 18446744073709551616, 1e-20, 3.4028235e38, 1.7976931348623157e308,
   '5874897-12-31', '00:00:00.000001', '294276-12-31 23:59:59.999+00',
   '1 microsecond', 1, -1, 1),
  (22, -1, -0.00000000000000000001, '-0', '-0', '2000-01-01', '12:00',
   '2000-01-01 00:00:00+00', '0', 0, 0, 0);
INSERT INTO alltypes SELECT * FROM edges;
SELECT k, vi, de, f, d, dt, tm, ts, du FROM alltypes WHERE k IN (20, 21, 22) ORDER BY k;
SELECT k FROM (SELECT * FROM alltypes WHERE k IN (20, 21, 22) EXCEPT SELECT * FROM edges) d;
SELECT cql_fdw_execute('cass', $$SELECT k FROM cqlfdw_write.alltypes WHERE k = 21
  AND vi = 18446744073709551616 AND de = 1e-20 AND ts = 9224318015999999 ALLOW FILTERING$$);
DROP TABLE edges;
-- an empty collection that is not frozen is no value at all in Cassandra:
-- it reads back as NULL (a frozen one stays empty)
INSERT INTO alltypes (k, li, se, ma, fl) VALUES (5, '{}', '{}', '{}', '{}');
SELECT k, li, se, ma, fl FROM alltypes WHERE k = 5;
-- unmentioned columns are not written (no tombstone), NULL is
INSERT INTO alltypes (k, t) VALUES (6, 'six');
INSERT INTO alltypes (k, vc) VALUES (6, 'vc');
INSERT INTO alltypes (k, t, vc) VALUES (7, 'seven', 'vc');
INSERT INTO alltypes (k, t, vc) VALUES (7, NULL, 'vc');
SELECT k, t, vc FROM alltypes WHERE k IN (6, 7) ORDER BY k;

-- other PostgreSQL types for the same CQL types, through their text
CREATE FOREIGN TABLE alltypes_text (k bigint, u text, ts timestamp, vi int8,
  li bigint[], ma json, tp text, ve float8[])
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'alltypes');
INSERT INTO alltypes_text VALUES (4, '5b6962dd-3f90-4c93-8f61-eabfa4a803e2',
  '2001-02-03 04:05:06.789', 42, '{1,2}', '{"z": 26}', '[1, "one"]', '{1,2,3}');
SELECT k, u, ts, vi, li, ma, tp, ve FROM alltypes WHERE k = 4;
-- char(n), a domain, an enum, composite types for a tuple and a UDT
CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 10);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE pair AS (n int, s text);
CREATE TYPE address AS (street text, zip int);
CREATE FOREIGN TABLE alltypes_more (k int, vc char(6), t short_text, a mood,
  tp pair, ud address)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'alltypes');
INSERT INTO alltypes_more VALUES (8, 'ab', 'domain', 'happy', (3, 'three'), ('Elm', 42)),
  (9, NULL, NULL, NULL, (NULL, 'x'), (NULL, NULL));
SELECT k, vc, length(vc), t, a, tp, ud FROM alltypes WHERE k IN (8, 9) ORDER BY k;
INSERT INTO alltypes_more (k, t) VALUES (10, 'much too long');

-- values that do not fit are refused before anything of the row is sent
INSERT INTO alltypes (k, ti) VALUES (10, 300);
INSERT INTO alltypes (k, a) VALUES (10, 'né');
INSERT INTO alltypes (k, ts) VALUES (10, '2024-01-01 00:00:00.0001+00');
INSERT INTO alltypes (k, ts) VALUES (10, 'infinity');
INSERT INTO alltypes (k, tu) VALUES (10, '5b6962dd-3f90-4c93-8f61-eabfa4a803e2');
INSERT INTO alltypes (k, ip) VALUES (10, '10.0.0.0/8');
INSERT INTO alltypes (k, du) VALUES (10, '1 mon -1 day');
INSERT INTO alltypes (k, vi) VALUES (10, 1.5);
INSERT INTO alltypes (k, de) VALUES (10, 'NaN');
INSERT INTO alltypes (k, li) VALUES (10, '{1,NULL}');
INSERT INTO alltypes (k, li) VALUES (10, '{{1,2},{3,4}}');
INSERT INTO alltypes (k, ve) VALUES (10, '{1,2}');
INSERT INTO alltypes (k, ma) VALUES (10, '[1, 2]');
INSERT INTO alltypes (k, ma) VALUES (10, '{"a": "not a number"}');
INSERT INTO alltypes (k, ud) VALUES (10, '{"street": "x", "city": "y"}');
INSERT INTO alltypes (k, tp) VALUES (10, '[1, "a", 3]');
INSERT INTO alltypes_text (k, u) VALUES (10, 'not a uuid');
INSERT INTO alltypes_text (k) VALUES (10000000000);
INSERT INTO alltypes (k, t) VALUES (NULL, 'no key');
-- too large: a key over 64 KiB, a row over the 16 MiB request limit
INSERT INTO alltypes_text (k, u) VALUES (10, NULL);
CREATE FOREIGN TABLE ttl_bykey (k text, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'bykey');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.bykey (k text PRIMARY KEY, v text)');
INSERT INTO ttl_bykey VALUES (repeat('x', 65536), 'too long a key');
INSERT INTO ttl_bykey VALUES (repeat('x', 65535), 'longest key');
INSERT INTO ttl_bykey VALUES ('big', repeat('y', 17 * 1024 * 1024));
SELECT length(k), v FROM ttl_bykey;
-- a bad row in the middle: the rows before it were written, nothing of it
INSERT INTO alltypes (k, ti) VALUES (11, 1), (12, 1000), (13, 1);
SELECT k, ti FROM alltypes WHERE k IN (10, 11, 12, 13) ORDER BY k;

-- composite partition key, clustering columns, static column
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_write.events (
  tenant text, day date, seq int, sub int, body text, owner text static,
  PRIMARY KEY ((tenant, day), seq, sub))$$);
CREATE FOREIGN TABLE events (tenant text, day date, seq int, sub int,
  body text, owner text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write');
INSERT INTO events
  SELECT t, '2024-05-01'::date + d, s, u, format('%s/%s/%s/%s', t, d, s, u), 'own-' || t
  FROM unnest(ARRAY['a', 'b']) t, generate_series(0, 1) d,
       generate_series(1, 4) s, generate_series(1, 2) u;
SELECT count(*), count(DISTINCT (tenant, day)) FROM events;
SELECT * FROM events WHERE tenant = 'a' AND day = '2024-05-01' ORDER BY seq, sub LIMIT 3;
-- a missing key column is refused
CREATE FOREIGN TABLE events_nokey (tenant text, day date, seq int, body text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'events');
INSERT INTO events_nokey VALUES ('a', '2024-05-01', 1, 'x');
DELETE FROM events_nokey;

-- UPDATE changes only rows that exist, and counts them
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE events SET body = 'changed' WHERE tenant = 'a' AND day = '2024-05-01' AND seq = 2;
UPDATE events SET body = 'changed' WHERE tenant = 'a' AND day = '2024-05-01' AND seq = 2;
UPDATE events SET body = 'ghost' WHERE tenant = 'zzz' AND day = '2024-05-01';
UPDATE events SET body = 'ghost' WHERE tenant = 'a' AND day = '2024-05-01' AND seq = 99;
SELECT count(*) FROM events WHERE tenant = 'zzz';
SELECT cql_fdw_execute('cass', $$SELECT * FROM cqlfdw_write.events WHERE tenant = 'zzz' AND day = '2024-05-01'$$);
SELECT seq, sub, body FROM events WHERE tenant = 'a' AND day = '2024-05-01' ORDER BY seq, sub;
-- a clustering range, and a whole partition
UPDATE events SET body = body || '+' WHERE tenant = 'b' AND day = '2024-05-02' AND seq >= 3;
UPDATE events SET owner = 'new owner' WHERE tenant = 'b' AND day = '2024-05-01';
SELECT seq, sub, body, owner FROM events WHERE tenant = 'b' ORDER BY day, seq, sub;
-- the key may be set, to the value it has; changing it is refused
UPDATE events SET seq = seq, body = 'same key' WHERE tenant = 'a' AND day = '2024-05-02' AND seq = 1;
UPDATE events SET seq = seq + 10 WHERE tenant = 'a' AND day = '2024-05-02' AND seq = 1;
-- setting a column to NULL deletes its value
UPDATE events SET body = NULL WHERE tenant = 'a' AND day = '2024-05-02' AND seq = 4 AND sub = 1;
SELECT seq, sub, body FROM events WHERE tenant = 'a' AND day = '2024-05-02' ORDER BY seq, sub;

-- DELETE: single rows, clustering ranges, partitions, with true counts
DELETE FROM events WHERE tenant = 'a' AND day = '2024-05-01' AND seq = 1 AND sub = 1;
DELETE FROM events WHERE tenant = 'a' AND day = '2024-05-01' AND seq = 1 AND sub = 1;
DELETE FROM events WHERE tenant = 'a' AND day = '2024-05-01' AND seq > 2;
DELETE FROM events WHERE tenant = 'b' AND day = '2024-05-02';
DELETE FROM events WHERE tenant = 'nobody' AND day = '2024-05-02';
SELECT tenant, day, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2;
SELECT cql_fdw_execute('cass', $$SELECT * FROM cqlfdw_write.events WHERE tenant = 'b' AND day = '2024-05-02' AND seq = 1$$);
-- a DELETE without a key condition reads the whole table, then deletes by key
DELETE FROM events WHERE body LIKE '%/1/%';
SELECT tenant, day, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2;

-- RETURNING: the rows as written (INSERT, UPDATE) or as they were (DELETE)
INSERT INTO events VALUES ('r', '2024-06-01', 1, 1, 'ret', 'o') RETURNING *;
UPDATE events SET body = upper(body) WHERE tenant = 'r' AND day = '2024-06-01'
  RETURNING seq, body, owner;
DELETE FROM events WHERE tenant = 'r' AND day = '2024-06-01' RETURNING body, seq * 10 AS s;
SELECT count(*) FROM events WHERE tenant = 'r' AND day = '2024-06-01';

-- ON CONFLICT DO NOTHING is IF NOT EXISTS: counts only rows that applied
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO events VALUES ('c', '2024-07-01', 1, 1, 'first', NULL) ON CONFLICT DO NOTHING;
INSERT INTO events VALUES ('c', '2024-07-01', 1, 1, 'first', NULL) ON CONFLICT DO NOTHING;
INSERT INTO events VALUES ('c', '2024-07-01', 1, 1, 'second', NULL),
  ('c', '2024-07-01', 1, 2, 'other', NULL) ON CONFLICT DO NOTHING;
INSERT INTO events VALUES ('c', '2024-07-01', 1, 1, 'third', NULL)
  ON CONFLICT DO NOTHING RETURNING body;
SELECT seq, sub, body FROM events WHERE tenant = 'c' AND day = '2024-07-01' ORDER BY sub;
INSERT INTO events VALUES ('c', '2024-07-01', 1, 1, 'x', NULL) ON CONFLICT (tenant) DO NOTHING;
-- a plain INSERT of an existing key overwrites (an upsert), as Cassandra does
INSERT INTO events VALUES ('c', '2024-07-01', 1, 1, 'overwritten', NULL);
SELECT body FROM events WHERE tenant = 'c' AND day = '2024-07-01' AND seq = 1 AND sub = 1;

-- TTL: a table option; the row expires
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.ttl_t (k int PRIMARY KEY, v text)');
CREATE FOREIGN TABLE ttl_t (k int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', ttl '4');
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO ttl_t VALUES (1, 'soon gone');
INSERT INTO ttl_t VALUES (1, 'soon gone');
ALTER FOREIGN TABLE ttl_t OPTIONS (SET ttl '3600');
INSERT INTO ttl_t VALUES (2, 'stays');
SELECT k, v FROM ttl_t ORDER BY k;
SELECT pg_sleep(5);
SELECT k, v FROM ttl_t ORDER BY k;

-- counters: UPDATE only, sent as increments
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.hits (page text PRIMARY KEY, views counter, clicks counter)');
SELECT cql_fdw_execute('cass', $$UPDATE cqlfdw_write.hits SET views = views + 10, clicks = clicks + 1 WHERE page = 'home'$$);
CREATE FOREIGN TABLE hits (page text, views bigint, clicks bigint)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE hits SET views = views + 5 WHERE page = 'home';
UPDATE hits SET views = views + 5 WHERE page = 'home';
UPDATE hits SET views = views - 3, clicks = clicks + 2 WHERE page = 'home';
UPDATE hits SET views = views + 1 WHERE page = 'nowhere';
SELECT * FROM hits;
INSERT INTO hits VALUES ('about', 1, 1);
UPDATE hits SET views = NULL WHERE page = 'home';
ALTER FOREIGN TABLE hits OPTIONS (ADD ttl '60');
UPDATE hits SET views = views + 1 WHERE page = 'home';
ALTER FOREIGN TABLE hits OPTIONS (DROP ttl);
DELETE FROM hits WHERE page = 'home';
SELECT count(*) FROM hits;

-- direct_modify: sent without reading first, where the WHERE clause is
-- one Cassandra serves whole; the row count is not known (0), and an UPDATE
-- of a missing row creates it
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.dm (p int, c int, v text, PRIMARY KEY (p, c))');
CREATE FOREIGN TABLE dm (p int, c int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', direct_modify 'true');
INSERT INTO dm SELECT p, c, p || '/' || c FROM generate_series(1, 3) p, generate_series(1, 10) c;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE dm SET v = 'direct' WHERE p = 1 AND c = 2;
UPDATE dm SET v = 'direct' WHERE p = 1 AND c = 2;
UPDATE dm SET v = 'created' WHERE p = 9 AND c = 9;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE dm SET v = 'in' WHERE p = 2 AND c IN (1, 2, 3);
UPDATE dm SET v = 'in' WHERE p = 2 AND c IN (1, 2, 3);
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM dm WHERE p = 3 AND c >= 2 AND c < 4;
DELETE FROM dm WHERE p = 3 AND c >= 2 AND c < 4;
DELETE FROM dm WHERE p = 3 AND c > 8;
SELECT p, c, v FROM dm WHERE p IN (1, 2, 3, 9) AND v !~ '^[0-9]' ORDER BY p, c;
SELECT p, count(*) FROM dm GROUP BY p ORDER BY p;
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM dm WHERE p = 2;
DELETE FROM dm WHERE p = 2;
DELETE FROM dm WHERE p = NULL;
DELETE FROM dm WHERE p IN (3, NULL);
SELECT p, count(*) FROM dm GROUP BY p ORDER BY p;
-- what CQL cannot take whole goes the default road, with true counts
EXPLAIN (VERBOSE, COSTS OFF) UPDATE dm SET v = v || '+' WHERE p = 1 AND c = 1;
UPDATE dm SET v = v || '+' WHERE p = 1 AND c = 1;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE dm SET v = 'x' WHERE p = 1;
UPDATE dm SET v = 'x' WHERE p = 1 AND c > 5;
DELETE FROM dm WHERE p = 1 AND c = 1 RETURNING v;
DELETE FROM dm WHERE v = 'x';
SELECT p, c, v FROM dm ORDER BY p, c;
-- counters, directly
ALTER FOREIGN TABLE hits OPTIONS (ADD direct_modify 'true');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE hits SET views = views + 3 WHERE page = 'a';
UPDATE hits SET views = views + 3, clicks = clicks - 1 WHERE page = 'a';
PREPARE bump(int) AS UPDATE hits SET views = views + $1 WHERE page = 'a';
EXECUTE bump(5);
EXECUTE bump(-1);
DEALLOCATE bump;
SELECT * FROM hits;
-- SET c = 10 is no increment: read, then the difference is added
UPDATE hits SET views = 10 WHERE page = 'a';
SELECT * FROM hits;
ALTER FOREIGN TABLE hits OPTIONS (DROP direct_modify);

-- TRUNCATE
SELECT count(*) FROM events;
TRUNCATE events;
SELECT count(*) FROM events;

-- updatable 'false' refuses writes, as postgres_fdw does
ALTER FOREIGN TABLE ttl_t OPTIONS (ADD updatable 'false');
INSERT INTO ttl_t VALUES (3, 'x');
UPDATE ttl_t SET v = 'y';
DELETE FROM ttl_t;
TRUNCATE ttl_t;
ALTER FOREIGN TABLE ttl_t OPTIONS (DROP updatable);

-- pipelined: many rows in flight, one statement
CREATE FOREIGN TABLE kv (k int, c int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', inflight_writes '256');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.kv (k int, c int, v text, PRIMARY KEY (k, c))');
INSERT INTO kv SELECT g % 1000, g, md5(g::text) FROM generate_series(1, 50000) g;
SELECT count(*), count(DISTINCT k), sum(c) FROM kv;
SELECT count(*) FROM kv k JOIN generate_series(1, 50000) g ON k.c = g AND k.v = md5(g::text);
UPDATE kv SET v = 'even' WHERE c % 2 = 0;
DELETE FROM kv WHERE k < 500;
SELECT count(*), count(*) FILTER (WHERE v = 'even') FROM kv;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO kv SELECT 7, g, 'explained' FROM generate_series(1, 1000) g;
-- COPY of many rows
COPY (SELECT g % 7, g, 'copied' FROM generate_series(1, 20000) g) TO '/tmp/cqlfdw_write_kv.csv' (FORMAT csv);
TRUNCATE kv;
COPY kv FROM '/tmp/cqlfdw_write_kv.csv' (FORMAT csv);
SELECT count(*), count(DISTINCT k) FROM kv;

-- a write Cassandra refuses: Unavailable (replication 3 on one node, ALL)
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_write_rf3
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}$$);
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write_rf3.kv (k int PRIMARY KEY, v text)');
CREATE FOREIGN TABLE kv3 (k int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write_rf3', table 'kv',
                       write_consistency 'ALL', inflight_writes '1');
INSERT INTO kv3 SELECT g, 'x' FROM generate_series(1, 10) g;
-- the session is still usable
SELECT count(*) FROM kv3;
-- the server's write_consistency, for tables that do not set their own
CREATE SERVER cass_three FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port', write_consistency 'THREE', inflight_writes '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass_three;
CREATE FOREIGN TABLE kv3_three (k int, v text)
  SERVER cass_three OPTIONS (keyspace 'cqlfdw_write_rf3', table 'kv');
INSERT INTO kv3_three VALUES (1, 'x'), (2, 'y');
ALTER FOREIGN TABLE kv3_three OPTIONS (ADD write_consistency 'ONE');
INSERT INTO kv3_three VALUES (1, 'x'), (2, 'y');
DROP FOREIGN TABLE kv3_three;
DROP USER MAPPING FOR CURRENT_USER SERVER cass_three;
DROP SERVER cass_three;
-- a failure in the middle: partitions of one table, the second refuses
CREATE TABLE parts (k int, v text) PARTITION BY RANGE (k);
CREATE FOREIGN TABLE parts_ok PARTITION OF parts FOR VALUES FROM (0) TO (100)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'ttl_t', inflight_writes '1');
CREATE FOREIGN TABLE parts_bad PARTITION OF parts FOR VALUES FROM (100) TO (200)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write_rf3', table 'kv',
                       write_consistency 'ALL', inflight_writes '1');
INSERT INTO parts SELECT g, 'p' || g FROM generate_series(95, 104) g;
SELECT k, v FROM parts_ok WHERE k >= 95 ORDER BY k;
-- with a consistency the node can meet, the same rows go in
ALTER FOREIGN TABLE parts_bad OPTIONS (SET write_consistency 'ONE');
INSERT INTO parts SELECT g, 'p' || g FROM generate_series(95, 104) g;
SELECT count(*) FROM parts WHERE k >= 95;

-- a large INSERT that fails in the middle: after row 500 the keyspace needs
-- three replicas for QUORUM and the node is one.  Every row written before
-- the failure was acknowledged, and the error says how many: the same
-- number of rows is in Cassandra afterwards.
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_write_mid
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write_mid.t (k int PRIMARY KEY, v text)');
CREATE FOREIGN TABLE mid (k int, v text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write_mid', table 't', write_consistency 'QUORUM');
CREATE FUNCTION raise_rf() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF NEW.k = 500 THEN
    PERFORM cql_fdw_execute('cass', $q$ALTER KEYSPACE cqlfdw_write_mid
      WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}$q$);
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER raise_rf BEFORE INSERT ON mid FOR EACH ROW EXECUTE FUNCTION raise_rf();
DO $$
DECLARE
  msg text;
  det text;
  ctx text;
  acked bigint;
  sent bigint;
  failed bigint;
  present bigint;
BEGIN
  INSERT INTO mid SELECT g, 'v' || g FROM generate_series(1, 5000) g;
  RAISE NOTICE 'the INSERT did not fail';
EXCEPTION WHEN fdw_error THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, ctx = PG_EXCEPTION_CONTEXT;
  acked := substring(ctx from 'acknowledged (\d+) of')::bigint;
  sent := substring(ctx from 'of the (\d+) rows')::bigint;
  failed := substring(ctx from '\((\d+) failed\)')::bigint;
  SELECT count(*) INTO present FROM mid;
  RAISE NOTICE '%', msg;
  RAISE NOTICE '%', regexp_replace(det, '127\.0\.0\.1:[0-9]+', '<node>');
  RAISE NOTICE 'rows acknowledged before the failure: between 1 and 499: %', acked BETWEEN 1 AND 499;
  RAISE NOTICE 'all of them in Cassandra, and nothing else: %', present = acked;
  RAISE NOTICE 'every row sent was acknowledged or failed: %', sent = acked + failed;
END $$;
DROP FOREIGN TABLE mid;
DROP FUNCTION raise_rf();
SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_write_mid');

-- a statement cancelled in the middle leaves the session usable
SET statement_timeout = '1s';
INSERT INTO kv SELECT g % 1000, g, 'cancelled' FROM generate_series(1, 2000000) g;
RESET statement_timeout;
INSERT INTO kv VALUES (1, -1, 'after the cancel');
SELECT v FROM kv WHERE k = 1 AND c = -1;

-- partitions with their columns in different orders; UPDATE ... FROM,
-- DELETE ... USING, RETURNING and COPY through the partitioned table
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.pa (k int PRIMARY KEY, v text)');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.pb (k int PRIMARY KEY, v text)');
CREATE TABLE pp (k int, v text) PARTITION BY RANGE (k);
CREATE FOREIGN TABLE pp_a PARTITION OF pp FOR VALUES FROM (0) TO (10)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'pa');
CREATE FOREIGN TABLE pp_b (v text, k int)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write', table 'pb');
ALTER TABLE pp ATTACH PARTITION pp_b FOR VALUES FROM (10) TO (20);
INSERT INTO pp SELECT g, 'v' || g FROM generate_series(0, 19) g;
UPDATE pp SET v = v || '!' WHERE k % 3 = 0;
DELETE FROM pp WHERE k % 5 = 0 RETURNING *;
CREATE TABLE fixes (k int, v text);
INSERT INTO fixes VALUES (1, 'fixed 1'), (11, 'fixed 11'), (99, 'no such row');
UPDATE pp SET v = fixes.v FROM fixes WHERE pp.k = fixes.k;
DELETE FROM pp USING fixes WHERE pp.k = fixes.k + 1;
COPY pp FROM stdin;
5	copied five
15	copied fifteen
\.
SELECT * FROM pp ORDER BY k;
DROP TABLE pp, fixes;

-- a set nested in a UDT is stored as sent: cql_fdw sends sets sorted and
-- without duplicates (and map keys sorted), as Cassandra keeps them, so
-- equal values written in any order are equal there
SELECT cql_fdw_execute('cass', 'CREATE TYPE cqlfdw_write.tagged (tags frozen<set<text>>, marks frozen<map<int, text>>)');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_write.nested_sets (k int PRIMARY KEY, t frozen<tagged>, l list<frozen<set<int>>>)');
CREATE FOREIGN TABLE nested_sets (k int, t jsonb, l jsonb)
  SERVER cass OPTIONS (keyspace 'cqlfdw_write');
INSERT INTO nested_sets VALUES
  (1, '{"tags": ["b", "a", "b"], "marks": {"3": "c", "-1": "z", "20": "t"}}', '[[3, -2, 3], [1]]'),
  (2, '{"tags": ["a", "b"], "marks": {"-1": "z", "3": "c", "20": "t"}}', '[[-2, 3], [1]]');
SELECT * FROM nested_sets ORDER BY k;
SELECT cql_fdw_execute('cass', 'SELECT k FROM cqlfdw_write.nested_sets WHERE t = {tags: {''a'', ''b''}, marks: {-1: ''z'', 3: ''c'', 20: ''t''}} ALLOW FILTERING');
DROP FOREIGN TABLE nested_sets;

-- the statement sent is not undone by ROLLBACK
BEGIN;
INSERT INTO kv VALUES (424242, 1, 'kept');
ROLLBACK;
SELECT v FROM kv WHERE k = 424242;

DROP FOREIGN TABLE dm, alltypes, alltypes_text, alltypes_more, ttl_bykey, events, events_nokey, ttl_t, hits, kv, kv3;
DROP TABLE parts, src;
DROP DOMAIN short_text;
DROP TYPE mood, pair, address;
SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_write');
SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_write_rf3');
DROP SERVER cass CASCADE;
