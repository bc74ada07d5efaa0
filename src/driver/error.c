/*-------------------------------------------------------------------------
 *
 * error.c
 *		  Return codes, error objects and the names of protocol constants.
 *
 * IDENTIFICATION
 *		  src/driver/error.c
 *
 *-------------------------------------------------------------------------
 */
#include "cql.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *
cql_strerror(int rc)
{
	switch (rc)
	{
		case CQL_OK:
			return "success";
		case CQL_EMPTY:
			return "empty value";
		case CQL_EAGAIN:
			return "incomplete input";
		case CQL_EPROTO:
			return "protocol violation";
		case CQL_ETOOBIG:
			return "frame too large";
		case CQL_ENOMEM:
			return "out of memory";
		case CQL_EINVAL:
			return "invalid argument";
		case CQL_ESERVER:
			return "server error";
		case CQL_ECONN:
			return "connection failure";
		case CQL_ETIMEDOUT:
			return "timed out";
		case CQL_EAUTH:
			return "authentication failure";
		case CQL_ETLS:
			return "TLS failure";
		case CQL_ECANCELED:
			return "canceled";
		case CQL_ERANGE:
			return "value out of range";
		case CQL_ETYPE:
			return "value does not fit the type";
		case CQL_EBUSY:
			return "no free stream id";
	}
	return "unknown error";
}

void
cql_error_clear(cql_error *err)
{
	memset(err, 0, sizeof(*err));
	err->consistency = -1;
}

void
cql_error_set(cql_error *err, int code, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return;
	cql_error_clear(err);
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static const char *const consistency_names[] = {
	"ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM",
	"EACH_QUORUM", "SERIAL", "LOCAL_SERIAL", "LOCAL_ONE"
};

const char *
cql_consistency_name(int consistency)
{
	if (consistency < 0 ||
		consistency >= (int) (sizeof(consistency_names) / sizeof(consistency_names[0])))
		return "UNKNOWN";
	return consistency_names[consistency];
}

int
cql_consistency_from_name(const char *name)
{
	for (int i = 0; i < (int) (sizeof(consistency_names) / sizeof(consistency_names[0])); i++)
		if (strcasecmp(name, consistency_names[i]) == 0)
			return i;
	return -1;
}

const char *
cql_server_error_name(int server_code)
{
	switch (server_code)
	{
		case CQL_SERVER_ERROR:
			return "Server error";
		case CQL_PROTOCOL_ERROR:
			return "Protocol error";
		case CQL_BAD_CREDENTIALS:
			return "Bad credentials";
		case CQL_UNAVAILABLE:
			return "Unavailable";
		case CQL_OVERLOADED:
			return "Overloaded";
		case CQL_IS_BOOTSTRAPPING:
			return "Is bootstrapping";
		case CQL_TRUNCATE_ERROR:
			return "Truncate error";
		case CQL_WRITE_TIMEOUT:
			return "Write timeout";
		case CQL_READ_TIMEOUT:
			return "Read timeout";
		case CQL_READ_FAILURE:
			return "Read failure";
		case CQL_FUNCTION_FAILURE:
			return "Function failure";
		case CQL_WRITE_FAILURE:
			return "Write failure";
		case CQL_SYNTAX_ERROR:
			return "Syntax error";
		case CQL_UNAUTHORIZED:
			return "Unauthorized";
		case CQL_INVALID:
			return "Invalid query";
		case CQL_CONFIG_ERROR:
			return "Configuration error";
		case CQL_ALREADY_EXISTS:
			return "Already exists";
		case CQL_UNPREPARED:
			return "Unprepared";
	}
	return "Unknown error";
}

const char *
cql_type_name(int type_id)
{
	switch (type_id)
	{
		case CQL_TYPE_CUSTOM:
			return "custom";
		case CQL_TYPE_ASCII:
			return "ascii";
		case CQL_TYPE_BIGINT:
			return "bigint";
		case CQL_TYPE_BLOB:
			return "blob";
		case CQL_TYPE_BOOLEAN:
			return "boolean";
		case CQL_TYPE_COUNTER:
			return "counter";
		case CQL_TYPE_DECIMAL:
			return "decimal";
		case CQL_TYPE_DOUBLE:
			return "double";
		case CQL_TYPE_FLOAT:
			return "float";
		case CQL_TYPE_INT:
			return "int";
		case CQL_TYPE_TIMESTAMP:
			return "timestamp";
		case CQL_TYPE_UUID:
			return "uuid";
		case CQL_TYPE_VARCHAR:
			return "text";
		case CQL_TYPE_VARINT:
			return "varint";
		case CQL_TYPE_TIMEUUID:
			return "timeuuid";
		case CQL_TYPE_INET:
			return "inet";
		case CQL_TYPE_DATE:
			return "date";
		case CQL_TYPE_TIME:
			return "time";
		case CQL_TYPE_SMALLINT:
			return "smallint";
		case CQL_TYPE_TINYINT:
			return "tinyint";
		case CQL_TYPE_DURATION:
			return "duration";
		case CQL_TYPE_LIST:
			return "list";
		case CQL_TYPE_MAP:
			return "map";
		case CQL_TYPE_SET:
			return "set";
		case CQL_TYPE_UDT:
			return "udt";
		case CQL_TYPE_TUPLE:
			return "tuple";
		case CQL_TYPE_VECTOR:
			return "vector";
	}
	return "unknown";
}
