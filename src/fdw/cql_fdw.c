/*-------------------------------------------------------------------------
 *
 * cql_fdw.c
 *		  The handler of the cql_fdw foreign-data wrapper.
 *
 * Nothing is created when the library loads: with shared_preload_libraries
 * every forked backend would share it.  The event loop and sessions are
 * made on first use, per backend.
 *
 * IDENTIFICATION
 *		  src/fdw/cql_fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "utils/guc.h"

#include "cql_fdw.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Settings only: nothing may connect or allocate a session here. */
void
_PG_init(void)
{
	DefineCustomBoolVariable("cql_fdw.enable_pushdown",
							 "Sends conditions, ORDER BY and LIMIT to Cassandra where it can serve them.",
							 "When off, every scan reads the whole table and PostgreSQL does all "
							 "filtering, sorting and limiting (to compare results).",
							 &cqlfdw_enable_pushdown,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("cql_fdw.token_range_scans",
							 "Reads a full scan token range by token range, several at once.",
							 "When off, a full scan pages through one SELECT of the whole table "
							 "from one coordinator (to compare results and speed).",
							 &cqlfdw_token_range_scans,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("cql_fdw");
}

PG_FUNCTION_INFO_V1(cql_fdw_handler);

Datum
cql_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	cqlfdw_scan_routines(routine);
	routine->ImportForeignSchema = cqlImportForeignSchema;
	cqlfdw_modify_routines(routine);
	PG_RETURN_POINTER(routine);
}
