/*-------------------------------------------------------------------------
 *
 * option.c
 *		  Validation and lookup of cql_fdw's options.
 *
 * Every option belongs to one catalog (server, user mapping, foreign table,
 * column).  A misplaced or misspelled option is refused with the list of the
 * options valid where it was given.
 *
 * IDENTIFICATION
 *		  src/fdw/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "cql_fdw.h"

typedef enum OptionKind
{
	OPT_STRING,
	OPT_PORT,
	OPT_MILLISECONDS,
	OPT_FETCH_SIZE,
	OPT_CONSISTENCY,
	OPT_HOSTS,
	OPT_IDENTIFIER,
	OPT_COMPRESSION,
	OPT_TLS_MODE,
	OPT_FILE,					/* a path on the PostgreSQL server: superuser only */
	OPT_PASSWORD_REQUIRED,
	OPT_MILLISECONDS_OR_ZERO,
	OPT_SPECULATIVE_MAX,
	OPT_WRITE_CONSISTENCY,		/* any level but the serial ones */
	OPT_SERIAL_CONSISTENCY,		/* SERIAL or LOCAL_SERIAL */
	OPT_BOOLEAN,
	OPT_TTL,					/* seconds, 0 = none */
	OPT_INFLIGHT,				/* writes in flight at once */
	OPT_KEY_POSITION,			/* 1-based position in a key */
	OPT_CLUSTERING_ORDER		/* asc or desc */
} OptionKind;

typedef struct CqlOption
{
	const char *keyword;
	Oid			context;		/* catalog the option belongs to */
	OptionKind	kind;
} CqlOption;

static const CqlOption valid_options[] = {
	{"hosts", ForeignServerRelationId, OPT_HOSTS},
	{"port", ForeignServerRelationId, OPT_PORT},
	{"local_dc", ForeignServerRelationId, OPT_IDENTIFIER},
	{"connect_timeout", ForeignServerRelationId, OPT_MILLISECONDS},
	{"request_timeout", ForeignServerRelationId, OPT_MILLISECONDS},
	{"fetch_size", ForeignServerRelationId, OPT_FETCH_SIZE},
	{"read_consistency", ForeignServerRelationId, OPT_CONSISTENCY},
	{"write_consistency", ForeignServerRelationId, OPT_WRITE_CONSISTENCY},
	{"serial_consistency", ForeignServerRelationId, OPT_SERIAL_CONSISTENCY},
	{"async_capable", ForeignServerRelationId, OPT_BOOLEAN},
	{"direct_modify", ForeignServerRelationId, OPT_BOOLEAN},
	{"inflight_writes", ForeignServerRelationId, OPT_INFLIGHT},
	{"updatable", ForeignServerRelationId, OPT_BOOLEAN},
	{"heartbeat_interval", ForeignServerRelationId, OPT_MILLISECONDS},
	{"speculative_delay", ForeignServerRelationId, OPT_MILLISECONDS_OR_ZERO},
	{"speculative_max", ForeignServerRelationId, OPT_SPECULATIVE_MAX},
	{"compression", ForeignServerRelationId, OPT_COMPRESSION},
	{"tls", ForeignServerRelationId, OPT_TLS_MODE},
	{"tls_ca_file", ForeignServerRelationId, OPT_FILE},
	{"tls_cert_file", ForeignServerRelationId, OPT_FILE},
	{"tls_key_file", ForeignServerRelationId, OPT_FILE},
	{"tls_server_name", ForeignServerRelationId, OPT_IDENTIFIER},
	{"username", UserMappingRelationId, OPT_STRING},
	{"password", UserMappingRelationId, OPT_STRING},
	{"password_required", UserMappingRelationId, OPT_PASSWORD_REQUIRED},
	{"keyspace", ForeignTableRelationId, OPT_IDENTIFIER},
	{"table", ForeignTableRelationId, OPT_IDENTIFIER},
	{"fetch_size", ForeignTableRelationId, OPT_FETCH_SIZE},
	{"read_consistency", ForeignTableRelationId, OPT_CONSISTENCY},
	{"write_consistency", ForeignTableRelationId, OPT_WRITE_CONSISTENCY},
	{"serial_consistency", ForeignTableRelationId, OPT_SERIAL_CONSISTENCY},
	{"allow_filtering", ForeignTableRelationId, OPT_BOOLEAN},
	{"async_capable", ForeignTableRelationId, OPT_BOOLEAN},
	{"direct_modify", ForeignTableRelationId, OPT_BOOLEAN},
	{"inflight_writes", ForeignTableRelationId, OPT_INFLIGHT},
	{"updatable", ForeignTableRelationId, OPT_BOOLEAN},
	{"ttl", ForeignTableRelationId, OPT_TTL},
	{"column_name", AttributeRelationId, OPT_IDENTIFIER},
	{"partition_key", AttributeRelationId, OPT_KEY_POSITION},
	{"clustering_key", AttributeRelationId, OPT_KEY_POSITION},
	{"clustering_order", AttributeRelationId, OPT_CLUSTERING_ORDER},
	{"static", AttributeRelationId, OPT_BOOLEAN},
	{"cql_type", AttributeRelationId, OPT_IDENTIFIER},
	{NULL, InvalidOid, OPT_STRING}
};

