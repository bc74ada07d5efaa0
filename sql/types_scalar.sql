--
-- Scalar types read exactly: edge values of every type, the declared types
-- each CQL type may be read as, and values PostgreSQL cannot hold, which are
-- errors naming the table, the column and the value.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_typ_scalar'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_typ_scalar
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
CREATE FUNCTION cql(stmt text) RETURNS text LANGUAGE sql
  AS $$ SELECT cql_fdw_execute('cass', stmt) $$;
CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

SELECT cql($$CREATE TABLE cqlfdw_typ_scalar.s (
  id int PRIMARY KEY, ti tinyint, si smallint, i int, bi bigint, vi varint,
  de decimal, f float, d double, bo boolean, t text, a ascii, vc varchar,
  b blob, u uuid, tu timeuuid, ip inet, dt date, tm time, ts timestamp,
  du duration)$$);

-- 1: the lower ends; dates and timestamps at PostgreSQL's first day
-- (a date is written as unsigned days with 2^31 at 1970-01-01)
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s
  (id, ti, si, i, bi, vi, de, f, d, bo, t, a, vc, b, u, tu, ip, dt, tm, ts, du)
  VALUES (1, -128, -32768, -2147483648, -9223372036854775808,
  -18446744073709551617, -1.50, -Infinity, -Infinity, false, '', '', '', 0x,
  00000000-0000-0000-0000-000000000000, 00000000-0000-1000-8080-808080808080,
  '0.0.0.0', 2145043060, '00:00:00', -210866803200000,
  -1y2mo3d4h5m6s7ms8us)$$);
-- 2: the upper ends, non-ASCII text, PostgreSQL's last day and microsecond
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s
  (id, ti, si, i, bi, vi, de, f, d, bo, t, a, vc, b, u, tu, ip, dt, tm, ts, du)
  VALUES (2, 127, 32767, 2147483647, 9223372036854775807,
  18446744073709551616, 123456789.123456789012345678901234567890, Infinity, Infinity,
  true, 'héllo wörld ✓ 日本語 😀', '~ascii~', 'ça va', 0x00ff00,
  ffffffff-ffff-ffff-ffff-ffffffffffff, ffffffff-ffff-1fff-bf7f-7f7f7f7f7f7f,
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 4292526553, '23:59:59.999999',
  9224318015999999, 178956970y7mo2147483647d2562047h47m16s854ms775us)$$);
-- 3: NaN, negative zero, the smallest and largest finite floats, decimals
-- with a negative scale and a large one, a varint of 61 digits
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s (id, vi, de, f, d, t, ip, dt, tm, ts, du)
  VALUES (3, 1606938044258990275541962092341162602522202993782792835301376,
  1E+10, NaN, NaN, 'a''quote" and \ back', '::1', '1970-01-01', '12:34:56.789',
  '1970-01-01 00:00:00.001+0000', 0s)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s (id, vi, de, f, d)
  VALUES (4, 0, 0.000000000000000000000000000000000000000000000000000000000001,
  -0.0, -0.0)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s (id, de, f, d)
  VALUES (5, -0.00, 1.4E-45, 4.9E-324)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s (id, de, f, d)
  VALUES (6, 100, 3.4028235E38, 1.7976931348623157E308)$$);
-- 7: nothing but the key: every column null
SELECT cql('INSERT INTO cqlfdw_typ_scalar.s (id) VALUES (7)');
-- 8: zero-length values of fixed-size types (those Cassandra accepts) read
-- as null; empty text and blob are values
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.s (id, i, bi, vi, de, f, d, bo, u, tu, ip, ts, t, b)
  VALUES (8, blobAsInt(0x), blobAsBigint(0x), blobAsVarint(0x), blobAsDecimal(0x),
  blobAsFloat(0x), blobAsDouble(0x), blobAsBoolean(0x), blobAsUuid(0x),
  blobAsTimeuuid(0x), blobAsInet(0x), blobAsTimestamp(0x), '', 0x)$$);

