--
-- Collections, tuples, user-defined types and vectors: arrays where the
-- elements are scalars, jsonb (in the shape to_jsonb gives) otherwise.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_types'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_types
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('cass', 'CREATE TYPE cqlfdw_types.address (street text, "Zip Code" int, tags set<text>)');
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_types.c (
  id int PRIMARY KEY,
  li list<int>, st set<text>, lu list<uuid>, lb list<blob>, ld list<double>,
  mp map<text, int>, mn map<int, frozen<map<text, boolean>>>,
  nested frozen<list<frozen<list<int>>>>, tup tuple<int, text, date>,
  addr frozen<address>, la list<frozen<address>>,
  vf vector<float, 3>, vt vector<text, 2>, du list<duration>)$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_types.c
  (id, li, st, lu, lb, ld, mp, mn, nested, tup, addr, la, vf, vt, du) VALUES (1,
  [3, 1, 2], {'b', 'a', 'ü'}, [5b6962dd-3f90-4c93-8f61-eabfa4a803e2], [0xcafe, 0x],
  [1.5, NaN, -Infinity], {'one': 1, 'two': 2}, {7: {'x': true, 'y': false}},
  [[1, 2], [], [3]], (42, 'quote " and \ backslash', '2024-02-29'),
  {street: 'Main St', "Zip Code": 12345, tags: {'home'}},
  [{street: 'A', "Zip Code": 1}, {street: 'B'}],
  [1.5, -2.25, 3e10], ['x', 'yz'], [1d2h, 3mo])$$);
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_types.c (id) VALUES (2)');
-- a tuple with a null element, a UDT with missing fields
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_types.c (id, tup, addr, li) VALUES (3, (1, null, null), {street: 'only'}, [])$$);

CREATE FOREIGN TABLE c (
  id int, li int[], st text[], lu uuid[], lb bytea[], ld float8[],
  mp jsonb, mn jsonb, nested jsonb, tup jsonb, addr jsonb, la jsonb,
  vf real[], vt jsonb, du interval[])
  SERVER cass OPTIONS (keyspace 'cqlfdw_types');
\x on
SELECT * FROM c ORDER BY id;
\x off
-- usable as the PostgreSQL values they are
SELECT li[1] + li[2] AS sum12, 'a' = ANY (st) AS has_a, mp->>'two' AS two,
       addr->>'Zip Code' AS zip, jsonb_array_length(la) AS n_addresses,
       vf[3] AS vf3, (tup->>2)::date AS tup_date
  FROM c WHERE id = 1;
-- other declared types read through the text form
CREATE FOREIGN TABLE c_text (id int, li text, mp text, vf text, addr json)
  SERVER cass OPTIONS (keyspace 'cqlfdw_types', table 'c');
SELECT * FROM c_text WHERE id = 1;

-- the UDT registry, kept current when a type changes
SELECT * FROM cql_fdw_udts('cass') WHERE keyspace_name = 'cqlfdw_types' ORDER BY 2, 3;
SELECT cql_fdw_execute('cass', 'ALTER TYPE cqlfdw_types.address ADD "country" text');
SELECT * FROM cql_fdw_udts('cass') WHERE keyspace_name = 'cqlfdw_types' ORDER BY 2, 3;

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_types');
DROP SERVER cass CASCADE;
