/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		  Build the CQL text of the statements cql_fdw sends.
 *
 * Values are never interpolated into CQL: they are bound.  Identifiers are
 * always double-quoted: a quoted CQL identifier matches the stored name
 * exactly, whatever its case and even if it is a reserved word.
 *
 * IDENTIFICATION
 *		  src/fdw/deparse.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "cql_fdw.h"

void
cqlfdw_append_identifier(StringInfo buf, const char *ident)
{
	appendStringInfoChar(buf, '"');
	for (const char *p = ident; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(buf, '"');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

char *
cqlfdw_quote_identifier(const char *ident)
{
	StringInfoData buf;

	initStringInfo(&buf);
	cqlfdw_append_identifier(&buf, ident);
	return buf.data;
}
