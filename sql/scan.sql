--
-- Scans: every row of a table across pages, projection, NULLs in every
-- scalar type, an empty table, joins with PostgreSQL tables.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;

-- (a run that crashed may have left it behind)
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_scan'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_scan
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

-- 10,000 rows, written in unlogged batches of 100
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_scan.big (id int PRIMARY KEY, grp int, val bigint, label text)');
DO $$
DECLARE
  b int;
  stmt text;
BEGIN
  FOR b IN 0..99 LOOP
    SELECT 'BEGIN UNLOGGED BATCH ' ||
           string_agg(format('INSERT INTO cqlfdw_scan.big (id, grp, val, label) VALUES (%s, %s, %s, %L);',
                             i, i % 7, i::bigint * 1000003, 'row ' || i), ' ') ||
           ' APPLY BATCH'
      INTO stmt
      FROM generate_series(b * 100, b * 100 + 99) AS i;
    PERFORM cql_fdw_execute('cass', stmt);
  END LOOP;
END $$;

CREATE FOREIGN TABLE big (id int, grp int, val bigint, label text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_scan', table 'big', fetch_size '1000');

-- counts and sums match what was written, across 10 pages
SELECT count(*), sum(id), sum(val), count(DISTINCT label), min(label), max(label) FROM big;
SELECT grp, count(*), sum(val) FROM big GROUP BY grp ORDER BY grp;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM big;

-- only the needed columns are selected
EXPLAIN (VERBOSE, COSTS OFF) SELECT label FROM big WHERE grp = 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM big;
EXPLAIN (VERBOSE, COSTS OFF) SELECT b FROM big b;
SELECT label FROM big WHERE id IN (0, 4999, 9999) ORDER BY id;
SELECT b FROM big b WHERE id = 42;

-- a fetch size of one row still reads everything
ALTER FOREIGN TABLE big OPTIONS (SET fetch_size '1');
SELECT count(*), sum(id) FROM big WHERE id < 50;
ALTER FOREIGN TABLE big OPTIONS (SET fetch_size '1000');

-- the same rows through an LZ4-compressed connection
CREATE SERVER cass_lz4 FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port', compression 'lz4');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass_lz4;
CREATE FOREIGN TABLE big_lz4 (id int, grp int, val bigint, label text)
  SERVER cass_lz4 OPTIONS (keyspace 'cqlfdw_scan', table 'big');
SELECT count(*), sum(id), sum(val), count(DISTINCT label) FROM big_lz4;
SELECT server_name, host, ready, compression, tls, valid, hosts, hosts_up, local_dc FROM cql_fdw_sessions() ORDER BY 1;
DROP SERVER cass_lz4 CASCADE;

-- an empty table
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_scan.empty (id int PRIMARY KEY, v text)');
CREATE FOREIGN TABLE empty (id int, v text) SERVER cass OPTIONS (keyspace 'cqlfdw_scan');
SELECT count(*) FROM empty;
SELECT * FROM empty;

-- every scalar type, with values and with NULLs
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_scan.types (
  id int PRIMARY KEY, t text, vc varchar, a ascii, i int, bi bigint, si smallint, ti tinyint,
  bo boolean, d double, f float, u uuid, tu timeuuid, ts timestamp, dt date, tm time,
  b blob, ip inet, vi varint, de decimal, du duration)$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_scan.types (id, t, vc, a, i, bi, si, ti, bo, d, f, u, tu, ts, dt, tm, b, ip, vi, de, du)
  VALUES (1, 'héllo wörld ✓', 'varchar', 'ascii', -2147483648, 9223372036854775807, -32768, 127,
          true, 3.141592653589793, 2.5, 5b6962dd-3f90-4c93-8f61-eabfa4a803e2,
          d2177dd0-eaa2-11de-a572-001b779c76e3, '2024-02-29 23:59:59.999+0000', '2024-02-29', '23:59:59.123456',
          0xdeadbeef00, '192.168.0.1', 123456789012345678901234567890, -12345.678900,
          1y2mo3w4d5h6m7s8ms9us)$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_scan.types (id, t, i, bi, d, f, ts, dt, tm, b, ip, vi, de)
  VALUES (2, '', 2147483647, -9223372036854775808, -0.0, NaN, '1970-01-01 00:00:00+0000', '1970-01-01', '00:00:00',
          0x, '2001:db8::1', -1, 0.000)$$);
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_scan.types (id) VALUES (3)');
CREATE FOREIGN TABLE types (
  id int, t text, vc varchar, a text, i int, bi bigint, si smallint, ti smallint,
  bo boolean, d float8, f float4, u uuid, tu uuid, ts timestamptz, dt date, tm time,
  b bytea, ip inet, vi numeric, de numeric, du interval)
  SERVER cass OPTIONS (keyspace 'cqlfdw_scan');
\x on
SELECT * FROM types ORDER BY id;
\x off
SELECT id, num_nulls(t, vc, a, i, bi, si, ti, bo, d, f, u, tu, ts, dt, tm, b, ip, vi, de, du) AS nulls
  FROM types ORDER BY id;

-- other declared types go through the types' input functions
CREATE FOREIGN TABLE types_as_text (id text, u text, ts text, i bigint, vc varchar(3))
  SERVER cass OPTIONS (keyspace 'cqlfdw_scan', table 'types');
SELECT id, u, ts, i FROM types_as_text ORDER BY id;
SELECT vc FROM types_as_text;

-- column_name links a PostgreSQL name to a Cassandra one
CREATE FOREIGN TABLE renamed (key int OPTIONS (column_name 'id'), "Text" text OPTIONS (column_name 't'))
  SERVER cass OPTIONS (keyspace 'cqlfdw_scan', table 'types');
SELECT key, "Text" FROM renamed ORDER BY key;

-- a join of a PostgreSQL table with a foreign table
CREATE TABLE local_groups (grp int PRIMARY KEY, name text);
INSERT INTO local_groups VALUES (0, 'zero'), (3, 'three'), (6, 'six');
SELECT g.name, count(*), min(b.id), max(b.id)
  FROM local_groups g JOIN big b ON b.grp = g.grp
 GROUP BY g.name ORDER BY g.name;

-- a correlated subquery rescans the foreign table for each outer row
EXPLAIN (COSTS OFF)
SELECT g.name, (SELECT count(*) FROM types t WHERE t.id = g.grp / 3) AS n FROM local_groups g ORDER BY 1;
SELECT g.name, (SELECT count(*) FROM types t WHERE t.id = g.grp / 3) AS n FROM local_groups g ORDER BY 1;

-- a cursor that stops early leaves the session usable
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM big;
FETCH 3 FROM c;
CLOSE c;
COMMIT;
SELECT count(*) FROM big;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_scan');
DROP TABLE local_groups;
DROP SERVER cass CASCADE;
