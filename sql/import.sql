--
-- IMPORT FOREIGN SCHEMA: one foreign table per Cassandra table and
-- materialized view, every column typed by the default mapping, the primary
-- key and the CQL type as column options; composite types for UDTs; names
-- that need quoting on either side; re-importing and refreshing.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
-- schema changes on a busy node can take a while: a generous timeout
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port', request_timeout '60000');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_imp');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS "cqlfdw_impCase"');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_imp_empty');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_imp_many');
END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_imp
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

-- the SQLSTATE and message of a statement that fails
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- nested UDTs: "address" uses "GeoPoint", so GeoPoint must be made first
SELECT cql_fdw_execute('cass', $$CREATE TYPE cqlfdw_imp."GeoPoint" (lat double, "Lon" double)$$);
SELECT cql_fdw_execute('cass', $$CREATE TYPE cqlfdw_imp.address (
  street text, "Zip Code" int, "select" text, location frozen<"GeoPoint">, tags set<text>,
  "say ""hi""" text)$$);

-- every CQL type
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_imp.all_types (
  id int PRIMARY KEY,
  a ascii, bi bigint, b blob, bo boolean, d date, de decimal, db double,
  du duration, f float, i inet, si smallint, t text, tm time, ts timestamp,
  tu timeuuid, ti tinyint, u uuid, vc varchar, vi varint,
  li list<int>, st set<text>, mp map<text, int>, tup tuple<int, text>,
  nl frozen<list<frozen<list<int>>>>, v vector<float, 3>, vt vector<text, 2>,
  addr frozen<address>, la list<frozen<address>>,
  cu 'org.apache.cassandra.db.marshal.LexicalUUIDType')$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_imp.all_types
  (id, a, bi, b, bo, d, de, db, du, f, i, si, t, tm, ts, tu, ti, u, vc, vi,
   li, st, mp, tup, nl, v, vt, addr, la, cu) VALUES
  (1, 'ascii', 9223372036854775807, 0xcafe, true, '2024-02-29', 123.456, 2.5,
   1h30m, 1.5, '10.0.0.1', -32768, 'text ü', '12:34:56.789', '2024-01-02 03:04:05.678+0000',
   50554d6e-29bb-11e5-b345-feff819cdc9f, -128, 5b6962dd-3f90-4c93-8f61-eabfa4a803e2,
   'varchar', 12345678901234567890,
   [3, 1, 2], {'b', 'a'}, {'one': 1, 'two': 2}, (42, 'x'), [[1, 2], [3]],
   [1.5, -2.25, 3], ['p', 'q'],
   {street: 'Main St', "Zip Code": 12345, "select": 'yes', location: {lat: 1.5, "Lon": -2.5}, tags: {'home'}, "say ""hi""": 'hello'},
   [{street: 'A'}], 0x5b6962dd3f904c938f61eabfa4a803e2)$$);
SELECT cql_fdw_execute('cass', 'INSERT INTO cqlfdw_imp.all_types (id) VALUES (2)');

-- case-sensitive, reserved and odd column names; a system column name; a
-- name too long for PostgreSQL
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_imp."CaseTable" (
  "UserId" int, "select" text, "two words" text, "with ""quotes""" text, xmin int,
  "a_column_name_that_is_much_longer_than_the_sixty_three_bytes_postgresql_allows" int,
  PRIMARY KEY ("UserId"))$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO cqlfdw_imp."CaseTable"
  ("UserId", "select", "two words", "with ""quotes""", xmin,
   "a_column_name_that_is_much_longer_than_the_sixty_three_bytes_postgresql_allows")
  VALUES (7, 'sel', 'two', 'q', 99, 63)$$);

-- a compound partition key, two clustering columns in opposite orders, a static column
SELECT cql_fdw_execute('cass', $$CREATE TABLE cqlfdw_imp.events (
  tenant text, bucket int, at timestamp, seq int, owner text static, payload text,
  PRIMARY KEY ((tenant, bucket), at, seq))
  WITH CLUSTERING ORDER BY (at DESC, seq ASC)$$);