static int	parse_int_option(DefElem *def, int min, int max);
static int	parse_consistency(DefElem *def, OptionKind kind);
static CqlTlsMode parse_tls_mode(DefElem *def);
static int	option_value(const CqlOption *opt, DefElem *def);
static int	option_int(DefElem *def, Oid context);

PG_FUNCTION_INFO_V1(cql_fdw_validator);

/*
 * Validate the generic options given to a FOREIGN DATA WRAPPER, SERVER,
 * USER MAPPING or FOREIGN TABLE that uses cql_fdw.
 */
Datum
cql_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options_list = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;

	foreach(cell, options_list)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		const CqlOption *found = NULL;

		for (const CqlOption *opt = valid_options; opt->keyword; opt++)
		{
			if (opt->context == catalog && strcmp(opt->keyword, def->defname) == 0)
			{
				found = opt;
				break;
			}
		}
		if (found == NULL)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			for (const CqlOption *opt = valid_options; opt->keyword; opt++)
			{
				if (opt->context == catalog)
					appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", opt->keyword);
			}
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 buf.len > 0
					 ? errhint("Valid options in this context are: %s.", buf.data)
					 : errhint("There are no valid options in this context.")));
		}
		(void) option_value(found, def);
	}

	PG_RETURN_VOID();
}

/*
 * Check the value of option opt and return it parsed: an integer, a
 * consistency level, a boolean (0 or 1) or a TLS mode; 0 for text.  The
 * validator and the lookups below share it, so a range is written once.
 */
static int
option_value(const CqlOption *opt, DefElem *def)
{
	const char *value = defGetString(def);

	switch (opt->kind)
	{
		case OPT_STRING:
			break;
		case OPT_PORT:
			return parse_int_option(def, 1, 65535);
		case OPT_MILLISECONDS:
			return parse_int_option(def, 1, INT_MAX);
		case OPT_FETCH_SIZE:
			return parse_int_option(def, 1, CQLFDW_MAX_FETCH_SIZE);
		case OPT_MILLISECONDS_OR_ZERO:
			return parse_int_option(def, 0, INT_MAX);
		case OPT_SPECULATIVE_MAX:
			return parse_int_option(def, 1, 10);
		case OPT_CONSISTENCY:
		case OPT_WRITE_CONSISTENCY:
		case OPT_SERIAL_CONSISTENCY:
			return parse_consistency(def, opt->kind);
		case OPT_BOOLEAN:
			return defGetBoolean(def);
		case OPT_TTL:
			/* Cassandra's limit: 20 years */
			return parse_int_option(def, 0, CQLFDW_MAX_TTL);
		case OPT_INFLIGHT:
			return parse_int_option(def, 1, CQLFDW_MAX_INFLIGHT);
		case OPT_KEY_POSITION:
			return parse_int_option(def, 1, 64);
		case OPT_CLUSTERING_ORDER:
			if (pg_strcasecmp(value, "asc") != 0 && pg_strcasecmp(value, "desc") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
						 errhint("Valid values are asc and desc.")));
			break;
		case OPT_COMPRESSION:
			if (strcmp(value, "none") != 0 && strcmp(value, "lz4") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
						 errhint("Valid values are none and lz4.")));
			break;
		case OPT_TLS_MODE:
			return parse_tls_mode(def);
		case OPT_FILE:
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superusers can set option \"%s\"", def->defname),
						 errdetail("It names a file on the PostgreSQL server.")));
			if (value[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
						 errmsg("option \"%s\" must not be empty", def->defname)));
			break;
		case OPT_PASSWORD_REQUIRED:
			{
				bool		required = defGetBoolean(def);

				if (!required && !superuser())
					ereport(ERROR,
							(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
							 errmsg("password_required=false is superuser-only"),
							 errhint("User mappings with the password_required option set to false may only be created or modified by the superuser.")));
				return required;
			}
		case OPT_IDENTIFIER:
			if (value[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
						 errmsg("option \"%s\" must not be empty", def->defname)));
			break;
		case OPT_HOSTS:
			{
				char	   *copy = pstrdup(value);
				char	   *tok;
				char	   *save;
				int			n = 0;

				for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
					n++;
				if (n == 0)
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
							 errmsg("option \"hosts\" must name at least one host"),
							 errhint("Give a comma-separated list of host names or IP addresses.")));
				break;
			}
	}
	return 0;
}

