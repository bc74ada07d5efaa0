--
-- Tuples and user-defined types read into composite types: a UDT by field
-- name (case-sensitive, every field an attribute and every attribute a
-- field), a tuple by position (the same arity); nested, in arrays, with
-- missing trailing fields; and the declarations that are refused.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_typ_comp'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_typ_comp
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
CREATE FUNCTION cql(stmt text) RETURNS text LANGUAGE sql
  AS $$ SELECT cql_fdw_execute('cass', stmt) $$;

SELECT cql('CREATE TYPE cqlfdw_typ_comp.point (x double, y double)');
SELECT cql($$CREATE TYPE cqlfdw_typ_comp.address (
  street text, "Zip Code" int, tags set<text>, location frozen<point>,
  phones map<text, text>)$$);
SELECT cql($$CREATE TABLE cqlfdw_typ_comp.t (
  id int PRIMARY KEY, addr frozen<address>, addrs list<frozen<address>>,
  pts set<frozen<point>>, by_name map<text, frozen<point>>,
  tup tuple<int, text, date>, nested tuple<int, tuple<text, frozen<list<int>>>>,
  tups list<frozen<tuple<bigint, blob>>>)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_comp.t (id, addr, addrs, pts, by_name, tup, nested, tups) VALUES (1,
  {street: 'Main St', "Zip Code": 12345, tags: {'home', 'ü'}, location: {x: 1.5, y: -2},
   phones: {'cell': '+1 555'}},
  [{street: 'A', "Zip Code": 1}, {street: 'B', location: {x: NaN, y: Infinity}}],
  {{x: 0, y: 0}, {x: 1, y: 1}}, {'origin': {x: 0, y: 0}},
  (42, 'quote " and \ backslash', '2024-02-29'), (7, ('seven', [7, 77])),
  [(9223372036854775807, 0xcafe), (-1, 0x)])$$);
-- nulls: in a tuple, a UDT with only some fields, nothing at all
SELECT cql($$INSERT INTO cqlfdw_typ_comp.t (id, addr, tup, nested) VALUES (2,
  {street: 'only the street'}, (null, null, null), (null, null))$$);
SELECT cql('INSERT INTO cqlfdw_typ_comp.t (id) VALUES (3)');

-- composite types as IMPORT FOREIGN SCHEMA makes them: attribute names are
-- the field names, in any order
CREATE TYPE xy AS (y float8, x float8);
CREATE TYPE address AS (
  "Zip Code" bigint, street text, tags text[], location xy, phones jsonb);
CREATE TYPE tup AS (n int, s text, d date);
CREATE TYPE inner_tup AS (name varchar(10), nums int[]);
CREATE TYPE outer_tup AS (n numeric, inner_part inner_tup);
CREATE TYPE blob_tup AS (big bigint, bytes bytea);
CREATE FOREIGN TABLE t (
  id int, addr address, addrs address[], pts xy[], by_name jsonb,
  tup tup, nested outer_tup, tups blob_tup[])
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp');
\x on
SELECT * FROM t ORDER BY id;
\x off
-- usable as the PostgreSQL values they are
SELECT (addr).street, (addr)."Zip Code", ((addr).location).x AS x,
       (addr).tags[2] AS tag2, (addr).phones->>'cell' AS cell,
       (addrs[2]).location AS second_location, pts[2].y AS pt2_y,
       (tup).d + 1 AS next_day, ((nested).inner_part).nums[2] AS nested_num,
       (tups[1]).big AS big, length((tups[2]).bytes) AS empty_blob
  FROM t WHERE id = 1;
SELECT addr IS NULL AS addr_null, (addr).street, (addr).location IS NULL AS no_location,
       tup IS NULL AS tup_null, (tup).n IS NULL AS n_null,
       (nested).n IS NULL AND (nested).inner_part IS NULL AS nested_nulls
  FROM t WHERE id = 2;
SELECT num_nulls(addr, addrs, pts, by_name, tup, nested, tups) FROM t WHERE id = 3;
-- the same values as jsonb and as text
CREATE FOREIGN TABLE t_json (id int, addr jsonb, tup jsonb, nested jsonb, tups text, addrs json)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
\x on
SELECT * FROM t_json WHERE id = 1;
\x off