CREATE FOREIGN TABLE s (
  id int, ti smallint, si smallint, i int, bi bigint, vi numeric, de numeric,
  f real, d double precision, bo boolean, t text, a text, vc text, b bytea,
  u uuid, tu uuid, ip inet, dt date, tm time, ts timestamptz, du interval)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar');
-- (far dates in UTC: zone rules that far out depend on the tz database)
SET TimeZone = 'UTC';
\x on
SELECT * FROM s ORDER BY id;
\x off
RESET TimeZone;
-- the values are the PostgreSQL values, not just their text
SELECT id, ti = -128 AS ti_min, bi = -9223372036854775808 AS bi_min,
       vi = -18446744073709551617 AS vi, de = -1.5 AS de, scale(de) AS de_scale,
       f = '-Infinity'::real AS f, dt = '4714-11-24 BC'::date AS dt_first,
       ts = '4714-11-24 00:00:00+00 BC'::timestamptz AS ts_first,
       du = '-1 year -2 mons -3 days -04:05:06.007008'::interval AS du,
       length(t) AS t_len, length(b) AS b_len
  FROM s WHERE id = 1;
SELECT id, vi = 18446744073709551616 AS vi, vi - 1 = 2^64 - 1 AS vi_minus_1,
       de = 123456789.123456789012345678901234567890 AS de, scale(de) AS de_scale,
       dt = '5874897-12-31'::date AS dt_last,
       ts = '294276-12-31 23:59:59.999+00'::timestamptz AS ts_last,
       length(t) AS t_chars, octet_length(t) AS t_bytes, t = U&'h\00E9llo w\00F6rld \2713 \65E5\672C\8A9E \+01F600' AS t,
       b = '\x00ff00'::bytea AS b, du = make_interval(years => 178956970, months => 7,
         days => 2147483647, hours => 2562047, mins => 47, secs => 16.854775) AS du
  FROM s WHERE id = 2;
SELECT id, vi = 2::numeric ^ 200 AS vi_2_200, de, scale(de), tm, ts
  FROM s WHERE id = 3;
SELECT id, de, scale(de), f, d, f::text = '-0' AS f_negative_zero, d::text = '-0' AS d_negative_zero
  FROM s WHERE id IN (4, 5, 6) ORDER BY id;
SELECT id, num_nulls(ti, si, i, bi, vi, de, f, d, bo, t, a, vc, b, u, tu, ip, dt, tm, ts, du) AS nulls
  FROM s WHERE id = 7;
SELECT id, num_nulls(i, bi, vi, de, f, d, bo, u, tu, ip, ts) AS nulls_of_11
  FROM s WHERE id = 8;
SELECT t = '' AS empty_text, b = '' AS empty_blob FROM s WHERE id = 8;

-- counters are bigint
SELECT cql('CREATE TABLE cqlfdw_typ_scalar.cnt (id int PRIMARY KEY, c counter)');
SELECT cql('UPDATE cqlfdw_typ_scalar.cnt SET c = c + 9223372036854775807 WHERE id = 1');
SELECT cql('UPDATE cqlfdw_typ_scalar.cnt SET c = c - 9223372036854775807 WHERE id = 2');
SELECT cql('UPDATE cqlfdw_typ_scalar.cnt SET c = c - 1 WHERE id = 2');
CREATE FOREIGN TABLE cnt (id int, c bigint) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar');
SELECT * FROM cnt ORDER BY id;
CREATE FOREIGN TABLE cnt_numeric (id int, c numeric) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'cnt');
SELECT c + 1 AS beyond_bigint FROM cnt_numeric WHERE id = 1;

--
-- Widening: a declared type that holds every value of the CQL type exactly
--
CREATE FOREIGN TABLE s_wide (
  id numeric, ti bigint, si real, i double precision, bi numeric, f double precision,
  ts timestamp, ip cidr, vc varchar(20))
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SET TimeZone = 'UTC';
SELECT * FROM s_wide WHERE id <= 3 ORDER BY id;
RESET TimeZone;
SELECT f = 1.4E-45::real AS exact_subnormal FROM s_wide WHERE id = 5;
-- timestamp without time zone is the local time in TimeZone, as
-- timestamptz::timestamp gives it
CREATE FOREIGN TABLE s_local (id int, ts timestamp) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SET TimeZone = 'Asia/Kathmandu';
SELECT ts FROM s_local WHERE id = 3;
SELECT ts, ts::timestamp FROM s WHERE id = 3;
-- east of UTC, PostgreSQL's last millisecond is beyond timestamp's range
SELECT ts FROM s_local WHERE id = 2;
RESET TimeZone;