SELECT cql_fdw_execute('cass', $$BEGIN UNLOGGED BATCH
  INSERT INTO cqlfdw_imp.events (tenant, bucket, at, seq, owner, payload) VALUES ('acme', 1, '2024-01-01 00:00:00+0000', 1, 'ann', 'p1');
  INSERT INTO cqlfdw_imp.events (tenant, bucket, at, seq, payload) VALUES ('acme', 1, '2024-01-02 00:00:00+0000', 1, 'p2');
  INSERT INTO cqlfdw_imp.events (tenant, bucket, at, seq, payload) VALUES ('acme', 1, '2024-01-02 00:00:00+0000', 2, 'p3');
  INSERT INTO cqlfdw_imp.events (tenant, bucket, at, seq, owner, payload) VALUES ('acme', 2, '2024-01-03 00:00:00+0000', 1, 'bob', 'p4');
APPLY BATCH$$);

-- counters
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_imp.page_views (page text PRIMARY KEY, views counter, likes counter)');
SELECT cql_fdw_execute('cass', $$UPDATE cqlfdw_imp.page_views SET views = views + 41, likes = likes + 3 WHERE page = '/home'$$);
SELECT cql_fdw_execute('cass', $$UPDATE cqlfdw_imp.page_views SET views = views + 1 WHERE page = '/home'$$);

-- a materialized view
SELECT cql_fdw_execute('cass', $$CREATE MATERIALIZED VIEW cqlfdw_imp.events_by_payload AS
  SELECT tenant, bucket, at, seq, payload FROM cqlfdw_imp.events
  WHERE payload IS NOT NULL AND tenant IS NOT NULL AND bucket IS NOT NULL AND at IS NOT NULL AND seq IS NOT NULL
  PRIMARY KEY (payload, tenant, bucket, at, seq)$$);

-- a case-sensitive keyspace and table
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE "cqlfdw_impCase"
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('cass', $$CREATE TABLE "cqlfdw_impCase"."MyTable" ("Key" text PRIMARY KEY, "Value" int)$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO "cqlfdw_impCase"."MyTable" ("Key", "Value") VALUES ('k', 1)$$);
-- two table names too long for PostgreSQL, the same in their first 63 bytes
SELECT cql_fdw_execute('cass', $$CREATE TABLE "cqlfdw_impCase".a_table_name_much_longer_than_the_sixty_three_bytes_of_postgresql_one (k int PRIMARY KEY)$$);
SELECT cql_fdw_execute('cass', $$CREATE TABLE "cqlfdw_impCase".a_table_name_much_longer_than_the_sixty_three_bytes_of_postgresql_two (k int PRIMARY KEY)$$);
SELECT cql_fdw_execute('cass', $$INSERT INTO "cqlfdw_impCase".a_table_name_much_longer_than_the_sixty_three_bytes_of_postgresql_two (k) VALUES (2)$$);

-- an empty keyspace
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_imp_empty
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);

--
-- Bad input
--
CREATE SCHEMA imp;
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (bogus 'x');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (collections 'list');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (udts 'record');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (if_not_exists 'maybe');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (udt_schema '');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (udt_schema 'no_such_schema');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (udts 'jsonb', udts 'auto');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (text_key_collation 'en_US');
-- a keyspace that does not exist, and one whose case was folded
IMPORT FOREIGN SCHEMA no_such_keyspace FROM SERVER cass INTO imp;
IMPORT FOREIGN SCHEMA cqlfdw_impCase FROM SERVER cass INTO imp;
-- LIMIT TO and EXCEPT name tables that must exist
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (no_such_table) FROM SERVER cass INTO imp;
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (casetable) FROM SERVER cass INTO imp;
IMPORT FOREIGN SCHEMA cqlfdw_imp EXCEPT (no_such_table) FROM SERVER cass INTO imp;
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO no_such_schema;
-- composite types required, but not made yet
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (all_types) FROM SERVER cass INTO imp OPTIONS (udts 'composite');
SELECT sqlstate_of('IMPORT FOREIGN SCHEMA no_such_keyspace FROM SERVER cass INTO imp');
SELECT sqlstate_of('IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (nope) FROM SERVER cass INTO imp');
SELECT sqlstate_of($$IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (bogus 'x')$$);
SELECT sqlstate_of($$IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (udts 'x')$$);
SELECT sqlstate_of($$IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (all_types) FROM SERVER cass INTO imp OPTIONS (udts 'composite')$$);
-- nothing was created by any of that
SELECT count(*) FROM pg_class WHERE relnamespace = 'imp'::regnamespace;
-- the functions check their arguments
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_imp', 'imp', '{collections}');
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_imp', 'imp', '{}', '{events}', '{events}');
SELECT * FROM cql_fdw_import_commands('cass', NULL, 'imp');
SELECT * FROM cql_fdw_import_commands('no_such_server', 'cqlfdw_imp', 'imp');
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'no_such_schema');
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'imp', 'list');
SELECT * FROM cql_fdw_create_types('cass', 'no_such_keyspace', 'imp');

