/* cql_fdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION cql_fdw" to load this file. \quit

CREATE FUNCTION cql_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION cql_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER cql_fdw
  HANDLER cql_fdw_handler
  VALIDATOR cql_fdw_validator;

-- Run one CQL statement on a server with the caller's user mapping.  It can
-- drop keyspaces: revoked from PUBLIC, and it checks USAGE on the server.
CREATE FUNCTION cql_fdw_execute(server name, cql text, consistency text DEFAULT 'ONE')
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

REVOKE ALL ON FUNCTION cql_fdw_execute(name, text, text) FROM PUBLIC;

-- Close this backend's sessions that no scan is using.
CREATE FUNCTION cql_fdw_disconnect_all()
RETURNS bool
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- This backend's sessions: where they are connected and how.
CREATE FUNCTION cql_fdw_sessions(
    OUT server_name text, OUT user_name text, OUT host text, OUT ready bool,
    OUT compression bool, OUT tls bool, OUT in_flight int, OUT valid bool,
    OUT hosts int, OUT hosts_up int, OUT local_dc text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- The Murmur3Partitioner token of a serialized partition key (what
-- Cassandra's token() gives), and the routing key of a composite one.
CREATE FUNCTION cql_fdw_token(key bytea)
RETURNS bigint
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cql_fdw_routing_key(VARIADIC parts bytea[])
RETURNS bytea
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

-- The servers this backend has sessions to, and whether each is still valid.
CREATE FUNCTION cql_fdw_get_connections(OUT server_name text, OUT valid bool)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- Close this backend's sessions to one server that no scan is using.
CREATE FUNCTION cql_fdw_disconnect(server name)
RETURNS bool
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- The user-defined types of the server's cluster, one row per field.
CREATE FUNCTION cql_fdw_udts(server name,
    OUT keyspace_name text, OUT type_name text, OUT field_position int,
    OUT field_name text, OUT field_type text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- IMPORT FOREIGN SCHEMA's commands, without running them.  Options as
-- 'name=value' (those of IMPORT's OPTIONS); limit_to / except_tables name
-- PostgreSQL-side table names.
CREATE FUNCTION cql_fdw_import_commands(server name, keyspace text,
    into_schema name, options text[] DEFAULT '{}',
    limit_to text[] DEFAULT NULL, except_tables text[] DEFAULT NULL)
RETURNS SETOF text
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE;

-- One composite type per user-defined type of a keyspace, nested ones first.
CREATE FUNCTION cql_fdw_create_types(server name, keyspace text,
    into_schema name, collections text DEFAULT 'array')
RETURNS SETOF regtype
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE;

-- Bring an imported (or hand-written) foreign table in line with its
-- Cassandra table: ALTER FOREIGN TABLE ADD/DROP/ALTER COLUMN.
CREATE FUNCTION cql_fdw_refresh_table(foreign_table regclass,
    options text[] DEFAULT '{}', dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE;
