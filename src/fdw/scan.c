/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Planning and execution of foreign scans.
 *
 * A scan is one CQL SELECT of the columns the query needs, read page by
 * page.  The request for page n+1 is sent as soon as page n arrives, so the
 * server works on the next page while this backend converts the current one.
 *
 * Driver memory (pages, futures) is malloc'd, so every scan registers a
 * callback on its memory context: when the executor's query context goes
 * away, normally or in an abort, pending requests are abandoned (without
 * waiting for the server) and pages are freed.
 *
 * IDENTIFICATION
 *		  src/fdw/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "cql_fdw.h"

/*
 * Without an estimate, a table is taken to be large (a Cassandra table
 * usually is), never empty.
 */
#define DEFAULT_TABLE_ROWS		1000000.0
/* cost of opening the session and the first round trip */
#define DEFAULT_STARTUP_COST	100.0
/* per row: transfer and conversion, on top of cpu_tuple_cost */
#define DEFAULT_ROW_COST		0.02

/* planner state of a foreign base relation */
typedef struct CqlRelInfo
{
	ForeignTable *table;
	ForeignServer *server;
	CqlServerOptions sopts;
	CqlTableOptions topts;
	Bitmapset  *attrs_used;
	List	   *local_conds;
} CqlRelInfo;

/* indexes into fdw_private of the plan */
enum CqlScanPrivate
{
	PRIV_CQL,					/* the SELECT */
	PRIV_RETRIEVED_ATTRS,		/* attnums of its columns, 0 for a placeholder */
	PRIV_FETCH_SIZE,
	PRIV_CONSISTENCY
};

/* execution state of a foreign scan */
typedef struct CqlScanState
{
	Relation	rel;
	char	   *cql;
	List	   *retrieved_attrs;
	int			fetch_size;
	int			consistency;
	char	   *server_name;
	Oid			umid;
	bool		pinned;
	cql_session *session;
	cql_prepared *prepared;		/* the SELECT, from the session's cache */

	cql_future *pending;		/* request of the next page, or NULL */
	cql_result *page;			/* page being read, or NULL */
	cql_row_cursor cursor;
	cql_slice  *cells;
	bool		started;
	bool		done;			/* no page left to request */
	CqlConvState *conv;

	MemoryContext scan_cxt;
	MemoryContext temp_cxt;		/* reset per row */
	MemoryContextCallback cleanup;

	/* for EXPLAIN ANALYZE */
	int64		pages;
	int64		rows;
} CqlScanState;

static void cqlGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								 Oid foreigntableid);
static void cqlGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							   Oid foreigntableid);
static ForeignScan *cqlGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									  Oid foreigntableid, ForeignPath *best_path,
									  List *tlist, List *scan_clauses,
									  Plan *outer_plan);
static void cqlBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *cqlIterateForeignScan(ForeignScanState *node);
static void cqlReScanForeignScan(ForeignScanState *node);
static void cqlEndForeignScan(ForeignScanState *node);
static void cqlExplainForeignScan(ForeignScanState *node, ExplainState *es);

static void scan_release(CqlScanState *st);
static void scan_cleanup_callback(void *arg);
static void request_page(CqlScanState *st);

void
cqlfdw_scan_routines(FdwRoutine *routine)
{
	routine->GetForeignRelSize = cqlGetForeignRelSize;
	routine->GetForeignPaths = cqlGetForeignPaths;
	routine->GetForeignPlan = cqlGetForeignPlan;
	routine->BeginForeignScan = cqlBeginForeignScan;
	routine->IterateForeignScan = cqlIterateForeignScan;
	routine->ReScanForeignScan = cqlReScanForeignScan;
	routine->EndForeignScan = cqlEndForeignScan;
	routine->ExplainForeignScan = cqlExplainForeignScan;
}

/* ---------- planning ---------- */

static void
cqlGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CqlRelInfo *info = palloc0(sizeof(CqlRelInfo));
	ListCell   *lc;
	double		tuples;

	baserel->fdw_private = info;
	info->table = GetForeignTable(foreigntableid);
	info->server = GetForeignServer(info->table->serverid);
	cqlfdw_server_options(info->server, NULL, &info->sopts);
	cqlfdw_table_options(foreigntableid, &info->sopts, &info->topts);

	/* every condition is checked locally for now */
	foreach(lc, baserel->baserestrictinfo)
		info->local_conds = lappend(info->local_conds, lfirst(lc));

	/* the columns the query reads: output and local conditions */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, info->local_conds)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &info->attrs_used);
	}

	tuples = baserel->tuples > 0 ? baserel->tuples : DEFAULT_TABLE_ROWS;
	baserel->tuples = tuples;
	baserel->rows = clamp_row_est(tuples *
								  clauselist_selectivity(root, info->local_conds,
														 baserel->relid, JOIN_INNER, NULL));
}