/* The parsed value of an option of catalog context (see option_value). */
static int
option_int(DefElem *def, Oid context)
{
	for (const CqlOption *opt = valid_options; opt->keyword; opt++)
		if (opt->context == context && strcmp(opt->keyword, def->defname) == 0)
			return option_value(opt, def);
	elog(ERROR, "unknown option \"%s\"", def->defname);
	return 0;					/* keep the compiler quiet */
}

static int
parse_int_option(DefElem *def, int min, int max)
{
	const char *value = defGetString(def);
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
				 errhint("Valid values are integers from %d to %d.", min, max)));
	return (int) v;
}

/*
 * A consistency level valid for kind: reads take neither ANY nor the serial
 * levels; writes take ANY but no serial level (those only apply to the
 * Paxos phase of conditional writes); serial_consistency only those two.
 */
static int
parse_consistency(DefElem *def, OptionKind kind)
{
	const char *value = defGetString(def);
	int			cl = cql_consistency_from_name(value);
	bool		serial = cl == CQL_CONSISTENCY_SERIAL || cl == CQL_CONSISTENCY_LOCAL_SERIAL;
	bool		ok;
	const char *valid;

	switch (kind)
	{
		case OPT_SERIAL_CONSISTENCY:
			ok = serial;
			valid = "SERIAL and LOCAL_SERIAL";
			break;
		case OPT_WRITE_CONSISTENCY:
			ok = cl >= 0 && !serial;
			valid = "ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE";
			break;
		default:
			ok = cl >= 0 && !serial && cl != CQL_CONSISTENCY_ANY;
			valid = "ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE";
			break;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
				 errhint("Valid values are %s.", valid)));
	return cl;
}

static CqlTlsMode
parse_tls_mode(DefElem *def)
{
	const char *value = defGetString(def);

	if (strcmp(value, "off") == 0)
		return CQL_TLS_OFF;
	if (strcmp(value, "require") == 0)
		return CQL_TLS_REQUIRE;
	if (strcmp(value, "verify-ca") == 0)
		return CQL_TLS_VERIFY_CA;
	if (strcmp(value, "verify-full") == 0)
		return CQL_TLS_VERIFY_FULL;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
			 errhint("Valid values are off, require (encrypt, do not verify), verify-ca (verify the certificate chain) and verify-full (also verify the host name).")));
	return CQL_TLS_OFF;			/* keep the compiler quiet */
}

/*
 * The options that decide how to reach a server and how to read from it,
 * from the server and the user mapping.
 */