-- a domain over a composite, and a composite with a domain attribute
CREATE DOMAIN short_text AS varchar(3);
CREATE TYPE tup_short AS (n int, s short_text, d date);
CREATE DOMAIN tup_with_n AS tup CHECK ((VALUE).n IS NOT NULL);
CREATE FOREIGN TABLE t_dom (id int, tup tup_with_n) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT tup FROM t_dom WHERE id = 1;
SELECT tup FROM t_dom WHERE id = 2;
CREATE FOREIGN TABLE t_short (id int, tup tup_short) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT tup FROM t_short WHERE id = 2;
SELECT tup FROM t_short WHERE id = 1;

-- a UDT with fields added after values were written: old values miss the
-- trailing fields, which read as null
SELECT cql('CREATE TYPE cqlfdw_typ_comp.version (major int)');
SELECT cql('CREATE TABLE cqlfdw_typ_comp.v (id int PRIMARY KEY, ver frozen<version>, vers list<frozen<version>>)');
SELECT cql('INSERT INTO cqlfdw_typ_comp.v (id, ver, vers) VALUES (1, {major: 1}, [{major: 2}])');
SELECT cql('ALTER TYPE cqlfdw_typ_comp.version ADD minor int');
SELECT cql('ALTER TYPE cqlfdw_typ_comp.version ADD label text');
SELECT cql($$INSERT INTO cqlfdw_typ_comp.v (id, ver, vers) VALUES (2, {major: 3, minor: 4, label: 'x'}, [{major: 5, minor: 6}])$$);
CREATE TYPE version AS (major int, minor int, label text);
CREATE FOREIGN TABLE v (id int, ver version, vers version[]) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp');
SELECT * FROM v ORDER BY id;
CREATE FOREIGN TABLE v_json (id int, ver jsonb) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 'v');
SELECT * FROM v_json ORDER BY id;

--
-- Composite types that do not match: refused when the scan starts
--
-- field names compare case-sensitively
CREATE TYPE address_lower AS (
  "zip code" bigint, street text, tags text[], location xy, phones jsonb);
CREATE FOREIGN TABLE bad1 (id int, addr address_lower) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT addr FROM bad1 WHERE id = 1;
-- a field without an attribute
CREATE TYPE address_short AS ("Zip Code" bigint, street text, tags text[], location xy);
CREATE FOREIGN TABLE bad2 (id int, addr address_short) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT addr FROM bad2 WHERE id = 1;
-- an attribute without a field
CREATE TYPE address_long AS (
  "Zip Code" bigint, street text, tags text[], location xy, phones jsonb, country text);
CREATE FOREIGN TABLE bad3 (id int, addr address_long) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT addr FROM bad3 WHERE id = 1;
-- an attribute of a type that cannot hold the field
CREATE TYPE address_narrow AS (
  "Zip Code" smallint, street text, tags text[], location xy, phones jsonb);
CREATE FOREIGN TABLE bad4 (id int, addr address_narrow) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT addr FROM bad4 WHERE id = 1;
-- nested: a point with a real attribute, inside the address
CREATE TYPE xy_real AS (x real, y real);
CREATE TYPE address_nested AS (
  "Zip Code" bigint, street text, tags text[], location xy_real, phones jsonb);
CREATE FOREIGN TABLE bad5 (id int, addrs address_nested[]) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT addrs FROM bad5 WHERE id = 1;
-- a tuple of another arity
CREATE TYPE pair AS (a int, b text);
CREATE FOREIGN TABLE bad6 (id int, tup pair) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT tup FROM bad6 WHERE id = 1;
-- a tuple element the attribute cannot hold
CREATE TYPE tup_int_date AS (n int, s text, d int);
CREATE FOREIGN TABLE bad7 (id int, tup tup_int_date) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT tup FROM bad7 WHERE id = 1;
-- a map is no composite, a composite no array
CREATE FOREIGN TABLE bad8 (id int, by_name xy) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT by_name FROM bad8 WHERE id = 1;
CREATE FOREIGN TABLE bad9 (id int, addr address[]) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 't');
SELECT addr FROM bad9 WHERE id = 1;
-- the UDT after a field was added, against the composite made before
CREATE TYPE version_old AS (major int);
CREATE FOREIGN TABLE bad10 (id int, ver version_old) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 'v');
SELECT ver FROM bad10 WHERE id = 1;
-- a dropped attribute is no attribute
ALTER TYPE version_old ADD ATTRIBUTE minor int, ADD ATTRIBUTE gone int, ADD ATTRIBUTE label text;
ALTER TYPE version_old DROP ATTRIBUTE gone;
SELECT ver FROM bad10 WHERE id = 2;

