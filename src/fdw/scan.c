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
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
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
/* one routed round trip for a single-partition read */
#define LOOKUP_STARTUP_COST		2.0
/* rows of a partition read when no clustering key pins one row */
#define ROWS_PER_PARTITION		100.0
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
	const CqlTableMeta *meta;	/* Cassandra's key columns */
	CqlKeyMap  *map;
} CqlRelInfo;

/* the key conditions of a path: one per key column at most */
typedef struct KeyConds
{
	int			npk;
	RestrictInfo **pk;			/* per partition key column */
	Expr	  **pk_value;
	int			nck;
	RestrictInfo **ck;			/* per clustering column */
	Expr	  **ck_value;
} KeyConds;

/* indexes into fdw_private of the plan */
enum CqlScanPrivate
{
	PRIV_CQL,					/* the SELECT */
	PRIV_RETRIEVED_ATTRS,		/* attnums of its columns, 0 for a placeholder */
	PRIV_FETCH_SIZE,
	PRIV_CONSISTENCY,
	PRIV_KEY_CONDS				/* number of bound key conditions */
};

/* execution state of a foreign scan */
typedef struct CqlScanState
{
	ForeignScanState *node;
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
	List	   *param_exprs;	/* ExprStates of the bound key values */
	Oid		   *param_types;
	cql_buf    *bind_buf;		/* their encoded bytes */
	cql_slice  *bind_values;
	int			nbind;

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
	int64		retries;
	List	   *hosts;			/* distinct coordinators, as strings */
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

/* Find, among clauses, an equality for each key column. */
static void
collect_key_conds(RelOptInfo *baserel, CqlRelInfo *info, List *clauses, bool outer_ok,
				  KeyConds *kc)
{
	const CqlTableMeta *meta = info->meta;
	ListCell   *lc;

	kc->npk = meta ? meta->npk : 0;
	kc->nck = meta ? meta->nck : 0;
	kc->pk = palloc0(sizeof(RestrictInfo *) * Max(kc->npk, 1));
	kc->pk_value = palloc0(sizeof(Expr *) * Max(kc->npk, 1));
	kc->ck = palloc0(sizeof(RestrictInfo *) * Max(kc->nck, 1));
	kc->ck_value = palloc0(sizeof(Expr *) * Max(kc->nck, 1));
	if (meta == NULL || info->map == NULL)
		return;
	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Expr	   *value;
		int			col = cqlfdw_key_equality(baserel, info->map, ri, outer_ok, &value);

		if (col < 0)
			continue;
		for (int i = 0; i < kc->npk; i++)
			if (meta->pk[i] == col && kc->pk[i] == NULL)
			{
				kc->pk[i] = ri;
				kc->pk_value[i] = value;
			}
		for (int i = 0; i < kc->nck; i++)
			if (meta->ck[i] == col && kc->ck[i] == NULL)
			{
				kc->ck[i] = ri;
				kc->ck_value[i] = value;
			}
	}
}

static bool
whole_partition_key(const KeyConds *kc)
{
	if (kc->npk == 0)
		return false;
	for (int i = 0; i < kc->npk; i++)
		if (kc->pk[i] == NULL)
			return false;
	return true;
}

/* clustering columns pinned by equality, from the first */
static int
clustering_prefix(const KeyConds *kc)
{
	int			n = 0;

	while (n < kc->nck && kc->ck[n] != NULL)
		n++;
	return n;
}

/* rows of a single-partition read */
static double
partition_rows(const KeyConds *kc)
{
	return clustering_prefix(kc) == kc->nck ? 1.0 : ROWS_PER_PARTITION;
}