--
-- Every type as text: the natural type's text
--
CREATE FOREIGN TABLE s_text (
  id text, ti text, si text, i text, bi text, vi text, de text, f text, d text,
  bo text, t text, a text, vc text, b text, u text, tu text, ip text, dt text,
  tm text, ts text, du text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SET TimeZone = 'UTC';
\x on
SELECT * FROM s_text WHERE id IN ('1', '2', '3') ORDER BY id;
\x off
RESET TimeZone;
-- and as jsonb, in the shape to_jsonb gives the natural value (but text,
-- which is parsed as JSON: below)
CREATE FOREIGN TABLE s_jsonb (
  id jsonb, i jsonb, vi jsonb, de jsonb, f jsonb, d jsonb, bo jsonb, b jsonb,
  u jsonb, dt jsonb, tm jsonb, ts jsonb, du jsonb)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT cql('CREATE TABLE cqlfdw_typ_scalar.js (id int PRIMARY KEY, doc text)');
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.js (id, doc) VALUES (1, '{"b": [1, 2.50], "a": null}')$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.js (id, doc) VALUES (2, 'not json')$$);
SELECT * FROM s_jsonb WHERE id IN ('2', '3') ORDER BY id;
SELECT to_jsonb(s) - 'id' - 'ti' - 'si' - 'bi' - 't' - 'a' - 'vc' - 'tu' - 'ip' =
       (SELECT to_jsonb(j) - 'id' FROM s_jsonb j WHERE j.id = '2') AS same_as_to_jsonb
  FROM s WHERE id = 2;
-- CQL text read as json or jsonb is parsed: a JSON document kept as text
CREATE FOREIGN TABLE js (id int, doc jsonb) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar');
CREATE FOREIGN TABLE js_json (id int, doc json) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'js');
SELECT doc, doc->'b'->1 AS b1 FROM js WHERE id = 1;
SELECT doc FROM js_json WHERE id = 1;
SELECT doc FROM js WHERE id = 2;

--
-- Typmods, domains and enums: checked per value, never rounded or cut
--
CREATE DOMAIN small_positive AS int CHECK (VALUE > 0);
CREATE DOMAIN strict_text AS text NOT NULL;
CREATE TYPE mood AS ENUM ('ça va', 'bad');
SELECT cql($$CREATE TABLE cqlfdw_typ_scalar.m (id int PRIMARY KEY, de decimal, i int,
  tm time, ts timestamp, du duration, t text)$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.m (id, de, i, tm, ts, du, t)
  VALUES (1, 1.50, 999, '12:00:01', '2024-01-01 00:00:01+0000', 1d, 'ça va')$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.m (id, de, i, tm, ts, du, t)
  VALUES (2, 1.555, 1000, '12:00:01.5', '2024-01-01 00:00:01.5+0000', 1d1ms, 'ça ne va pas')$$);
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.m (id, i) VALUES (3, -1)$$);
CREATE FOREIGN TABLE m (id int, de numeric(4,1), i numeric(3,0), tm time(0),
  ts timestamptz(0), du interval second(0), t varchar(5))
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar');
SELECT * FROM m WHERE id = 1;
SELECT de FROM m WHERE id = 2;
SELECT sqlstate_of('SELECT de FROM m WHERE id = 2');
SELECT i FROM m WHERE id = 2;
SELECT tm FROM m WHERE id = 2;
SELECT ts FROM m WHERE id = 2;
SELECT du FROM m WHERE id = 2;
SELECT t FROM m WHERE id = 2;
SELECT sqlstate_of('SELECT t FROM m WHERE id = 2');
CREATE FOREIGN TABLE m_char (id int, t char(8)) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'm');
SELECT t, octet_length(t::text) AS len FROM m_char WHERE id = 1;
SELECT t FROM m_char WHERE id = 2;
CREATE FOREIGN TABLE m_dom (id int, i small_positive, t strict_text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'm');
SELECT i, t FROM m_dom WHERE id = 1;
SELECT i FROM m_dom WHERE id = 3;
SELECT t FROM m_dom WHERE id = 3;
CREATE FOREIGN TABLE m_enum (id int, t mood) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'm');
SELECT t FROM m_enum WHERE id = 1;
SELECT t FROM m_enum WHERE id = 2;