--
-- Nested collections: arrays of scalars need one level; deeper ones are
-- jsonb (or text)
--
SELECT cql($$CREATE TABLE cqlfdw_typ_comp.n (id int PRIMARY KEY,
  ll frozen<list<frozen<list<int>>>>, sm map<text, frozen<set<int>>>,
  ml list<frozen<map<int, text>>>, vi vector<int, 2>, vf vector<float, 2>)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_comp.n (id, ll, sm, ml, vi, vf) VALUES (1,
  [[1, 2], [], [3]], {'a': {3, 1, 2}, 'b': {}}, [{1: 'one'}, {}], [-2147483648, 2147483647], [0.5, -0.0])$$);
CREATE FOREIGN TABLE n (id int, ll jsonb, sm jsonb, ml jsonb, vi bigint[], vf float8[])
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp');
SELECT * FROM n;
CREATE FOREIGN TABLE n_text (id int, ll text, sm text, ml text, vi text, vf text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 'n');
SELECT * FROM n_text;
CREATE FOREIGN TABLE bad_nested (id int, ll int[]) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 'n');
SELECT ll FROM bad_nested;

-- map keys of every kind become JSON member names (their text form)
SELECT cql($$CREATE TABLE cqlfdw_typ_comp.k (id int PRIMARY KEY,
  by_int map<int, text>, by_double map<double, int>, by_date map<date, int>,
  by_uuid map<uuid, int>, by_blob map<blob, int>, by_tuple map<frozen<tuple<int, text>>, int>,
  by_bool map<boolean, int>, texts list<text>, nets set<inet>)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_comp.k (id, by_int, by_double, by_date, by_uuid, by_blob, by_tuple, by_bool, texts, nets)
  VALUES (1, {-1: 'minus one', 2: 'two'}, {-0.0: 1, 0.0: 2, NaN: 3, -Infinity: 4},
  {'2024-02-29': 1}, {5b6962dd-3f90-4c93-8f61-eabfa4a803e2: 1}, {0x: 1, 0xcafe: 2},
  {(1, 'a"b'): 1}, {false: 0, true: 1}, ['x', ''], {'10.0.0.1', '::1'})$$);
SELECT cql($$INSERT INTO cqlfdw_typ_comp.k (id, texts) VALUES (2, ['fine', 'nul' + blobAsText(0x00)])$$);
CREATE FOREIGN TABLE k (id int, by_int jsonb, by_double jsonb, by_date jsonb,
  by_uuid jsonb, by_blob jsonb, by_tuple jsonb, by_bool jsonb, texts text[], nets cidr[])
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp');
\x on
SELECT * FROM k WHERE id = 1;
\x off
-- a value PostgreSQL cannot hold inside a collection: the same error
SELECT texts FROM k WHERE id = 2;
CREATE FOREIGN TABLE k_json (id int, texts jsonb) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_comp', table 'k');
SELECT texts FROM k_json WHERE id = 2;

SELECT cql('DROP KEYSPACE cqlfdw_typ_comp');
DROP SERVER cass CASCADE;
DROP FUNCTION cql(text);
DROP DOMAIN tup_with_n;
DROP TYPE address, address_lower, address_short, address_long, address_narrow,
  address_nested, xy, xy_real, tup, tup_short, tup_int_date, pair, version,
  version_old, outer_tup, inner_tup, blob_tup;
DROP DOMAIN short_text;
