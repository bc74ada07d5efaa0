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

#include "cql_fdw.h"

PG_MODULE_MAGIC;

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
