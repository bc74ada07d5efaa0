--
-- Joins with PostgreSQL tables: a nested loop over a small outer side runs
-- one routed lookup per outer row (a parameterized path: one prepared
-- statement, executed again with each key); a large outer side makes one
-- scan of the table instead.  Repeated, missing and NULL keys give what a
-- join of two PostgreSQL tables gives.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
-- schema changes on a busy node can take a while: a generous timeout
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port', request_timeout '60000');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_join'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_join
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_join.accounts (id int PRIMARY KEY, name text)');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_join.orders (cust int, seq int, amount int, PRIMARY KEY (cust, seq))');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_join.cells (region text, zone int, n int, v text, PRIMARY KEY ((region, zone), n))');
DO $$
DECLARE
  stmt text;
BEGIN
  SELECT 'BEGIN UNLOGGED BATCH ' ||
         string_agg(format('INSERT INTO cqlfdw_join.accounts (id, name) VALUES (%s, %L);', i, 'acct ' || i), ' ') ||
         ' APPLY BATCH'
    INTO stmt FROM generate_series(1, 50) AS i;
  PERFORM cql_fdw_execute('cass', stmt);
  SELECT 'BEGIN UNLOGGED BATCH ' ||
         string_agg(format('INSERT INTO cqlfdw_join.orders (cust, seq, amount) VALUES (%s, %s, %s);', c, s, c * 100 + s), ' ') ||
         ' APPLY BATCH'
    INTO stmt FROM generate_series(1, 20) AS c, generate_series(1, 3) AS s;
  PERFORM cql_fdw_execute('cass', stmt);
  SELECT 'BEGIN UNLOGGED BATCH ' ||
         string_agg(format('INSERT INTO cqlfdw_join.cells (region, zone, n, v) VALUES (%L, %s, %s, %L);', r, z, n, r || z || '/' || n), ' ') ||
         ' APPLY BATCH'
    INTO stmt FROM unnest(ARRAY['north', 'south']) AS r, generate_series(1, 3) AS z, generate_series(1, 2) AS n;
  PERFORM cql_fdw_execute('cass', stmt);
END $$;
CREATE FOREIGN TABLE accounts (id int, name text) SERVER cass OPTIONS (keyspace 'cqlfdw_join');
CREATE FOREIGN TABLE orders (cust int, seq int, amount int) SERVER cass OPTIONS (keyspace 'cqlfdw_join');
CREATE FOREIGN TABLE cells (region text, zone int, n int, v text) SERVER cass OPTIONS (keyspace 'cqlfdw_join');

-- a small outer side: repeated keys (3 twice), a key with no row (999),
-- NULL keys, and a key beyond every int (no row, nothing sent)
CREATE TABLE wanted (tag text, k bigint);
INSERT INTO wanted VALUES ('a', 3), ('b', 3), ('c', 7), ('d', 999), ('e', NULL), ('f', NULL), ('g', 9999999999);
ANALYZE wanted;

EXPLAIN (VERBOSE, COSTS OFF)
SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k;
SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k ORDER BY 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k;
SELECT w.tag, a.name FROM wanted w LEFT JOIN accounts a ON a.id = w.k ORDER BY 1;
SELECT w.tag FROM wanted w WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = w.k) ORDER BY 1;
SELECT w.tag FROM wanted w WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = w.k) ORDER BY 1;

-- the same answers from one scan and a hash join, and with pushdown off
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k;
SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k ORDER BY 1;
SELECT w.tag, a.name FROM wanted w LEFT JOIN accounts a ON a.id = w.k ORDER BY 1;
RESET enable_nestloop;
SET cql_fdw.enable_pushdown = off;
EXPLAIN (COSTS OFF) SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k;
SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k ORDER BY 1;
RESET cql_fdw.enable_pushdown;

