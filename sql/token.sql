--
-- Tokens: the driver's Murmur3 against the published vectors and against
-- the node's own token() for single and composite partition keys.
--
\getenv cql_host CQL_HOST
\getenv cql_port CQL_PORT
CREATE SERVER cass FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'cql_host', port :'cql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER cass;

-- vectors from the reference drivers and Cassandra's tests
SELECT k, cql_fdw_token(k) FROM (VALUES
  ('\x00000001'::bytea), ('\x00000002'), ('\x00000003'), ('\x0000000000000001'),
  (convert_to('123', 'UTF8')), ('\xfefefefefefefefe'), ('\x1010101010101010'),
  (decode(repeat('00ff10fa99', 10), 'hex')), (convert_to('test', 'UTF8')),
  (convert_to('xd', 'UTF8')), (convert_to('primary_key', 'UTF8')),
  (convert_to('kremówki', 'UTF8')), (''::bytea)) AS v(k);

-- the node agrees: a row is found by the token computed here
DO $$ BEGIN PERFORM cql_fdw_execute('cass', 'DROP KEYSPACE IF EXISTS cqlfdw_token'); END $$;
SELECT cql_fdw_execute('cass', $$CREATE KEYSPACE cqlfdw_token
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_token.by_int (k int PRIMARY KEY)');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_token.by_text (k text PRIMARY KEY)');
SELECT cql_fdw_execute('cass', 'CREATE TABLE cqlfdw_token.by_two (a bigint, b text, c int, PRIMARY KEY ((a, b), c))');
SELECT count(*) AS int_keys_found FROM (
  SELECT cql_fdw_execute('cass', format('INSERT INTO cqlfdw_token.by_int (k) VALUES (%s)', k)),
         cql_fdw_execute('cass', format('SELECT k FROM cqlfdw_token.by_int WHERE token(k) = %s',
                                        cql_fdw_token(int4send(k)))) AS found
    FROM (VALUES (0), (1), (-1), (42), (2147483647), (-2147483648)) AS v(k)) x
 WHERE found = 'ROWS 1';
SELECT count(*) AS text_keys_found FROM (
  SELECT cql_fdw_execute('cass', format('INSERT INTO cqlfdw_token.by_text (k) VALUES (%L)', k)),
         cql_fdw_execute('cass', format('SELECT k FROM cqlfdw_token.by_text WHERE token(k) = %s',
                                        cql_fdw_token(convert_to(k, 'UTF8')))) AS found
    FROM (VALUES ('a'), ('kremówki'), (repeat('long key ', 40)), ('x')) AS v(k)) x
 WHERE found = 'ROWS 1';
SELECT count(*) AS composite_keys_found FROM (
  SELECT cql_fdw_execute('cass', format('INSERT INTO cqlfdw_token.by_two (a, b, c) VALUES (%s, %L, 1)', a, b)),
         cql_fdw_execute('cass', format('SELECT a FROM cqlfdw_token.by_two WHERE token(a, b) = %s',
                                        cql_fdw_token(cql_fdw_routing_key(int8send(a), convert_to(b, 'UTF8'))))) AS found
    FROM (VALUES (1::bigint, 'one'), (-5, ''), (9223372036854775807, 'max')) AS v(a, b)) x
 WHERE found = 'ROWS 1';

-- a single part is its own routing key; null parts are refused
SELECT cql_fdw_routing_key('\x0102'::bytea) = '\x0102'::bytea AS single_part_is_itself;
SELECT cql_fdw_routing_key('\x01'::bytea, '\x0203'::bytea);
SELECT cql_fdw_routing_key('\x01'::bytea, NULL);
SELECT cql_fdw_routing_key(VARIADIC ARRAY['\x01'::bytea, NULL]);

SELECT cql_fdw_execute('cass', 'DROP KEYSPACE cqlfdw_token');
DROP SERVER cass CASCADE;
