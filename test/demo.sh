#!/usr/bin/env bash
# The demo of `make demo`: a Cassandra table and a PostgreSQL table, joined
# through cql_fdw.  Expects the environment of `make env` (test/.env).
# Re-runnable: it recreates the keyspace "demo" and the schema "demo".
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. test/.env

psql -X -v ON_ERROR_STOP=1 -q -v cql_host="$CQL_HOST" -v cql_port="$CQL_PORT" <<'SQL'
\pset footer on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cql_fdw;
DROP SCHEMA IF EXISTS demo CASCADE;
DROP SERVER IF EXISTS demo_cassandra CASCADE;
CREATE SCHEMA demo;

-- the Cassandra node, reached through cql_fdw
CREATE SERVER demo_cassandra FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER demo_cassandra;

-- a keyspace and a table in Cassandra, with a few orders
\echo 'Cassandra: creating keyspace demo and table demo.orders'
SELECT cql_fdw_execute('demo_cassandra', 'DROP KEYSPACE IF EXISTS demo') \gset
SELECT cql_fdw_execute('demo_cassandra', $$CREATE KEYSPACE demo
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$) \gset
SELECT cql_fdw_execute('demo_cassandra', $$CREATE TABLE demo.orders (
  customer_id int, order_id int, amount decimal, placed timestamp, item text,
  PRIMARY KEY (customer_id, order_id))$$) \gset
SELECT cql_fdw_execute('demo_cassandra', $$BEGIN BATCH
  INSERT INTO demo.orders (customer_id, order_id, amount, placed, item) VALUES (1, 1, 19.99, '2026-11-01 10:00:00+0000', 'teapot');
  INSERT INTO demo.orders (customer_id, order_id, amount, placed, item) VALUES (1, 2, 5.50, '2026-11-03 12:30:00+0000', 'tea, 100 g');
  INSERT INTO demo.orders (customer_id, order_id, amount, placed, item) VALUES (2, 1, 120.00, '2026-11-02 09:15:00+0000', 'kettle');
  INSERT INTO demo.orders (customer_id, order_id, amount, placed, item) VALUES (2, 2, 7.25, '2026-11-20 17:45:00+0000', 'cups');
  INSERT INTO demo.orders (customer_id, order_id, amount, placed, item) VALUES (3, 1, 42.00, '2026-11-24 08:00:00+0000', 'tray');
  INSERT INTO demo.orders (customer_id, order_id, amount, placed, item) VALUES (4, 1, 3.00, '2026-11-25 08:00:00+0000', 'spoon');
APPLY BATCH$$) \gset

-- a table in PostgreSQL
\echo 'PostgreSQL: creating table demo.customers'
CREATE TABLE demo.customers (customer_id int PRIMARY KEY, name text, city text);
INSERT INTO demo.customers VALUES (1, 'Ada', 'London'), (2, 'Grace', 'Arlington'), (3, 'Edsger', 'Austin');

-- the Cassandra table as a foreign table
CREATE FOREIGN TABLE demo.orders (
  customer_id int, order_id int, amount numeric, placed timestamptz, item text)
  SERVER demo_cassandra OPTIONS (keyspace 'demo', table 'orders');

\echo
\echo 'SELECT c.name, c.city, o.order_id, o.item, o.amount, o.placed'
\echo '  FROM demo.customers c JOIN demo.orders o USING (customer_id) ORDER BY c.name, o.order_id;'
SET TIME ZONE 'UTC';
SELECT c.name, c.city, o.order_id, o.item, o.amount, o.placed
  FROM demo.customers c JOIN demo.orders o USING (customer_id)
 ORDER BY c.name, o.order_id;
SQL
echo "demo: both servers are still running; explore with:  . test/.env && psql"
