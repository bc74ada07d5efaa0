--
-- A node with PasswordAuthenticator and client TLS (optional: the same port
-- serves plain and TLS clients): logins, refused logins, TLS with and
-- without verification, certificates that do not verify, compression.
--
\getenv secure_host CQL_SECURE_HOST
\getenv secure_port CQL_SECURE_PORT
\getenv cql_user CQL_USER
\getenv cql_password CQL_PASSWORD
\getenv tls_dir CQL_TLS_DIR
\getenv tls_name CQL_TLS_SERVER_NAME
\set VERBOSITY default
\set ca_file :tls_dir '/ca.pem'
\set other_ca_file :tls_dir '/other-ca.pem'
\set client_cert :tls_dir '/client.pem'
\set client_key :tls_dir '/client-key.pem'

-- a login with the right password
CREATE SERVER secure FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'secure_host', port :'secure_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER secure
  OPTIONS (username :'cql_user', password :'cql_password');
SELECT cql_fdw_execute('secure', 'SELECT release_version FROM system.local');
SELECT server_name, ready, compression, tls FROM cql_fdw_sessions() WHERE server_name = 'secure';

-- a wrong password: the error names the server and the user, never the password
ALTER USER MAPPING FOR CURRENT_USER SERVER secure OPTIONS (SET password 'not-the-password-42');
SELECT cql_fdw_execute('secure', 'SELECT release_version FROM system.local');
DO $$
BEGIN
  PERFORM cql_fdw_execute('secure', 'SELECT release_version FROM system.local');
EXCEPTION WHEN OTHERS THEN
  DECLARE
    msg text;
    detail text;
  BEGIN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RAISE NOTICE 'sqlstate %, password shown: %', SQLSTATE,
      (msg || detail) LIKE '%not-the-password-42%';
  END;
END $$;
-- no credentials at all
ALTER USER MAPPING FOR CURRENT_USER SERVER secure OPTIONS (DROP username, DROP password);
SELECT cql_fdw_execute('secure', 'SELECT release_version FROM system.local');
ALTER USER MAPPING FOR CURRENT_USER SERVER secure
  OPTIONS (ADD username :'cql_user', ADD password :'cql_password');

-- data for the reads below
DO $$ BEGIN PERFORM cql_fdw_execute('secure', 'DROP KEYSPACE IF EXISTS cqlfdw_secure'); END $$;
SELECT cql_fdw_execute('secure', $$CREATE KEYSPACE cqlfdw_secure
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}$$);
SELECT cql_fdw_execute('secure', 'CREATE TABLE cqlfdw_secure.t (id int PRIMARY KEY, v text)');
DO $$
DECLARE
  b int;
  stmt text;
BEGIN
  FOR b IN 0..19 LOOP
    SELECT 'BEGIN UNLOGGED BATCH ' ||
           string_agg(format('INSERT INTO cqlfdw_secure.t (id, v) VALUES (%s, %L);', i, repeat('x', i % 50)), ' ') ||
           ' APPLY BATCH'
      INTO stmt
      FROM generate_series(b * 100, b * 100 + 99) AS i;
    PERFORM cql_fdw_execute('secure', stmt);
  END LOOP;
END $$;
CREATE FOREIGN TABLE secure_t (id int, v text) SERVER secure OPTIONS (keyspace 'cqlfdw_secure', table 't');
SELECT count(*), sum(id), sum(length(v)) FROM secure_t;

-- TLS, verifying the certificate and that it names the host (by its address)
ALTER SERVER secure OPTIONS (ADD tls 'verify-full', ADD tls_ca_file :'ca_file');
SELECT count(*), sum(id), sum(length(v)) FROM secure_t;
SELECT server_name, ready, compression, tls FROM cql_fdw_sessions() WHERE server_name = 'secure';
-- ... by the name it was issued for
ALTER SERVER secure OPTIONS (ADD tls_server_name :'tls_name');
SELECT count(*) FROM secure_t;
-- ... with LZ4 compression and a client certificate as well
ALTER SERVER secure OPTIONS (ADD compression 'lz4', ADD tls_cert_file :'client_cert', ADD tls_key_file :'client_key');
SELECT count(*), sum(id), sum(length(v)) FROM secure_t;
SELECT server_name, ready, compression, tls FROM cql_fdw_sessions() WHERE server_name = 'secure';

-- a certificate for another name: refused under verify-full, accepted under verify-ca
ALTER SERVER secure OPTIONS (SET tls_server_name 'some-other-host.test');
SELECT count(*) FROM secure_t;
ALTER SERVER secure OPTIONS (SET tls 'verify-ca');
SELECT count(*) FROM secure_t;
-- a certificate from a CA we do not trust: refused, accepted with require
ALTER SERVER secure OPTIONS (SET tls 'verify-full', SET tls_ca_file :'other_ca_file', DROP tls_server_name);
SELECT count(*) FROM secure_t;
ALTER SERVER secure OPTIONS (SET tls 'require');
SELECT count(*) FROM secure_t;
SELECT server_name, ready, compression, tls FROM cql_fdw_sessions() WHERE server_name = 'secure';
-- a key that does not belong to the certificate
ALTER SERVER secure OPTIONS (SET tls_key_file :'ca_file');
SELECT count(*) FROM secure_t;

ALTER SERVER secure OPTIONS (DROP tls, DROP tls_ca_file, DROP tls_cert_file, DROP tls_key_file);
SELECT cql_fdw_execute('secure', 'DROP KEYSPACE cqlfdw_secure');
DROP SERVER secure CASCADE;