static void
cqlGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	double		startup = DEFAULT_STARTUP_COST;
	double		total;

	total = startup + baserel->tuples * (cpu_tuple_cost + DEFAULT_ROW_COST) +
		baserel->tuples * baserel->baserestrictcost.per_tuple;
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL, NIL));
}

/*
 * The SELECT of the columns in attrs_used.  A query that needs no column
 * (count(*)) still selects one, as CQL needs a selector; its attnum in
 * retrieved_attrs is 0 and it is never converted.
 */
static char *
deparse_select(Relation rel, const CqlTableOptions *topts, Bitmapset *attrs_used,
			   List **retrieved_attrs)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	StringInfoData buf;
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used);
	int			first_live = 0;

	*retrieved_attrs = NIL;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	for (int i = 1; i <= tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i - 1);

		if (att->attisdropped)
			continue;
		if (first_live == 0)
			first_live = i;
		if (!whole_row &&
			!bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs_used))
			continue;
		if (*retrieved_attrs != NIL)
			appendStringInfoString(&buf, ", ");
		cqlfdw_append_identifier(&buf, cqlfdw_column_name(RelationGetRelid(rel), i));
		*retrieved_attrs = lappend_int(*retrieved_attrs, i);
	}
	if (*retrieved_attrs == NIL)
	{
		if (first_live == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
					 errmsg("foreign table \"%s\" has no columns",
							RelationGetRelationName(rel))));
		cqlfdw_append_identifier(&buf, cqlfdw_column_name(RelationGetRelid(rel), first_live));
		*retrieved_attrs = lappend_int(*retrieved_attrs, 0);
	}
	appendStringInfoString(&buf, " FROM ");
	cqlfdw_append_identifier(&buf, topts->keyspace);
	appendStringInfoChar(&buf, '.');
	cqlfdw_append_identifier(&buf, topts->table);
	return buf.data;
}

static ForeignScan *
cqlGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				  ForeignPath *best_path, List *tlist, List *scan_clauses,
				  Plan *outer_plan)
{
	CqlRelInfo *info = baserel->fdw_private;
	List	   *retrieved_attrs;
	List	   *fdw_private;
	Relation	rel;
	char	   *cql;

	scan_clauses = extract_actual_clauses(scan_clauses, false);

	rel = table_open(foreigntableid, NoLock);
	cql = deparse_select(rel, &info->topts, info->attrs_used, &retrieved_attrs);
	table_close(rel, NoLock);

	fdw_private = list_make4(makeString(cql), retrieved_attrs,
							 makeInteger(info->topts.fetch_size),
							 makeInteger(info->topts.read_consistency));

	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL,
							fdw_private, NIL, NIL, outer_plan);
}

/* ---------- execution ---------- */

static void
cqlBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	RangeTblEntry *rte;
	Oid			userid;
	ForeignTable *table;
	ForeignServer *server;
	UserMapping *user;
	CqlServerOptions sopts;
	CqlScanState *st;
	MemoryContext scan_cxt;
	MemoryContext old;

	scan_cxt = AllocSetContextCreate(estate->es_query_cxt, "cql_fdw scan",
									 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(scan_cxt);
	st = palloc0(sizeof(CqlScanState));
	st->scan_cxt = scan_cxt;
	st->temp_cxt = AllocSetContextCreate(scan_cxt, "cql_fdw row",
										 ALLOCSET_SMALL_SIZES);
	st->rel = node->ss.ss_currentRelation;
	st->cql = strVal(list_nth(fsplan->fdw_private, PRIV_CQL));
	st->retrieved_attrs = list_nth(fsplan->fdw_private, PRIV_RETRIEVED_ATTRS);
	st->fetch_size = intVal(list_nth(fsplan->fdw_private, PRIV_FETCH_SIZE));
	st->consistency = intVal(list_nth(fsplan->fdw_private, PRIV_CONSISTENCY));
	st->cells = palloc0(sizeof(cql_slice) * Max(list_length(st->retrieved_attrs), 1));
	st->cleanup.func = scan_cleanup_callback;
	st->cleanup.arg = st;
	MemoryContextRegisterResetCallback(scan_cxt, &st->cleanup);
	MemoryContextSwitchTo(old);
	node->fdw_state = st;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);
	userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	table = GetForeignTable(RelationGetRelid(st->rel));
	server = GetForeignServer(table->serverid);
	user = GetUserMapping(userid, server->serverid);
	st->server_name = pstrdup(server->servername);
	cqlfdw_server_options(server, user, &sopts);

	st->session = cqlfdw_get_session(user, &sopts);
	cqlfdw_session_pin(user);
	st->umid = user->umid;
	st->pinned = true;
}