--
-- Declared types that cannot hold every value: refused when the scan
-- starts, naming both types, whatever the rows hold
--
CREATE FOREIGN TABLE bad_int (id int, i smallint) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT i FROM bad_int WHERE id = 7;
SELECT sqlstate_of('SELECT i FROM bad_int WHERE id = 7');
CREATE FOREIGN TABLE bad_bigint (id int, bi int) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT bi FROM bad_bigint WHERE id = 7;
CREATE FOREIGN TABLE bad_varint (id int, vi bigint) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT vi FROM bad_varint WHERE id = 7;
CREATE FOREIGN TABLE bad_double (id int, d real) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT d FROM bad_double WHERE id = 7;
CREATE FOREIGN TABLE bad_float (id int, f numeric) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT f FROM bad_float WHERE id = 7;
CREATE FOREIGN TABLE bad_bigint_float (id int, bi double precision) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT bi FROM bad_bigint_float WHERE id = 7;
CREATE FOREIGN TABLE bad_text (id int, t uuid) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT t FROM bad_text WHERE id = 7;
CREATE FOREIGN TABLE bad_uuid (id int, u bytea) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT u FROM bad_uuid WHERE id = 7;
CREATE FOREIGN TABLE bad_ts (id int, ts date) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT ts FROM bad_ts WHERE id = 7;
CREATE FOREIGN TABLE bad_name (id int, t name) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT t FROM bad_name WHERE id = 7;
CREATE FOREIGN TABLE bad_array (id int, i int[]) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 's');
SELECT i FROM bad_array WHERE id = 7;

--
-- Values PostgreSQL cannot hold: an error naming table, column and value
--
SELECT cql($$CREATE TABLE cqlfdw_typ_scalar.x (id int PRIMARY KEY, dt date, tm time,
  ts timestamp, du duration, t text, a ascii, de decimal, vi varint)$$);
CREATE FOREIGN TABLE x (id int, dt date, tm time, ts timestamptz, du interval,
  t text, a text, de numeric, vi numeric)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar');
CREATE FOREIGN TABLE x_text (id int, dt text, tm text, ts text, du text, t text, de text)
  SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'x');