static void
cqlGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CqlRelInfo *info = palloc0(sizeof(CqlRelInfo));
	ListCell   *lc;
	double		tuples;
	Oid			userid;
	UserMapping *user;
	CqlServerOptions sopts;
	cql_session *session;
	Relation	rel;
	KeyConds	kc;

	baserel->fdw_private = info;
	info->table = GetForeignTable(foreigntableid);
	info->server = GetForeignServer(info->table->serverid);
	cqlfdw_server_options(info->server, NULL, &info->sopts);
	cqlfdw_table_options(foreigntableid, &info->sopts, &info->topts);

	/* the primary key, from the server's metadata */
	userid = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
	user = GetUserMapping(userid, info->server->serverid);
	cqlfdw_server_options(info->server, user, &sopts);
	session = cqlfdw_get_session(user, &sopts);
	info->meta = cqlfdw_table_meta(user, session, info->topts.keyspace,
								   info->topts.table, info->server->servername);
	rel = table_open(foreigntableid, NoLock);
	info->map = cqlfdw_key_map(rel, info->meta);
	table_close(rel, NoLock);

	collect_key_conds(baserel, info, baserel->baserestrictinfo, false, &kc);
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
	if (whole_partition_key(&kc))
		baserel->rows = partition_rows(&kc);
	else
		baserel->rows = clamp_row_est(tuples *
									  clauselist_selectivity(root, info->local_conds,
															 baserel->relid, JOIN_INNER, NULL));
}

/* generate_implied_equalities_for_column: is em the key column's Var? */
static bool
ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	AttrNumber	attnum = *(AttrNumber *) arg;
	Expr	   *e = em->em_expr;

	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e && IsA(e, Var) && (Index) ((Var *) e)->varno == rel->relid &&
		((Var *) e)->varattno == attnum && ((Var *) e)->varlevelsup == 0;
}

static void
cqlGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CqlRelInfo *info = baserel->fdw_private;
	KeyConds	kc;
	double		startup = DEFAULT_STARTUP_COST;
	double		total;

	collect_key_conds(baserel, info, baserel->baserestrictinfo, false, &kc);
	if (whole_partition_key(&kc))
	{
		/* one routed single-partition read */
		startup = LOOKUP_STARTUP_COST;
		total = startup + baserel->rows * (cpu_tuple_cost + DEFAULT_ROW_COST);
	}
	else
		total = startup + baserel->tuples * (cpu_tuple_cost + DEFAULT_ROW_COST) +
			baserel->tuples * baserel->baserestrictcost.per_tuple;
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL, NIL));

	/*
	 * A parameterized path: the partition key bound from columns of other
	 * relations, so a nested loop makes one routed lookup per outer row.
	 */
	if (info->meta && info->meta->npk > 0 && !whole_partition_key(&kc))
	{
		List	   *candidates = list_copy(baserel->baserestrictinfo);
		ListCell   *lc;
		Relids		required_outer = NULL;
		ParamPathInfo *ppi;
		double		rows;

		candidates = list_concat(candidates, baserel->joininfo);
		for (int i = 0; i < info->meta->npk; i++)
		{
			AttrNumber	attnum = info->map->attnum_of[info->meta->pk[i]];

			if (attnum == 0)
				continue;
			candidates = list_concat(candidates,
									 generate_implied_equalities_for_column(root, baserel,
																			ec_member_is_column,
																			&attnum,
																			baserel->lateral_referencers));
		}
		/* only clauses that can be checked at this relation */
		foreach(lc, candidates)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

			if (!bms_is_subset(baserel->relids, ri->clause_relids) &&
				!join_clause_is_movable_to(ri, baserel))
				candidates = foreach_delete_current(candidates, lc);
		}
		collect_key_conds(baserel, info, candidates, true, &kc);
		if (!whole_partition_key(&kc))
			return;
		for (int i = 0; i < kc.npk; i++)
			required_outer = bms_union(required_outer,
									   bms_difference(kc.pk[i]->clause_relids, baserel->relids));
		if (bms_is_empty(required_outer) || bms_overlap(required_outer, baserel->relids))
			return;
		ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		rows = partition_rows(&kc);
		ppi->ppi_rows = rows;
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, rows,
										 LOOKUP_STARTUP_COST,
										 LOOKUP_STARTUP_COST + rows * (cpu_tuple_cost + DEFAULT_ROW_COST),
										 NIL, required_outer, NULL, NIL));
	}
}