-- a partition of several rows per outer key, with a range pushed as well
EXPLAIN (VERBOSE, COSTS OFF)
SELECT w.tag, o.seq, o.amount FROM wanted w JOIN orders o ON o.cust = w.k AND o.seq >= 2;
SELECT w.tag, o.seq, o.amount FROM wanted w JOIN orders o ON o.cust = w.k AND o.seq >= 2 ORDER BY 1, 2;
SET enable_nestloop = off;
SELECT w.tag, o.seq, o.amount FROM wanted w JOIN orders o ON o.cust = w.k AND o.seq >= 2 ORDER BY 1, 2;
RESET enable_nestloop;

-- two foreign tables: accounts looked up for each order's customer
EXPLAIN (VERBOSE, COSTS OFF)
SELECT o.cust, o.seq, a.name FROM orders o JOIN accounts a ON a.id = o.cust WHERE o.cust = 5;
SELECT o.cust, o.seq, a.name FROM orders o JOIN accounts a ON a.id = o.cust WHERE o.cust = 5 ORDER BY 2;

-- a composite partition key bound from two outer columns
CREATE TABLE places (region text, zone int);
INSERT INTO places VALUES ('north', 1), ('south', 3), ('south', 3), ('east', 1), (NULL, 2), ('north', NULL);
ANALYZE places;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT p.region, p.zone, c.n, c.v FROM places p JOIN cells c ON c.region = p.region AND c.zone = p.zone;
SELECT p.region, p.zone, c.n, c.v FROM places p JOIN cells c ON c.region = p.region AND c.zone = p.zone ORDER BY 1, 2, 3;
SET enable_nestloop = off;
SELECT p.region, p.zone, c.n, c.v FROM places p JOIN cells c ON c.region = p.region AND c.zone = p.zone ORDER BY 1, 2, 3;
RESET enable_nestloop;
-- half of the key from the outer side is not enough for a lookup
EXPLAIN (COSTS OFF)
SELECT p.region, c.n FROM places p JOIN cells c ON c.region = p.region;

-- a prepared statement: the plan is made once, each execution looks up
-- each outer row again
PREPARE lookup(int) AS
  SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k WHERE w.k <> $1;
EXECUTE lookup(0);
EXECUTE lookup(3);
DEALLOCATE lookup;

-- a large outer side: one scan of the table (no estimate yet, so it is
-- costed as large, never as empty), not 20,000 lookups
CREATE TABLE many AS SELECT g AS k FROM generate_series(1, 20000) AS g;
ANALYZE many;
EXPLAIN (COSTS OFF) SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k;
SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k;
-- and a few of its rows: lookups again
EXPLAIN (COSTS OFF) SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k WHERE m.k < 5;
SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k WHERE m.k < 5;


-- the planner's row counts: without statistics a table is large and
-- unknown (a million rows, never empty); a partition key fixes one
-- partition; after ANALYZE the table has its counted size
CREATE FUNCTION plan_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN (j->0->'Plan'->>'Plan Rows')::float8::bigint;
END $$;
SELECT plan_rows('SELECT * FROM accounts');
SELECT plan_rows('SELECT * FROM accounts WHERE id = 3');
SELECT plan_rows('SELECT * FROM accounts WHERE id IN (1, 2, 3)');
SELECT plan_rows('SELECT * FROM orders WHERE cust = 3 AND seq = 1');
-- 100 outer rows: lookups into a table taken to be large
EXPLAIN (COSTS OFF) SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k WHERE m.k <= 100;
ANALYZE accounts;
SELECT plan_rows('SELECT * FROM accounts');
-- but one scan of it once it is known to hold 50 rows
EXPLAIN (COSTS OFF) SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k WHERE m.k <= 100;
SELECT count(*) FROM many m JOIN accounts a ON a.id = m.k WHERE m.k <= 100;
-- while a handful of outer rows still look up
EXPLAIN (COSTS OFF) SELECT w.tag, a.name FROM wanted w JOIN accounts a ON a.id = w.k;
DROP FUNCTION plan_rows;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_join');
DROP TABLE wanted, places, many;
DROP SERVER cass CASCADE;
