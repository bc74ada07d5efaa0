--
-- Options: every catalog refuses what does not belong to it, with the list
-- of what does, and bad values name the option.
--
\set VERBOSITY default

CREATE SERVER opt_srv FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts '127.0.0.1', port '9042', fetch_size '100',
           connect_timeout '1000', request_timeout '2000', read_consistency 'local_quorum');

-- misplaced or misspelled options
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cql_fdw OPTIONS (host '127.0.0.1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cql_fdw OPTIONS (keyspace 'ks');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_srv OPTIONS (user 'x');
CREATE FOREIGN TABLE opt_t (a int) SERVER opt_srv OPTIONS (keyspace 'ks', tabel 't');
CREATE FOREIGN TABLE opt_t (a int OPTIONS (name 'b')) SERVER opt_srv OPTIONS (keyspace 'ks');
CREATE FOREIGN DATA WRAPPER cql_fdw2 HANDLER cql_fdw_handler VALIDATOR cql_fdw_validator OPTIONS (hosts 'x');

-- bad values
ALTER SERVER opt_srv OPTIONS (SET port '0');
ALTER SERVER opt_srv OPTIONS (SET port '65536');
ALTER SERVER opt_srv OPTIONS (SET port '90x');
ALTER SERVER opt_srv OPTIONS (SET fetch_size '0');
ALTER SERVER opt_srv OPTIONS (SET fetch_size '1000001');
ALTER SERVER opt_srv OPTIONS (SET connect_timeout '-5');
ALTER SERVER opt_srv OPTIONS (SET read_consistency 'SERIAL');
ALTER SERVER opt_srv OPTIONS (SET read_consistency 'MOST');
-- writes take ANY but no serial level; serial_consistency only serial levels
ALTER SERVER opt_srv OPTIONS (ADD write_consistency 'SERIAL');
ALTER SERVER opt_srv OPTIONS (ADD write_consistency 'LOCAL_SERIAL');
ALTER SERVER opt_srv OPTIONS (ADD write_consistency 'any');
ALTER SERVER opt_srv OPTIONS (ADD serial_consistency 'QUORUM');
ALTER SERVER opt_srv OPTIONS (ADD serial_consistency 'local_serial');
ALTER SERVER opt_srv OPTIONS (ADD async_capable 'maybe');
ALTER SERVER opt_srv OPTIONS (ADD inflight_writes '0');
ALTER SERVER opt_srv OPTIONS (ADD inflight_writes '8193');
ALTER SERVER opt_srv OPTIONS (ADD direct_modify 'off');
ALTER SERVER opt_srv OPTIONS (DROP write_consistency, DROP serial_consistency, DROP direct_modify);
CREATE FOREIGN TABLE opt_w (a int) SERVER opt_srv OPTIONS (keyspace 'ks', ttl '-1');
CREATE FOREIGN TABLE opt_w (a int) SERVER opt_srv OPTIONS (keyspace 'ks', ttl '630720001');
CREATE FOREIGN TABLE opt_w (a int) SERVER opt_srv OPTIONS (keyspace 'ks', allow_filtering 'yes please');
CREATE FOREIGN TABLE opt_w (a int OPTIONS (partition_key '0')) SERVER opt_srv OPTIONS (keyspace 'ks');
CREATE FOREIGN TABLE opt_w (a int OPTIONS (clustering_order 'up')) SERVER opt_srv OPTIONS (keyspace 'ks');
CREATE FOREIGN TABLE opt_w (a int OPTIONS (partition_key '1', cql_type 'int'),
                            b int OPTIONS (clustering_key '1', clustering_order 'DESC'),
                            c int OPTIONS (static 'true'))
  SERVER opt_srv OPTIONS (keyspace 'ks', ttl '86400', allow_filtering 'true',
                          write_consistency 'EACH_QUORUM', serial_consistency 'LOCAL_SERIAL',
                          inflight_writes '64', async_capable 'true', direct_modify 'false');
DROP FOREIGN TABLE opt_w;
ALTER SERVER opt_srv OPTIONS (SET hosts ' , ');
ALTER SERVER opt_srv OPTIONS (ADD compression 'zstd');
ALTER SERVER opt_srv OPTIONS (ADD tls 'on');
ALTER SERVER opt_srv OPTIONS (ADD heartbeat_interval '0');
ALTER SERVER opt_srv OPTIONS (ADD speculative_delay '-1');
ALTER SERVER opt_srv OPTIONS (ADD speculative_max '0');
CREATE FOREIGN TABLE opt_t (a int) SERVER opt_srv OPTIONS (keyspace '');
CREATE FOREIGN TABLE opt_t (a int OPTIONS (column_name '')) SERVER opt_srv OPTIONS (keyspace 'ks');

-- good values, any case for consistency levels
ALTER SERVER opt_srv OPTIONS (SET read_consistency 'ONE', SET port '9042');
ALTER SERVER opt_srv OPTIONS (ADD compression 'lz4', ADD tls 'verify-full', ADD tls_ca_file '/nonexistent/ca.pem',
                              ADD heartbeat_interval '10000', ADD speculative_delay '0',
                              ADD speculative_max '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_srv OPTIONS (username 'u', password 'p');
CREATE FOREIGN TABLE opt_t (a int OPTIONS (column_name 'A')) SERVER opt_srv
  OPTIONS (keyspace 'ks', table 't', fetch_size '10', read_consistency 'Quorum');
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_srv';

-- a table without a keyspace is refused when it is used
CREATE FOREIGN TABLE opt_nokeyspace (a int) SERVER opt_srv;
SELECT * FROM opt_nokeyspace;

-- cql_fdw_execute needs a cql_fdw server, USAGE on it, and a valid level
CREATE FOREIGN DATA WRAPPER other_fdw;
CREATE SERVER other_srv FOREIGN DATA WRAPPER other_fdw;
SELECT cql_fdw_execute('other_srv', 'SELECT now() FROM system.local');
SELECT cql_fdw_execute('no_such_server', 'SELECT now() FROM system.local');
SELECT cql_fdw_execute('opt_srv', 'SELECT now() FROM system.local', 'MOSTLY');
SELECT has_function_privilege('public', 'cql_fdw_execute(name, text, text)', 'EXECUTE') AS public_can_execute;
CREATE ROLE opt_user;
GRANT EXECUTE ON FUNCTION cql_fdw_execute(name, text, text) TO opt_user;
SET ROLE opt_user;
SELECT cql_fdw_execute('opt_srv', 'SELECT now() FROM system.local');
RESET ROLE;

-- file paths on the PostgreSQL server are for superusers only
GRANT USAGE ON FOREIGN DATA WRAPPER cql_fdw TO opt_user;
SET ROLE opt_user;
CREATE SERVER opt_user_srv FOREIGN DATA WRAPPER cql_fdw OPTIONS (tls 'verify-full', tls_ca_file '/etc/ssl/certs/ca-certificates.crt');
CREATE SERVER opt_user_srv FOREIGN DATA WRAPPER cql_fdw OPTIONS (tls 'verify-full');
DROP SERVER opt_user_srv;
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER cql_fdw FROM opt_user;

-- a CA file that does not exist fails when the session is made
SELECT * FROM opt_t;
ALTER SERVER opt_srv OPTIONS (DROP tls_ca_file, DROP tls);

-- a non-superuser must log in with a password of their own
CREATE ROLE opt_nopw;
GRANT USAGE ON FOREIGN SERVER opt_srv TO opt_nopw;
GRANT EXECUTE ON FUNCTION cql_fdw_execute(name, text, text) TO opt_nopw;
CREATE USER MAPPING FOR opt_nopw SERVER opt_srv;
SET ROLE opt_nopw;
SELECT cql_fdw_execute('opt_srv', 'SELECT now() FROM system.local');
ALTER USER MAPPING FOR opt_nopw SERVER opt_srv OPTIONS (ADD password_required 'false');
RESET ROLE;
ALTER USER MAPPING FOR opt_nopw SERVER opt_srv OPTIONS (ADD password_required 'false');
SET ROLE opt_nopw;
SELECT cql_fdw_execute('opt_srv', 'SELECT cluster_name FROM system.local');
RESET ROLE;
DROP USER MAPPING FOR opt_nopw SERVER opt_srv;
REVOKE EXECUTE ON FUNCTION cql_fdw_execute(name, text, text) FROM opt_nopw;
REVOKE USAGE ON FOREIGN SERVER opt_srv FROM opt_nopw;
DROP ROLE opt_nopw;

REVOKE EXECUTE ON FUNCTION cql_fdw_execute(name, text, text) FROM opt_user;
DROP ROLE opt_user;
DROP SERVER other_srv;
DROP FOREIGN DATA WRAPPER other_fdw;
DROP SERVER opt_srv CASCADE;