/*
 * The SELECT of the columns in attrs_used.  A query that needs no column
 * (count(*)) still selects one, as CQL needs a selector; its attnum in
 * retrieved_attrs is 0 and it is never converted.
 */
static char *
deparse_select(Relation rel, const CqlTableOptions *topts, Bitmapset *attrs_used,
			   List **retrieved_attrs, const CqlTableMeta *meta, const KeyConds *kc)
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
	if (kc && whole_partition_key(kc))
	{
		int			nck = clustering_prefix(kc);

		for (int i = 0; i < kc->npk; i++)
		{
			appendStringInfoString(&buf, i == 0 ? " WHERE " : " AND ");
			cqlfdw_append_identifier(&buf, meta->columns[meta->pk[i]].name);
			appendStringInfoString(&buf, " = ?");
		}
		for (int i = 0; i < nck; i++)
		{
			appendStringInfoString(&buf, " AND ");
			cqlfdw_append_identifier(&buf, meta->columns[meta->ck[i]].name);
			appendStringInfoString(&buf, " = ?");
		}
	}
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
	List	   *fdw_exprs = NIL;
	List	   *pushed = NIL;
	List	   *local = NIL;
	Bitmapset  *attrs_used = NULL;
	Relation	rel;
	char	   *cql;
	KeyConds	kc;
	ListCell   *lc;

	/* the key conditions this path binds; the rest is checked here */
	collect_key_conds(baserel, info, scan_clauses,
					  best_path->path.param_info != NULL, &kc);
	if (whole_partition_key(&kc))
	{
		int			nck = clustering_prefix(&kc);

		for (int i = 0; i < kc.npk; i++)
		{
			pushed = lappend(pushed, kc.pk[i]);
			fdw_exprs = lappend(fdw_exprs, kc.pk_value[i]);
		}
		for (int i = 0; i < nck; i++)
		{
			pushed = lappend(pushed, kc.ck[i]);
			fdw_exprs = lappend(fdw_exprs, kc.ck_value[i]);
		}
	}
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ri->pseudoconstant || list_member_ptr(pushed, ri))
			continue;
		local = lappend(local, ri->clause);
	}

	/* columns for the output and for the conditions checked here */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs_used);
	pull_varattnos((Node *) local, baserel->relid, &attrs_used);

	rel = table_open(foreigntableid, NoLock);
	cql = deparse_select(rel, &info->topts, attrs_used, &retrieved_attrs,
						 info->meta, whole_partition_key(&kc) ? &kc : NULL);
	table_close(rel, NoLock);

	fdw_private = list_make5(makeString(cql), retrieved_attrs,
							 makeInteger(info->topts.fetch_size),
							 makeInteger(info->topts.read_consistency),
							 makeInteger(list_length(fdw_exprs)));

	return make_foreignscan(tlist, local, baserel->relid, fdw_exprs,
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
	st->node = node;
	st->rel = node->ss.ss_currentRelation;
	st->cql = strVal(list_nth(fsplan->fdw_private, PRIV_CQL));
	st->retrieved_attrs = list_nth(fsplan->fdw_private, PRIV_RETRIEVED_ATTRS);
	st->fetch_size = intVal(list_nth(fsplan->fdw_private, PRIV_FETCH_SIZE));
	st->consistency = intVal(list_nth(fsplan->fdw_private, PRIV_CONSISTENCY));
	st->cells = palloc0(sizeof(cql_slice) * Max(list_length(st->retrieved_attrs), 1));
	st->nbind = list_length(fsplan->fdw_exprs);
	if (st->nbind > 0)
	{
		ListCell   *lc;
		int			i = 0;

		st->param_exprs = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
		st->param_types = palloc(sizeof(Oid) * st->nbind);
		st->bind_values = palloc0(sizeof(cql_slice) * st->nbind);
		foreach(lc, fsplan->fdw_exprs)
			st->param_types[i++] = exprType((Node *) lfirst(lc));
	}
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

/*
 * Evaluate and encode the bound key values (in the executor's current
 * parameters).  False when no key can equal them.
 */
static bool
bind_keys(CqlScanState *st)
{
	ExprContext *econtext = st->node->ss.ps.ps_ExprContext;
	const cql_result *meta = cql_prepared_result(st->prepared);
	size_t	   *offsets = palloc(sizeof(size_t) * (st->nbind + 1));
	ListCell   *lc;
	int			i = 0;
	bool		ok = true;

	if (st->bind_buf == NULL && (st->bind_buf = cql_buf_new()) == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cql_buf_reset(st->bind_buf);
	if (cql_result_bind_count(meta) != st->nbind)
		elog(ERROR, "prepared statement has %d bind variables, expected %d",
			 cql_result_bind_count(meta), st->nbind);
	foreach(lc, st->param_exprs)
	{
		ExprState  *es = lfirst(lc);
		bool		isnull;
		Datum		v;
		MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);

		v = ExecEvalExpr(es, econtext, &isnull);
		MemoryContextSwitchTo(old);
		offsets[i] = cql_buf_len(st->bind_buf);
		if (isnull || !cqlfdw_encode_key(st->bind_buf, v, st->param_types[i],
										 cql_result_bind(meta, i)->type))
			ok = false;			/* "key = NULL" or a value no key has */
		i++;
		if (!ok)
			break;
	}
	if (!ok)
		return false;
	offsets[st->nbind] = cql_buf_len(st->bind_buf);
	/* slices once the buffer stopped moving */
	for (i = 0; i < st->nbind; i++)
	{
		st->bind_values[i].data = cql_buf_data(st->bind_buf) + offsets[i];
		st->bind_values[i].len = (int32_t) (offsets[i + 1] - offsets[i]);
	}
	return true;
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

	if (st->page == NULL && st->nbind > 0 && !bind_keys(st))
	{
		st->done = true;		/* no row can match: nothing to ask */
		return;
	}

	memset(&params, 0, sizeof(params));
	params.idempotent = true;	/* a read: any replica may serve it again */
	params.values = st->bind_values;
	params.nvalues = st->nbind;
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
			if (st->pending == NULL)
				return slot;	/* no row can match */
		}

		cqlfdw_wait(st->pending);
		f = st->pending;
		st->pending = NULL;
		st->page = cqlfdw_finish(f, st->cql, st->server_name);
		st->pages++;
		st->retries += cql_result_attempts(st->page) - 1;
		{
			const char *host = cql_result_coordinator(st->page);
			ListCell   *lc;
			bool		seen = false;

			foreach(lc, st->hosts)
				if (strcmp(lfirst(lc), host) == 0)
					seen = true;
			if (!seen && host[0])
			{
				MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);

				st->hosts = lappend(st->hosts, pstrdup(host));
				MemoryContextSwitchTo(old);
			}
		}
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
	/* what an abort would do through the memory context callback */
	scan_cleanup_callback(st);
}

static void
cqlExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	CqlScanState *st = node->fdw_state;

	if (es->verbose)
		ExplainPropertyText("CQL", st->cql, es);
	if (es->analyze)
	{
		ExplainPropertyInteger("CQL Pages", NULL, st->pages, es);
		if (st->retries > 0 || es->format != EXPLAIN_FORMAT_TEXT)
			ExplainPropertyInteger("CQL Retries", NULL, st->retries, es);
		if (es->verbose && st->hosts != NIL)
		{
			StringInfoData buf;
			ListCell   *lc;

			initStringInfo(&buf);
			foreach(lc, st->hosts)
				appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", (char *) lfirst(lc));
			ExplainPropertyText("CQL Hosts", buf.data, es);
		}
	}
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
	if (st->bind_buf)
	{
		cql_buf_free(st->bind_buf);
		st->bind_buf = NULL;
	}
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