--
-- Composite types for the UDTs, nested ones first
--
CREATE SCHEMA imp_types;
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'imp_types');
\d imp_types."GeoPoint"
\d imp_types.address
-- again: the same types are skipped
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'imp_types');
-- a type of that name that does not match is an error
CREATE SCHEMA imp_other;
CREATE TYPE imp_other."GeoPoint" AS (latitude float8);
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'imp_other');
DROP SCHEMA imp_other CASCADE;
-- lists and sets as jsonb
CREATE SCHEMA imp_other;
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'imp_other', 'jsonb');
\d imp_other.address
DROP SCHEMA imp_other CASCADE;

--
-- The DDL: UDT columns as the composites of imp_types (udt_schema),
-- the unmappable custom type as bytea with a NOTICE
--
\a
\t on
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_imp', 'imp', '{udt_schema=imp_types}');
-- UDTs and collections as jsonb
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_imp', 'imp',
  '{udts=jsonb,collections=jsonb}', limit_to => '{all_types}');
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_impCase', 'imp');
-- no views
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_imp', 'imp', '{import_views=false}',
  except_tables => '{all_types,CaseTable,page_views}');
\t off
\a
SELECT * FROM cql_fdw_import_commands('cass', 'cqlfdw_imp', 'imp', '{import_views=false}',
  limit_to => '{events_by_payload}');

--
-- Import, then read what was written
--
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp OPTIONS (udt_schema 'imp_types');
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'imp'::regnamespace ORDER BY 1;
\d imp."CaseTable"
\d imp.events
\x on
SELECT * FROM imp.all_types ORDER BY id;
\x off
SELECT (addr).street, (addr)."Zip Code", ((addr).location)."Lon", (addr).tags, (addr)."say ""hi""",
       li[2], 'a' = ANY (st) AS has_a, mp->>'two' AS two, v[3], encode(cu, 'hex') AS cu
  FROM imp.all_types WHERE id = 1;
SELECT * FROM imp."CaseTable";
SELECT * FROM imp.events ORDER BY tenant, bucket, at DESC, seq;
SELECT * FROM imp.page_views;
-- Cassandra builds a view in the background: wait for it (at most 60 s)
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT count(*) FROM imp.events_by_payload) = 4;
    PERFORM pg_sleep(0.2);
  END LOOP;
END $$;
SELECT * FROM imp.events_by_payload ORDER BY payload;
-- the key options and the server's metadata agree: routed reads, with the
-- case-sensitive names quoted in the CQL
EXPLAIN (VERBOSE, COSTS OFF) SELECT "select" FROM imp."CaseTable" WHERE "UserId" = 7;
SELECT "select", xmin_ FROM imp."CaseTable" WHERE "UserId" = 7;
SELECT payload FROM imp.events WHERE tenant = 'acme' AND bucket = 1 ORDER BY at, seq;
-- writes through an imported table
INSERT INTO imp."CaseTable" ("UserId", "select", "two words") VALUES (8, 'ins', 'w');
SELECT "UserId", "select", "two words" FROM imp."CaseTable" ORDER BY 1;
-- and through composite, array and jsonb columns, read back as written
INSERT INTO imp.all_types (id, addr, li, st, mp, tup, v)
  VALUES (3, ROW('Side St', 7, NULL, ROW(0.5, -0.5)::imp_types."GeoPoint", '{a,b}', 'it''s')::imp_types.address,
          '{9,8}', '{z}', '{"k": 1}', '[7, "seven"]', '{0.25,0.5,1}');
SELECT id, addr, li, st, mp, tup, v FROM imp.all_types WHERE id = 3;
DELETE FROM imp.all_types WHERE id = 3;
-- a materialized view is read-only
INSERT INTO imp.events_by_payload (payload, tenant, bucket, at, seq) VALUES ('x', 'acme', 9, now(), 1);