CREATE FOREIGN TABLE x_jsonb (id int, dt jsonb, t jsonb) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar', table 'x');
-- dates: one day beyond each end of PostgreSQL's range, and Cassandra's ends
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, dt) VALUES (1, 4292526554)');
SELECT dt FROM x WHERE id = 1;
SELECT sqlstate_of('SELECT dt FROM x WHERE id = 1');
SELECT dt FROM x_text WHERE id = 1;
SELECT dt FROM x_jsonb WHERE id = 1;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, dt) VALUES (1, 2145043059)');
SELECT dt FROM x WHERE id = 1;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, dt) VALUES (1, 0)');
SELECT dt FROM x WHERE id = 1;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, dt) VALUES (1, 4294967295)');
SELECT dt FROM x WHERE id = 1;
-- timestamps: a millisecond beyond each end, and the int64 ends
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, ts) VALUES (2, 9224318016000000)');
SELECT ts FROM x WHERE id = 2;
SELECT sqlstate_of('SELECT ts FROM x WHERE id = 2');
SELECT ts FROM x_text WHERE id = 2;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, ts) VALUES (2, -210866803200001)');
SELECT ts FROM x WHERE id = 2;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, ts) VALUES (2, -9223372036854775808)');
SELECT ts FROM x WHERE id = 2;
-- time and duration with nanoseconds
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.x (id, tm) VALUES (3, '23:59:59.999999999')$$);
SELECT tm FROM x WHERE id = 3;
SELECT sqlstate_of('SELECT tm FROM x WHERE id = 3');
SELECT tm FROM x_text WHERE id = 3;
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.x (id, tm) VALUES (3, '00:00:00.000000001')$$);
SELECT tm FROM x WHERE id = 3;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, du) VALUES (4, 1ns)');
SELECT du FROM x WHERE id = 4;
SELECT sqlstate_of('SELECT du FROM x WHERE id = 4');
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, du) VALUES (4, -1y2mo3d4h5m6s7ms8us9ns)');
SELECT du FROM x WHERE id = 4;
SELECT du FROM x_text WHERE id = 4;
-- text and ascii containing U+0000
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.x (id, t, a) VALUES (5, 'before' + blobAsText(0x00) + 'after', blobAsAscii(0x410042))$$);
SELECT t FROM x WHERE id = 5;
SELECT sqlstate_of('SELECT t FROM x WHERE id = 5');
SELECT a FROM x WHERE id = 5;
SELECT t FROM x_text WHERE id = 5;
SELECT t FROM x_jsonb WHERE id = 5;
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.x (id, t) VALUES (5, blobAsText(0x00) + 'a long text after the NUL, cut short in the message: ' + 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz')$$);
SELECT t FROM x WHERE id = 5;
-- decimals and varints beyond numeric: 16383 digits after the point hold,
-- 16384 do not; 131072 digits before the point hold, 131073 do not
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, de) VALUES (6, 1E-16383)');
SELECT de = ('0.' || repeat('0', 16382) || '1')::numeric AS exact, scale(de) FROM x WHERE id = 6;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, de) VALUES (6, -1.5E-16383)');
SELECT de FROM x WHERE id = 6;
SELECT sqlstate_of('SELECT de FROM x WHERE id = 6');
SELECT de FROM x_text WHERE id = 6;
-- (1E+131071 as bytes: scale -131071, unscaled 1)
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, de) VALUES (6, blobAsDecimal(0xfffe000101))');
SELECT de = 10::numeric ^ 131071 AS exact FROM x WHERE id = 6;
SELECT cql('INSERT INTO cqlfdw_typ_scalar.x (id, de) VALUES (6, blobAsDecimal(0xfffe000001))');
SELECT de FROM x WHERE id = 6;
SELECT cql(format('INSERT INTO cqlfdw_typ_scalar.x (id, vi) VALUES (7, -%s)', repeat('9', 131072)));
SELECT vi::text = '-' || repeat('9', 131072) AS exact FROM x WHERE id = 7;
SELECT cql(format('INSERT INTO cqlfdw_typ_scalar.x (id, vi) VALUES (7, 1%s)', repeat('0', 131072)));
SELECT vi FROM x WHERE id = 7;
SELECT sqlstate_of('SELECT vi FROM x WHERE id = 7');
-- the error is the same inside a collection, and the next query works
SELECT cql('CREATE TABLE cqlfdw_typ_scalar.xl (id int PRIMARY KEY, dts list<date>, tms map<text, time>)');
SELECT cql($$INSERT INTO cqlfdw_typ_scalar.xl (id, dts, tms) VALUES (1, ['2024-01-01', 4292526554], {'a': '01:00:00.000000001'})$$);
CREATE FOREIGN TABLE xl (id int, dts date[], tms jsonb) SERVER cass OPTIONS (keyspace 'cqlfdw_typ_scalar');
SELECT dts FROM xl WHERE id = 1;
SELECT tms FROM xl WHERE id = 1;
SELECT count(*) FROM s;

SELECT cql('DROP KEYSPACE cqlfdw_typ_scalar');
DROP SERVER cass CASCADE;
DROP FUNCTION cql(text), sqlstate_of(text);
DROP TYPE mood;
DROP DOMAIN small_positive, strict_text;