void
cqlfdw_server_options(ForeignServer *server, UserMapping *user,
					  CqlServerOptions *opts)
{
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->hosts = "127.0.0.1";
	opts->port = CQLFDW_DEFAULT_PORT;
	opts->connect_timeout = CQLFDW_DEFAULT_CONNECT_TIMEOUT;
	opts->request_timeout = CQLFDW_DEFAULT_REQUEST_TIMEOUT;
	opts->fetch_size = CQLFDW_DEFAULT_FETCH_SIZE;
	opts->read_consistency = CQL_CONSISTENCY_LOCAL_ONE;
	opts->heartbeat_interval = CQLFDW_DEFAULT_HEARTBEAT;
	opts->speculative_delay = 0;	/* off: it costs load on the cluster */
	opts->speculative_max = 1;
	opts->tls = CQL_TLS_OFF;
	opts->write_consistency = CQL_CONSISTENCY_LOCAL_QUORUM;
	opts->serial_consistency = CQL_CONSISTENCY_SERIAL;
	opts->inflight_writes = CQLFDW_DEFAULT_INFLIGHT;
	opts->updatable = true;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "hosts") == 0)
			opts->hosts = defGetString(def);
		else if (strcmp(def->defname, "port") == 0)
			opts->port = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "local_dc") == 0)
			opts->local_dc = defGetString(def);
		else if (strcmp(def->defname, "connect_timeout") == 0)
			opts->connect_timeout = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "request_timeout") == 0)
			opts->request_timeout = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "fetch_size") == 0)
			opts->fetch_size = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "read_consistency") == 0)
			opts->read_consistency = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "write_consistency") == 0)
			opts->write_consistency = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "serial_consistency") == 0)
			opts->serial_consistency = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "async_capable") == 0)
			opts->async_capable = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "direct_modify") == 0)
			opts->direct_modify = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "inflight_writes") == 0)
			opts->inflight_writes = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "updatable") == 0)
			opts->updatable = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "heartbeat_interval") == 0)
			opts->heartbeat_interval = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "speculative_delay") == 0)
			opts->speculative_delay = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "speculative_max") == 0)
			opts->speculative_max = option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "compression") == 0)
			opts->compression = strcmp(defGetString(def), "lz4") == 0;
		else if (strcmp(def->defname, "tls") == 0)
			opts->tls = (CqlTlsMode) option_int(def, ForeignServerRelationId);
		else if (strcmp(def->defname, "tls_ca_file") == 0)
			opts->tls_ca_file = defGetString(def);
		else if (strcmp(def->defname, "tls_cert_file") == 0)
			opts->tls_cert_file = defGetString(def);
		else if (strcmp(def->defname, "tls_key_file") == 0)
			opts->tls_key_file = defGetString(def);
		else if (strcmp(def->defname, "tls_server_name") == 0)
			opts->tls_server_name = defGetString(def);
	}
	if (user)
	{
		foreach(lc, user->options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "username") == 0)
				opts->username = defGetString(def);
			else if (strcmp(def->defname, "password") == 0)
				opts->password = defGetString(def);
			else if (strcmp(def->defname, "password_required") == 0)
				opts->password_not_required = !defGetBoolean(def);
		}
	}
}

void
cqlfdw_table_options(Oid relid, const CqlServerOptions *server,
					 CqlTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(relid);
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->fetch_size = server->fetch_size;
	opts->read_consistency = server->read_consistency;
	opts->write_consistency = server->write_consistency;
	opts->serial_consistency = server->serial_consistency;
	opts->async_capable = server->async_capable;
	opts->direct_modify = server->direct_modify;
	opts->inflight_writes = server->inflight_writes;
	opts->updatable = server->updatable;
	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "keyspace") == 0)
			opts->keyspace = defGetString(def);
		else if (strcmp(def->defname, "table") == 0)
			opts->table = defGetString(def);
		else if (strcmp(def->defname, "fetch_size") == 0)
			opts->fetch_size = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "read_consistency") == 0)
			opts->read_consistency = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "write_consistency") == 0)
			opts->write_consistency = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "serial_consistency") == 0)
			opts->serial_consistency = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "allow_filtering") == 0)
			opts->allow_filtering = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "async_capable") == 0)
			opts->async_capable = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "direct_modify") == 0)
			opts->direct_modify = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "inflight_writes") == 0)
			opts->inflight_writes = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "updatable") == 0)
			opts->updatable = option_int(def, ForeignTableRelationId);
		else if (strcmp(def->defname, "ttl") == 0)
			opts->ttl = option_int(def, ForeignTableRelationId);
	}
	if (opts->keyspace == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no \"keyspace\" option",
						get_rel_name(relid)),
				 errhint("Name the Cassandra keyspace with OPTIONS (keyspace '...').")));
	if (opts->table == NULL)
		opts->table = get_rel_name(relid);
}

/* The Cassandra name of a column: its column_name option, or its own name. */
char *
cqlfdw_column_name(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "column_name") == 0)
			return defGetString(def);
	}
	return get_attname(relid, attnum, false);
}
