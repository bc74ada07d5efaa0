/*-------------------------------------------------------------------------
 *
 * error.c
 *		  Map the driver's errors to PostgreSQL errors, in one place.
 *
 * IDENTIFICATION
 *		  src/fdw/error.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/elog.h"

#include "cql_fdw.h"

static int
server_sqlstate(const cql_error *err)
{
	switch (err->server_code)
	{
		case CQL_SYNTAX_ERROR:
			return ERRCODE_SYNTAX_ERROR;
		case CQL_UNAUTHORIZED:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case CQL_BAD_CREDENTIALS:
			return ERRCODE_INVALID_PASSWORD;
		case CQL_ALREADY_EXISTS:
			return err->table[0] ? ERRCODE_DUPLICATE_TABLE : ERRCODE_DUPLICATE_SCHEMA;
		case CQL_INVALID:
			/* the server says which object is missing only in its text */
			if (pg_strncasecmp(err->message, "keyspace ", 9) == 0 &&
				strstr(err->message, "does not exist"))
				return ERRCODE_FDW_SCHEMA_NOT_FOUND;
			if ((pg_strncasecmp(err->message, "table ", 6) == 0 &&
				 strstr(err->message, "does not exist")) ||
				strstr(err->message, "unconfigured table"))
				return ERRCODE_FDW_TABLE_NOT_FOUND;
			if (strstr(err->message, "Undefined column") ||
				strstr(err->message, "Undefined name"))
				return ERRCODE_FDW_COLUMN_NAME_NOT_FOUND;
			return ERRCODE_FDW_ERROR;
		case CQL_FUNCTION_FAILURE:
			return ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
		case CQL_PROTOCOL_ERROR:
			return ERRCODE_PROTOCOL_VIOLATION;
		default:
			/* Unavailable, timeouts, failures, overloaded, server error */
			return ERRCODE_FDW_ERROR;
	}
}

static int
driver_sqlstate(const cql_error *err)
{
	switch (err->code)
	{
		case CQL_ESERVER:
			return server_sqlstate(err);
		case CQL_ECONN:
		case CQL_ETLS:
			return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
		case CQL_ETIMEDOUT:
			return ERRCODE_FDW_ERROR;
		case CQL_EAUTH:
			return err->server_code == CQL_BAD_CREDENTIALS
				? ERRCODE_INVALID_PASSWORD
				: ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case CQL_ENOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case CQL_EPROTO:
		case CQL_ETOOBIG:
			return ERRCODE_PROTOCOL_VIOLATION;
		case CQL_ECANCELED:
			return ERRCODE_QUERY_CANCELED;
		default:
			return ERRCODE_FDW_ERROR;
	}
}

/*
 * Report err at elevel.  The detail says what kind of failure it was and
 * where; consistency figures go with the failures that have them.  The CQL,
 * when given, becomes the context line.
 */
void
cqlfdw_report(int elevel, const cql_error *err, const char *cql, const char *server)
{
	StringInfoData detail;
	const char *primary;

	initStringInfo(&detail);
	if (err->code == CQL_ESERVER)
	{
		appendStringInfo(&detail, "Cassandra error 0x%04X (%s)",
						 err->server_code, cql_server_error_name(err->server_code));
		if (err->host[0])
			appendStringInfo(&detail, " from %s", err->host);
		if (server)
			appendStringInfo(&detail, " of server \"%s\"", server);
		appendStringInfoChar(&detail, '.');
		if (err->consistency >= 0)
		{
			appendStringInfo(&detail, " Consistency %s",
							 cql_consistency_name(err->consistency));
			if (err->server_code == CQL_UNAVAILABLE)
				appendStringInfo(&detail, ": %d replicas required, %d alive.",
								 err->required, err->alive);
			else
				appendStringInfo(&detail, ": %d of %d required replicas responded%s.",
								 err->received, err->required,
								 err->server_code == CQL_READ_TIMEOUT && err->data_present
								 ? ", data present" : "");
			if (err->write_type[0])
				appendStringInfo(&detail, " Write type %s.", err->write_type);
		}
		primary = err->message;
	}
	else
	{
		appendStringInfo(&detail, "cql_fdw %s", cql_strerror(err->code));
		if (err->host[0])
			appendStringInfo(&detail, " at %s", err->host);
		if (server)
			appendStringInfo(&detail, " of server \"%s\"", server);
		appendStringInfoChar(&detail, '.');
		primary = err->message[0] ? err->message : cql_strerror(err->code);
	}

	ereport(elevel,
			(errcode(driver_sqlstate(err)),
			 errmsg_internal("%s", primary),
			 errdetail_internal("%s", detail.data),
			 cql ? errcontext("CQL: %s", cql) : 0));
	pfree(detail.data);
}

/*
 * Finish a done future: release it and return its result (now the
 * caller's, malloc'd: cql_result_free it), or release it and raise its error.
 */
cql_result *
cqlfdw_finish(cql_future *f, const char *cql, const char *server)
{
	cql_error	err;

	if (cql_future_rc(f) == CQL_OK)
	{
		cql_result *res = cql_future_take_result(f);

		cql_future_release(f);
		return res;
	}
	err = *cql_future_error(f);
	cql_future_release(f);
	cqlfdw_report(ERROR, &err, cql, server);
	return NULL;				/* keep the compiler quiet */
}