-- collections and UDTs as jsonb
CREATE SCHEMA imp_json;
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (all_types) FROM SERVER cass INTO imp_json
  OPTIONS (collections 'jsonb', udts 'jsonb');
SELECT li, st, addr, la, v FROM imp_json.all_types WHERE id = 1;

-- text keys in the "C" collation, the order Cassandra keeps them in: a
-- range on a text clustering column can then be sent to Cassandra
CREATE SCHEMA imp_c;
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (events_by_payload) FROM SERVER cass INTO imp_c
  OPTIONS (text_key_collation 'C');
\d imp_c.events_by_payload
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT bucket FROM imp_c.events_by_payload WHERE payload = 'p2' AND tenant > 'a';
SELECT bucket FROM imp_c.events_by_payload WHERE payload = 'p2' AND tenant > 'a';

--
-- The case-sensitive keyspace
--
CREATE SCHEMA imp_case;
IMPORT FOREIGN SCHEMA "cqlfdw_impCase" FROM SERVER cass INTO imp_case;
SELECT * FROM imp_case."MyTable";
EXPLAIN (VERBOSE, COSTS OFF) SELECT "Value" FROM imp_case."MyTable" WHERE "Key" = 'k';
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'imp_case'::regnamespace ORDER BY 1;
SELECT * FROM imp_case.a_table_name_much_longer_than_the_sixty_three_bytes_of_postgr_2;

--
-- LIMIT TO and EXCEPT
--
CREATE SCHEMA imp_some;
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO ("CaseTable", page_views) FROM SERVER cass INTO imp_some;
SELECT relname FROM pg_class WHERE relnamespace = 'imp_some'::regnamespace ORDER BY 1;
SELECT * FROM imp_some.page_views;
CREATE SCHEMA imp_rest;
IMPORT FOREIGN SCHEMA cqlfdw_imp EXCEPT ("CaseTable", page_views, all_types) FROM SERVER cass INTO imp_rest
  OPTIONS (import_views 'false');
SELECT relname FROM pg_class WHERE relnamespace = 'imp_rest'::regnamespace ORDER BY 1;

--
-- Importing again: an error, as PostgreSQL's own IMPORT; or skip existing tables
--
IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (events) FROM SERVER cass INTO imp_some;
SELECT sqlstate_of('IMPORT FOREIGN SCHEMA cqlfdw_imp LIMIT TO (page_views) FROM SERVER cass INTO imp_some');
IMPORT FOREIGN SCHEMA cqlfdw_imp FROM SERVER cass INTO imp_some
  OPTIONS (if_not_exists 'true', udts 'jsonb');
SELECT relname FROM pg_class WHERE relnamespace = 'imp_some'::regnamespace ORDER BY 1;

--
-- Bringing a table up to date after the Cassandra table changed
--
SELECT cql_fdw_execute('cass', 'ALTER TABLE cqlfdw_imp.events ADD "Note" text');
SELECT cql_fdw_execute('cass', $$UPDATE cqlfdw_imp.events SET "Note" = 'noted' WHERE tenant = 'acme' AND bucket = 2 AND at = '2024-01-03 00:00:00+0000' AND seq = 1$$);
SELECT * FROM cql_fdw_refresh_table('imp.events', dry_run => true);
\d imp.events
SELECT * FROM cql_fdw_refresh_table('imp.events');
\d imp.events
SELECT tenant, bucket, seq, "Note" FROM imp.events ORDER BY tenant, bucket, at, seq;
-- up to date: nothing to do
SELECT * FROM cql_fdw_refresh_table('imp.events');
-- a column Cassandra dropped is dropped; a column whose recorded CQL type
-- is stale gets the new type; a column renamed on the PostgreSQL side keeps
-- its link through column_name
SELECT cql_fdw_execute('cass', 'ALTER TABLE cqlfdw_imp."CaseTable" DROP "with ""quotes"""');
ALTER FOREIGN TABLE imp."CaseTable" ALTER COLUMN xmin_ TYPE text;
ALTER FOREIGN TABLE imp."CaseTable" ALTER COLUMN xmin_ OPTIONS (SET cql_type 'text');
ALTER FOREIGN TABLE imp."CaseTable" RENAME COLUMN "two words" TO two_words;
SELECT * FROM cql_fdw_refresh_table('imp."CaseTable"');
SELECT "UserId", two_words, xmin_ + 1 AS xmin_plus_1 FROM imp."CaseTable" ORDER BY 1;
\d imp."CaseTable"
-- a table written by hand gets its key options; two columns that read the
-- same Cassandra column are both kept
CREATE FOREIGN TABLE hand (tenant text, bucket int, at timestamptz, seq int, payload text,
  payload_short varchar(2) OPTIONS (column_name 'payload'))
  SERVER cass OPTIONS (keyspace 'cqlfdw_imp', table 'events');