static void
request_page(CqlScanState *st)
{
	cql_query_params params;

	if (st->prepared == NULL)
	{
		cql_future *f = cql_session_prepare_cached(st->session, st->cql);
		cql_result *res;

		if (f == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		if (cql_future_rc(f) == CQL_OK)
			st->prepared = cql_future_take_prepared(f);
		res = cqlfdw_finish(f, st->cql, st->server_name);
		cql_result_free(res);
	}

	memset(&params, 0, sizeof(params));
	params.idempotent = true;	/* a read: any replica may serve it again */
	params.consistency = st->consistency;
	params.page_size = st->fetch_size;
	if (st->page)
		params.paging_state = cql_result_paging_state(st->page);
	st->pending = cql_session_execute_prepared(st->session, st->prepared, &params);
	if (st->pending == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

static TupleTableSlot *
cqlIterateForeignScan(ForeignScanState *node)
{
	CqlScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	MemoryContextReset(st->temp_cxt);

	for (;;)
	{
		cql_future *f;

		if (st->page && cql_row_next(&st->cursor, st->cells))
		{
			MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);

			memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
			cqlfdw_conv_row(st->conv, st->cells, slot->tts_values, slot->tts_isnull);
			MemoryContextSwitchTo(old);
			ExecStoreVirtualTuple(slot);
			st->rows++;
			return slot;
		}

		/* this page is done: move to the next one, if there is one */
		if (st->page)
		{
			cql_result_free(st->page);
			st->page = NULL;
		}
		if (st->pending == NULL)
		{
			if (st->done)
				return slot;
			st->started = true;
			request_page(st);
		}

		cqlfdw_wait(st->pending);
		f = st->pending;
		st->pending = NULL;
		st->page = cqlfdw_finish(f, st->cql, st->server_name);
		st->pages++;
		if (cql_result_kind(st->page) != CQL_RESULT_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_REPLY_HANDLE),
					 errmsg("Cassandra answered a SELECT with a result of kind %d",
							cql_result_kind(st->page)),
					 errcontext("CQL: %s", st->cql)));
		if (st->conv == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);

			st->conv = cqlfdw_conv_init(st->rel, st->retrieved_attrs, st->page);
			MemoryContextSwitchTo(old);
		}
		cql_result_rows(st->page, &st->cursor);

		/* ask for the next page now, while this one is being read */
		if (cql_result_has_more_pages(st->page))
			request_page(st);
		else
			st->done = true;
	}
}

static void
cqlReScanForeignScan(ForeignScanState *node)
{
	CqlScanState *st = node->fdw_state;

	scan_release(st);
	st->started = false;
	st->done = false;
}

static void
cqlEndForeignScan(ForeignScanState *node)
{
	CqlScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	scan_release(st);
	if (st->prepared)
	{
		cql_prepared_release(st->prepared);
		st->prepared = NULL;
	}
	if (st->pinned)
	{
		cqlfdw_session_unpin(st->umid);
		st->pinned = false;
	}
}

static void
cqlExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	CqlScanState *st = node->fdw_state;

	if (es->verbose)
		ExplainPropertyText("CQL", st->cql, es);
	if (es->analyze)
		ExplainPropertyInteger("CQL Pages", NULL, st->pages, es);
}

/* Abandon the pending request and free the page: never waits. */
static void
scan_release(CqlScanState *st)
{
	if (st->pending)
	{
		cql_future_release(st->pending);
		st->pending = NULL;
	}
	if (st->page)
	{
		cql_result_free(st->page);
		st->page = NULL;
	}
}

static void
scan_cleanup_callback(void *arg)
{
	CqlScanState *st = arg;

	scan_release(st);
	if (st->prepared)
	{
		cql_prepared_release(st->prepared);
		st->prepared = NULL;
	}
	if (st->pinned)
	{
		cqlfdw_session_unpin(st->umid);
		st->pinned = false;
	}
}
