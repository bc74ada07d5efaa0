/*-------------------------------------------------------------------------
 *
 * analyze.c
 *		  ANALYZE of a foreign table: a sample of its rows for the planner.
 *
 * Cassandra cannot sample rows, so ANALYZE reads the whole table, range
 * by range as a full scan does (ranges.c: several ranges at once, each
 * from a replica), and keeps a reservoir sample of targrows rows (Vitter's
 * algorithm, as acquire_sample_rows does for a heap).  Only the rows kept
 * are converted.  The row count it reports is exact, so the planner stops
 * taking the table for a million rows.
 *
 * IDENTIFICATION
 *		  src/fdw/analyze.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/vacuum.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "cql_fdw.h"

/* what an error must give back: the reads in flight, the statement, the pin */
typedef struct AnalyzeState
{
	CqlRangeReader *reader;
	cql_result *page;
	cql_prepared *prepared;
	Oid			umid;
	bool		pinned;
	MemoryContextCallback cleanup;
} AnalyzeState;

static int	acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
								int targrows, double *totalrows,
								double *totaldeadrows);

bool
cqlfdw_analyze_table(Relation relation, AcquireSampleRowsFunc *func,
					 BlockNumber *totalpages)
{
	*func = acquire_sample_rows;
	/* no pages: only shown in ANALYZE VERBOSE, never used for a foreign table */
	*totalpages = 1;
	return true;
}

static void
analyze_cleanup(void *arg)
{
	AnalyzeState *as = arg;

	if (as->reader)
		cqlfdw_reader_release(as->reader);
	as->reader = NULL;
	if (as->page)
		cql_result_free(as->page);
	as->page = NULL;
	if (as->prepared)
		cql_prepared_release(as->prepared);
	as->prepared = NULL;
	if (as->pinned)
		cqlfdw_session_unpin(as->umid);
	as->pinned = false;
}

/* SELECT of every column of the foreign table; their attnums */
static char *
select_all(Relation rel, const CqlTableOptions *topts, List **attnums)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	StringInfoData buf;

	*attnums = NIL;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	for (int i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		if (*attnums != NIL)
			appendStringInfoString(&buf, ", ");
		cqlfdw_append_identifier(&buf, cqlfdw_column_name(RelationGetRelid(rel), i));
		*attnums = lappend_int(*attnums, i);
	}
	if (*attnums == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
				 errmsg("foreign table \"%s\" has no columns",
						RelationGetRelationName(rel))));
	appendStringInfoString(&buf, " FROM ");
	cqlfdw_append_identifier(&buf, topts->keyspace);
	appendStringInfoChar(&buf, '.');
	cqlfdw_append_identifier(&buf, topts->table);
	return buf.data;
}

static int
acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows, int targrows,
					double *totalrows, double *totaldeadrows)
{
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext cxt;
	MemoryContext row_cxt;
	AnalyzeState *as;
	ForeignTable *table = GetForeignTable(RelationGetRelid(relation));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(relation->rd_rel->relowner, server->serverid);
	CqlServerOptions sopts;
	CqlTableOptions topts;
	cql_session *session;
	const CqlTableMeta *meta;
	List	   *attnums;
	char	   *cql;
	char	   *range_cql;
	int			token_param;
	CqlTokenRange *ranges;
	int			nranges;
	CqlScanCounters counters;
	CqlConvState *conv = NULL;
	cql_slice  *cells;
	TupleDesc	tupdesc = RelationGetDescr(relation);
	Datum	   *values;
	bool	   *nulls;
	ReservoirStateData rstate;
	double		samplerows = 0;
	double		rowstoskip = -1;
	int			numrows = 0;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "cql_fdw analyze",
								ALLOCSET_DEFAULT_SIZES);
	row_cxt = AllocSetContextCreate(cxt, "cql_fdw analyze row", ALLOCSET_SMALL_SIZES);
	MemoryContextSwitchTo(cxt);
	as = palloc0(sizeof(AnalyzeState));
	as->cleanup.func = analyze_cleanup;
	as->cleanup.arg = as;
	MemoryContextRegisterResetCallback(cxt, &as->cleanup);

	cqlfdw_server_options(server, user, &sopts);
	cqlfdw_table_options(RelationGetRelid(relation), &sopts, &topts);
	session = cqlfdw_get_session(user, &sopts);
	cqlfdw_session_pin(user);
	as->umid = user->umid;
	as->pinned = true;

	meta = cqlfdw_table_meta(user, session, topts.keyspace, topts.table,
							 server->servername);
	cql = select_all(relation, &topts, &attnums);
	range_cql = cqlfdw_range_statement(cql, meta, &token_param);
	if (range_cql == NULL)
		elog(ERROR, "could not make the token range statement of \"%s\"", cql);
	ranges = cqlfdw_token_ranges(session, topts.keyspace, -1, 0, &nranges);
	{
		cql_future *f = cql_session_prepare_cached(session, range_cql);
		cql_result *res;

		if (f == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		if (cql_future_rc(f) == CQL_OK)
			as->prepared = cql_future_take_prepared(f);
		res = cqlfdw_finish(f, range_cql, server->servername);
		cql_result_free(res);
	}
	memset(&counters, 0, sizeof(counters));
	as->reader = cqlfdw_reader_begin(session, as->prepared, range_cql,
									 server->servername, topts.keyspace,
									 ranges, nranges, NULL, token_param, NULL, 0,
									 topts.read_consistency, topts.fetch_size,
									 &counters);
	cells = palloc(sizeof(cql_slice) * list_length(attnums));
	values = palloc(sizeof(Datum) * tupdesc->natts);
	nulls = palloc(sizeof(bool) * tupdesc->natts);
	reservoir_init_selection_state(&rstate, targrows);

	while ((as->page = cqlfdw_reader_next(as->reader)) != NULL)
	{
		cql_row_cursor cur;

		if (conv == NULL)
			conv = cqlfdw_conv_init(relation, attnums, as->page);
		cql_result_rows(as->page, &cur);
		while (cql_row_next(&cur, cells))
		{
			int			pos = -1;

			/* which row of the sample this one replaces, if any */
			if (numrows < targrows)
				pos = numrows++;
			else
			{
				if (rowstoskip < 0)
					rowstoskip = reservoir_get_next_S(&rstate, samplerows, targrows);
				if (rowstoskip <= 0)
				{
					pos = (int) (targrows * sampler_random_fract(&rstate.randstate));
					Assert(pos >= 0 && pos < targrows);
					heap_freetuple(rows[pos]);
				}
				rowstoskip -= 1;
			}
			samplerows += 1;
			if (pos >= 0)
			{
				MemoryContextReset(row_cxt);
				MemoryContextSwitchTo(row_cxt);
				memset(nulls, true, sizeof(bool) * tupdesc->natts);
				cqlfdw_conv_row(conv, cells, values, nulls);
				MemoryContextSwitchTo(outer);
				rows[pos] = heap_form_tuple(tupdesc, values, nulls);
				MemoryContextSwitchTo(cxt);
			}
		}
		cql_result_free(as->page);
		as->page = NULL;
		vacuum_delay_point();
	}

	ereport(elevel,
			(errmsg("\"%s\": read %.0f rows from Cassandra in %lld token ranges, %lld pages; %d rows in sample",
					RelationGetRelationName(relation), samplerows,
					(long long) counters.ranges, (long long) counters.pages, numrows)));
	*totalrows = samplerows;
	*totaldeadrows = 0;
	MemoryContextSwitchTo(outer);
	MemoryContextDelete(cxt);	/* its callback gives everything back */
	return numrows;
}