SELECT * FROM cql_fdw_refresh_table('hand', '{udts=jsonb}');
SELECT count(*), count(owner), count("Note"), string_agg(payload_short, ',' ORDER BY payload_short) FROM hand;
-- bad input
SELECT * FROM cql_fdw_refresh_table('imp_types."GeoPoint"');
SELECT * FROM cql_fdw_refresh_table('hand', '{if_not_exists=true}');
CREATE FOREIGN TABLE gone (id int) SERVER cass OPTIONS (keyspace 'cqlfdw_imp', table 'no_such_table');
SELECT * FROM cql_fdw_refresh_table('gone');

-- a field added to a UDT: the composite type gets it too, and the column reads it
SELECT cql_fdw_execute('cass', 'ALTER TYPE cqlfdw_imp."GeoPoint" ADD "Alt" int');
SELECT cql_fdw_execute('cass', $$UPDATE cqlfdw_imp.all_types SET addr = {street: 'High St', location: {lat: 1, "Lon": 2, "Alt": 3}} WHERE id = 2$$);
SELECT * FROM cql_fdw_create_types('cass', 'cqlfdw_imp', 'imp_types');
\d imp_types."GeoPoint"
SELECT id, addr FROM imp.all_types ORDER BY id;

--
-- An empty keyspace, and one with dozens of tables
--
CREATE SCHEMA imp_empty;
IMPORT FOREIGN SCHEMA cqlfdw_imp_empty FROM SERVER cass INTO imp_empty;
SELECT count(*) FROM pg_class WHERE relnamespace = 'imp_empty'::regnamespace;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_imp_many
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
DO $$
BEGIN
  FOR n IN 1..36 LOOP
    PERFORM cql_fdw_execute('cass', format('CREATE TABLE cqlfdw_imp_many.t%s (k int, c int, v text, PRIMARY KEY (k, c))', lpad(n::text, 2, '0')));
    PERFORM cql_fdw_execute('cass', format($q$INSERT INTO cqlfdw_imp_many.t%s (k, c, v) VALUES (%s, 1, 'row of t%s')$q$,
                                           lpad(n::text, 2, '0'), n, lpad(n::text, 2, '0')));
  END LOOP;
END $$;
CREATE SCHEMA imp_many;
IMPORT FOREIGN SCHEMA cqlfdw_imp_many FROM SERVER cass INTO imp_many;
SELECT count(*) FROM pg_class WHERE relnamespace = 'imp_many'::regnamespace;
DO $$
DECLARE
  r record;
  total int := 0;
  bad int := 0;
  got record;
BEGIN
  FOR r IN SELECT relname FROM pg_class WHERE relnamespace = 'imp_many'::regnamespace ORDER BY relname LOOP
    EXECUTE format('SELECT k, v FROM imp_many.%I', r.relname) INTO got;
    total := total + 1;
    IF got.v <> 'row of ' || r.relname OR got.k <> substr(r.relname, 2)::int THEN
      bad := bad + 1;
    END IF;
  END LOOP;
  RAISE NOTICE '% tables read, % with unexpected rows', total, bad;
END $$;

SET client_min_messages = warning;
DO $$ BEGIN
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_imp');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE "cqlfdw_impCase"');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_imp_empty');
  PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_imp_many');
END $$;
DROP SERVER cass CASCADE;
DROP SCHEMA imp, imp_json, imp_c, imp_types, imp_case, imp_some, imp_rest, imp_empty, imp_many CASCADE;
DROP FUNCTION sqlstate_of(text);
