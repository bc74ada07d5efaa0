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

#include <math.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "access/parallel.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "common/int.h"
#include "commands/explain.h"
#include "executor/execAsync.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "storage/spin.h"
#include "utils/array.h"
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
/*
 * One routed round trip for a single-partition read: about what streaming
 * 300 rows of a scan costs (a few hundred microseconds against one or two
 * per row), so a nested loop of lookups wins over one scan of a table only
 * while its outer side is small against the table.
 */
#define LOOKUP_STARTUP_COST		10.0
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
	double		analyzed_tuples;	/* pg_class.reltuples; < 0: never analyzed */
} CqlRelInfo;

/* the conditions on one key column that a path may send */
typedef struct ColConds
{
	RestrictInfo *eq;			/* = or IN */
	CqlCond		eq_cond;
	RestrictInfo *lower;		/* > or >= */
	CqlCond		lower_cond;
	RestrictInfo *upper;		/* < or <= */
	CqlCond		upper_cond;
} ColConds;

/*
 * The key conditions of a path, and what of them is sent: equality or IN
 * on the partition key, then on a prefix of the clustering columns, then a
 * range on the next clustering column.  Without the whole partition key,
 * clustering conditions are sent only where the table allows filtering.
 */
typedef struct KeyConds
{
	int			npk;
	ColConds   *pk;				/* per partition key column */
	int			nck;
	ColConds   *ck;				/* per clustering column */
	bool		partition;		/* the whole partition key: routed reads */
	bool		filtering;		/* clustering conditions sent with ALLOW FILTERING */
	int			prefix;			/* clustering columns bound by = or IN */
	int			range;			/* the clustering column with a range, or -1 */
	bool		implicit_lower; /* range: ">= the type's minimum" sent too */
	bool		multi;			/* an IN: one read per combination of values */
	double		nreads;			/* estimated reads (combinations) */
	List	   *pushed;			/* the RestrictInfos sent */
} KeyConds;

/* indexes into fdw_private of the plan */
enum CqlScanPrivate
{
	PRIV_CQL,					/* the SELECT */
	PRIV_RETRIEVED_ATTRS,		/* attnums of its columns, 0 for a placeholder */
	PRIV_FETCH_SIZE,
	PRIV_CONSISTENCY,
	PRIV_KEY_CONDS,				/* number of bound key conditions */
	PRIV_BIND_KINDS,			/* per fdw_expr: enum CqlBindKind */
	PRIV_IN_COLUMNS,			/* names of the columns with an IN list */
	PRIV_SPLIT_NOTE				/* ORDER BY in two reads: what EXPLAIN says */
};

/* what each of fdw_exprs is */
enum CqlBindKind
{
	CQLFDW_BIND_VALUE,			/* one value for a bind marker */
	CQLFDW_BIND_VALUE_DOWN,		/* a range bound, rounded down (> and <=) */
	CQLFDW_BIND_VALUE_UP,		/* a range bound, rounded up (>= and <) */
	CQLFDW_BIND_ARRAY,			/* an IN list: one read per distinct value */
	CQLFDW_BIND_LIMIT,			/* LIMIT ? (unset: none) */
	CQLFDW_BIND_OFFSET,			/* added to the LIMIT, no marker of its own */
	CQLFDW_BIND_KEY_MIN,		/* the minimum of the key type (no expression) */
	/* the sort column split in two reads: [min, max] and [empty, empty] */
	CQLFDW_BIND_SPLIT_LOW_EMPTY_FIRST,
	CQLFDW_BIND_SPLIT_LOW_EMPTY_LAST,
	CQLFDW_BIND_SPLIT_HIGH		/* read with the entry before it */
};

/* ORDER BY in two reads, for Cassandra's empty values (see order_pushable) */
enum
{
	SPLIT_NONE,
	SPLIT_EMPTY_FIRST,
	SPLIT_EMPTY_LAST
};

typedef struct BoundValue BoundValue;

/*
 * Reads of IN combinations sent ahead of the one being consumed: they are
 * consumed in order, so results come as from one read after the other, but
 * the round trips overlap.
 */
#define KEY_READS_AHEAD 8

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
	int			nbind;			/* bind markers */
	int			nexprs;			/* fdw_exprs */
	int		   *bind_kind;		/* per fdw_expr: enum CqlBindKind */
	List	   *bind_kind_list;	/* the same, as the plan has it */
	MemoryContext bind_cxt;		/* reset per bind_keys */
	BoundValue **bound;			/* per fdw_expr: its distinct encoded values */
	int		   *nbound;
	int		   *combo;			/* per fdw_expr: the value of the current read */
	bool		new_read;		/* the next request starts the next IN combination */
	int		   *cur_combo;		/* the combination of the read being consumed */
	int		   *issued_combo;	/* the last combination a read was sent for */
	cql_future *ahead[KEY_READS_AHEAD];	/* first pages of the next reads, in order */
	int		   *ahead_combo[KEY_READS_AHEAD];
	int			ahead_first;
	int			nahead;
	bool		keys_done;		/* every combination has been sent */
	int64		reads;			/* reads started (one per IN combination) */

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

	/*
	 * A scan that fixes no partition key reads token ranges (ranges.c):
	 * range_cql is then set, once range_checked.
	 */
	bool		range_checked;
	UserMapping *user;
	char	   *keyspace;
	char	   *range_cql;
	int			token_param;	/* where its two token values go */
	cql_prepared *range_prepared;
	CqlTokenRange *ranges;
	int			nranges;
	CqlRangeReader *reader;
	CqlScanCounters counters;	/* of the range reads */
	int			rows_unpolled;	/* rows since the reader last looked */
	bool		lost_claim;		/* parallel, one statement: another read it */
	bool		won_claim;		/* parallel, one statement: this one reads it */
	struct CqlSharedScan *shared;	/* parallel: claims and counters (DSM) */
	int64		flushed_pages;	/* what went into shared already */
	int64		flushed_rows;
	int64		flushed_retries;
	int64		flushed_ranges;
	int64		ranges_read;	/* for EXPLAIN: ranges read to their end */
	bool		async;			/* under an async Append (ForeignAsync*) */
	bool		async_waiting;	/* the empty slot returned means "wait", not the end */
	int			async_fd;		/* its own descriptor of the reactor, or -1 */
	int			timer_fd;		/* a timerfd for the driver's next timer, or -1 */
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
static bool scan_by_ranges(CqlScanState *st);
static TupleTableSlot *iterate_ranges(CqlScanState *st, TupleTableSlot *slot);
static void ranges_release(CqlScanState *st);
static void add_partial_scan_path(PlannerInfo *root, RelOptInfo *baserel,
								  Cost startup, Cost total);
static void scan_routines_parallel_async(FdwRoutine *routine);

void
cqlfdw_scan_routines(FdwRoutine *routine)
{
	routine->GetForeignRelSize = cqlGetForeignRelSize;
	routine->GetForeignPaths = cqlGetForeignPaths;
	routine->GetForeignPlan = cqlGetForeignPlan;
	scan_routines_parallel_async(routine);
	routine->BeginForeignScan = cqlBeginForeignScan;
	routine->IterateForeignScan = cqlIterateForeignScan;
	routine->ReScanForeignScan = cqlReScanForeignScan;
	routine->EndForeignScan = cqlEndForeignScan;
	routine->ExplainForeignScan = cqlExplainForeignScan;
}

/* ---------- planning ---------- */

/* Estimated number of values of a bound IN array. */
static double
in_values(Expr *array)
{
	array = (Expr *) strip_implicit_coercions((Node *) array);
	if (IsA(array, Const) && !((Const *) array)->constisnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(((Const *) array)->constvalue);

		return Max(ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)), 1);
	}
	if (IsA(array, ArrayExpr))
		return Max(list_length(((ArrayExpr *) array)->elements), 1);
	return 10.0;				/* a parameter: a guess */
}

static void
add_cond(ColConds *cc, RestrictInfo *ri, const CqlCond *cond)
{
	switch (cond->kind)
	{
		case CQL_COND_EQ:
			/* = is preferred over IN: one read */
			if (cc->eq == NULL || cc->eq_cond.kind == CQL_COND_IN)
			{
				cc->eq = ri;
				cc->eq_cond = *cond;
			}
			break;
		case CQL_COND_IN:
			if (cc->eq == NULL)
			{
				cc->eq = ri;
				cc->eq_cond = *cond;
			}
			break;
		case CQL_COND_GT:
		case CQL_COND_GE:
			if (cc->lower == NULL)
			{
				cc->lower = ri;
				cc->lower_cond = *cond;
			}
			break;
		case CQL_COND_LT:
		case CQL_COND_LE:
			if (cc->upper == NULL)
			{
				cc->upper = ri;
				cc->upper_cond = *cond;
			}
			break;
	}
}

/*
 * Find, among clauses, the conditions on key columns, and decide which of
 * them are sent (kc->pushed, in the order of the CQL's bind markers).
 */
static void
collect_key_conds(RelOptInfo *baserel, CqlRelInfo *info, List *clauses, bool outer_ok,
				  KeyConds *kc)
{
	const CqlTableMeta *meta = info->meta;
	ListCell   *lc;

	memset(kc, 0, sizeof(KeyConds));
	kc->range = -1;
	kc->nreads = 1.0;
	kc->npk = meta ? meta->npk : 0;
	kc->nck = meta ? meta->nck : 0;
	kc->pk = palloc0(sizeof(ColConds) * Max(kc->npk, 1));
	kc->ck = palloc0(sizeof(ColConds) * Max(kc->nck, 1));
	if (meta == NULL || info->map == NULL || kc->npk == 0)
		return;
	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		CqlCond		cond;

		if (!cqlfdw_classify_cond(baserel, info->map, ri, outer_ok, &cond))
			continue;
		for (int i = 0; i < kc->npk; i++)
			if (meta->pk[i] == cond.col)
				add_cond(&kc->pk[i], ri, &cond);
		for (int i = 0; i < kc->nck; i++)
			if (meta->ck[i] == cond.col)
				add_cond(&kc->ck[i], ri, &cond);
	}

	kc->partition = true;
	for (int i = 0; i < kc->npk; i++)
		if (kc->pk[i].eq == NULL)
			kc->partition = false;
	if (!kc->partition && !info->topts.allow_filtering)
		return;

	/*
	 * Without the partition key, every read would scan the whole table: so
	 * no IN there, only one filtered scan.
	 */
	while (kc->prefix < kc->nck && kc->ck[kc->prefix].eq &&
		   (kc->partition || kc->ck[kc->prefix].eq_cond.kind == CQL_COND_EQ))
		kc->prefix++;
	if (kc->prefix < kc->nck &&
		(kc->ck[kc->prefix].lower || kc->ck[kc->prefix].upper))
		kc->range = kc->prefix;

	/*
	 * An upper bound alone would let Cassandra's empty values through (they
	 * sort first, and read as NULL here): a lower bound at the type's
	 * minimum leaves them out.
	 */
	if (kc->range >= 0 && kc->ck[kc->range].lower == NULL &&
		info->map->empty_null[kc->ck[kc->range].upper_cond.attnum - 1])
		kc->implicit_lower = true;
	if (!kc->partition)
	{
		if (kc->prefix == 0 && kc->range < 0)
			return;
		kc->filtering = true;
	}

	if (kc->partition)
		for (int i = 0; i < kc->npk; i++)
		{
			kc->pushed = lappend(kc->pushed, kc->pk[i].eq);
			if (kc->pk[i].eq_cond.kind == CQL_COND_IN)
			{
				kc->multi = true;
				kc->nreads *= in_values(kc->pk[i].eq_cond.value);
			}
		}
	for (int i = 0; i < kc->prefix; i++)
	{
		kc->pushed = lappend(kc->pushed, kc->ck[i].eq);
		if (kc->ck[i].eq_cond.kind == CQL_COND_IN)
		{
			kc->multi = true;
			kc->nreads *= in_values(kc->ck[i].eq_cond.value);
		}
	}
	if (kc->range >= 0)
	{
		if (kc->ck[kc->range].lower)
			kc->pushed = lappend(kc->pushed, kc->ck[kc->range].lower);
		if (kc->ck[kc->range].upper)
			kc->pushed = lappend(kc->pushed, kc->ck[kc->range].upper);
	}
}

/* the CqlCond of a pushed RestrictInfo */
static const CqlCond *
pushed_cond(const KeyConds *kc, RestrictInfo *ri)
{
	for (int i = 0; i < kc->npk; i++)
		if (kc->pk[i].eq == ri)
			return &kc->pk[i].eq_cond;
	for (int i = 0; i < kc->nck; i++)
	{
		if (kc->ck[i].eq == ri)
			return &kc->ck[i].eq_cond;
		if (kc->ck[i].lower == ri)
			return &kc->ck[i].lower_cond;
		if (kc->ck[i].upper == ri)
			return &kc->ck[i].upper_cond;
	}
	elog(ERROR, "pushed condition not found");
	return NULL;
}

/* the conditions of clauses that are not sent */
static List *
unpushed(const KeyConds *kc, List *clauses)
{
	List	   *rest = NIL;
	ListCell   *lc;

	foreach(lc, clauses)
		if (!list_member_ptr(kc->pushed, lfirst(lc)))
			rest = lappend(rest, lfirst(lc));
	return rest;
}

/*
 * Rows the pushed conditions let through, before local filtering: per
 * read, one row when the whole primary key is bound, else a partition
 * (a third of it under a range).
 */
static double
pushed_rows(const KeyConds *kc, double tuples)
{
	double		per_read;

	if (!kc->partition)
		return tuples * (kc->prefix > 0 ? 0.1 : 1.0) * (kc->range >= 0 ? 0.33 : 1.0);
	if (kc->prefix == kc->nck)
		per_read = 1.0;
	else
		per_read = ROWS_PER_PARTITION * (kc->range >= 0 ? 0.33 : 1.0);
	return Min(kc->nreads * per_read, tuples);
}

/* the startup and total cost of a path sending kc, with local conditions */
static void
path_costs(PlannerInfo *root, RelOptInfo *baserel, const KeyConds *kc, List *local,
		   Cost *startup, Cost *total)
{
	double		fetched = pushed_rows(kc, baserel->tuples);
	QualCost	qcost;

	cost_qual_eval(&qcost, local, root);
	if (kc->partition)
		*startup = LOOKUP_STARTUP_COST;
	else
		*startup = DEFAULT_STARTUP_COST;
	*total = *startup + (kc->partition ? (kc->nreads - 1) * LOOKUP_STARTUP_COST : 0) +
		fetched * (cpu_tuple_cost + DEFAULT_ROW_COST + qcost.per_tuple) + qcost.startup;
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
	List	   *local;

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
	/* PostgreSQL 14+: reltuples < 0 means never analyzed */
	info->analyzed_tuples = rel->rd_rel->reltuples;
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

	/*
	 * The size of the table: ANALYZE's count when there is one, else the
	 * server's estimates, else large and unknown (never empty).
	 */
	if (info->analyzed_tuples >= 0)
		tuples = Max(info->analyzed_tuples, 1.0);
	else
		tuples = cqlfdw_estimate_rows(user, session, info->meta,
									  info->server->servername);
	if (tuples < 0)
		tuples = DEFAULT_TABLE_ROWS;
	baserel->tuples = tuples;

	local = unpushed(&kc, baserel->baserestrictinfo);
	if (kc.pushed != NIL)
		baserel->rows = clamp_row_est(pushed_rows(&kc, tuples) *
									  clauselist_selectivity(root, local, baserel->relid,
															 JOIN_INNER, NULL));
	else
		baserel->rows = clamp_row_est(tuples *
									  clauselist_selectivity(root, local,
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

/*
 * Can the rows of kc come in the order of root->query_pathkeys?  Only from
 * one partition (every partition key column bound by =, no IN anywhere),
 * sorted on clustering columns in clustering order or its full reverse:
 * each sorted column the next clustering column, the ones before it bound
 * by =.  *reverse says which direction.
 */
static bool
order_pushable(PlannerInfo *root, RelOptInfo *baserel, CqlRelInfo *info,
			   const KeyConds *kc, bool *reverse, int *split)
{
	const CqlTableMeta *meta = info->meta;
	int			next = 0;		/* the clustering column a sort key may be */
	int			direction = 0;	/* 1 clustering order, -1 reversed */
	ListCell   *lc;

	*split = SPLIT_NONE;

	if (root->query_pathkeys == NIL || !kc->partition || kc->multi || kc->filtering)
		return false;
	foreach(lc, root->query_pathkeys)
	{
		PathKey    *pathkey = lfirst(lc);
		EquivalenceClass *ec = pathkey->pk_eclass;
		Var		   *var = NULL;
		ListCell   *lc2;
		int			col;
		int			pos = -1;
		bool		asc;

		if (ec->ec_has_volatile)
			return false;
		foreach(lc2, ec->ec_members)
		{
			EquivalenceMember *em = lfirst(lc2);
			Expr	   *e = em->em_expr;

			while (e && IsA(e, RelabelType))
				e = ((RelabelType *) e)->arg;
			if (e && IsA(e, Var) && (Index) ((Var *) e)->varno == baserel->relid &&
				((Var *) e)->varlevelsup == 0 && ((Var *) e)->varattno > 0)
			{
				var = (Var *) e;
				break;
			}
		}
		if (var == NULL || var->varattno > info->map->natts)
			return false;
		col = info->map->meta_index[var->varattno - 1];
		for (int i = 0; i < kc->nck; i++)
			if (meta->ck[i] == col)
				pos = i;
		if (pos < next)
			return false;		/* not a clustering column, or out of order */
		/* the clustering columns skipped must each be one value */
		for (int i = next; i < pos; i++)
			if (kc->ck[i].eq == NULL || kc->ck[i].eq_cond.kind != CQL_COND_EQ)
				return false;
		if (!cqlfdw_order_pushable(info->map, var->varattno, var->vartype,
								   pathkey->pk_opfamily, ec->ec_collation))
			return false;
		if (pathkey->pk_strategy != BTLessStrategyNumber &&
			pathkey->pk_strategy != BTGreaterStrategyNumber)
			return false;
		asc = pathkey->pk_strategy == BTLessStrategyNumber;

		/*
		 * Cassandra's empty values (NULL here) come first in ascending
		 * order.  Where NULLs are asked elsewhere and no range leaves them
		 * out, the first sort column is read in two parts: its values, then
		 * (or first) its empty values; a later one cannot be.
		 */
		if (info->map->empty_null[var->varattno - 1] && pathkey->pk_nulls_first != asc &&
			!(pos == kc->range && (kc->ck[pos].lower || kc->implicit_lower)))
		{
			if (lc != list_head(root->query_pathkeys) || pos != kc->prefix || kc->range >= 0)
				return false;
			*split = pathkey->pk_nulls_first ? SPLIT_EMPTY_FIRST : SPLIT_EMPTY_LAST;
		}
		if (direction == 0)
			direction = asc != meta->columns[col].descending ? 1 : -1;
		else if (direction != (asc != meta->columns[col].descending ? 1 : -1))
			return false;
		next = pos + 1;
	}
	*reverse = direction < 0;
	return true;
}

static void
cqlGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CqlRelInfo *info = baserel->fdw_private;
	KeyConds	kc;
	Cost		startup;
	Cost		total;
	bool		reverse;
	int			split;

	collect_key_conds(baserel, info, baserel->baserestrictinfo, false, &kc);
	path_costs(root, baserel, &kc, unpushed(&kc, baserel->baserestrictinfo),
			   &startup, &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL,
									 list_make1(makeBoolean(false))));

	/* a full scan: workers can share its token ranges */
	if (baserel->consider_parallel && !kc.partition && !kc.multi)
		add_partial_scan_path(root, baserel, startup, total);

	/* the same read, sorted by Cassandra: clustering order or its reverse */
	/*
	 * (A split read costs the same: its second read is sent while the first
	 * one's last page is being read, and usually finds nothing.)
	 */
	if (order_pushable(root, baserel, info, &kc, &reverse, &split))
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, baserel->rows,
										 startup, total, root->query_pathkeys, NULL, NULL,
										 list_make2(makeBoolean(reverse), makeInteger(split))));

	/*
	 * A parameterized path: the partition key bound from columns of other
	 * relations, so a nested loop makes one routed lookup per outer row.
	 */
	if (cqlfdw_enable_pushdown && info->meta && info->meta->npk > 0)
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
		if (!kc.partition)
			return;
		foreach(lc, kc.pushed)
		{
			RestrictInfo *ri = lfirst(lc);

			required_outer = bms_union(required_outer,
									   bms_difference(ri->clause_relids, baserel->relids));
		}
		if (bms_is_empty(required_outer) || bms_overlap(required_outer, baserel->relids))
			return;
		ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		rows = clamp_row_est(pushed_rows(&kc, baserel->tuples) *
							 clauselist_selectivity(root,
													unpushed(&kc, list_concat(list_copy(baserel->baserestrictinfo),
																			  ppi->ppi_clauses)),
													baserel->relid, JOIN_INNER, NULL));
		ppi->ppi_rows = rows;
		path_costs(root, baserel, &kc,
				   unpushed(&kc, list_concat(list_copy(baserel->baserestrictinfo),
											 ppi->ppi_clauses)),
				   &startup, &total);
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, rows,
										 startup, total, NIL, required_outer, NULL,
										 list_make1(makeBoolean(false))));
	}
}

/*
 * The SELECT of the columns in attrs_used, with the WHERE of the pushed
 * conditions (a bind marker each; IN is read one value at a time, so it
 * is "=" here), ORDER BY when Cassandra's reversed order is wanted, and
 * LIMIT when one is pushed.  A query that needs no column (count(*))
 * still selects one, as CQL needs a selector; its attnum in
 * retrieved_attrs is 0 and it is never converted.
 */
static char *
deparse_select(Relation rel, const CqlTableOptions *topts, Bitmapset *attrs_used,
			   List **retrieved_attrs, const CqlTableMeta *meta, const KeyConds *kc,
			   bool reverse, int split, bool limit)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	StringInfoData buf;
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used);
	int			first_live = 0;
	ListCell   *lc;
	bool		first = true;

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
	if (kc)
	{
		foreach(lc, kc->pushed)
		{
			const CqlCond *cond = pushed_cond(kc, lfirst(lc));
			static const char *const ops[] = {
				[CQL_COND_EQ] = " = ?",[CQL_COND_IN] = " = ?",
				[CQL_COND_LT] = " < ?",[CQL_COND_LE] = " <= ?",
				[CQL_COND_GE] = " >= ?",[CQL_COND_GT] = " > ?"
			};

			if (kc->implicit_lower && lfirst(lc) == kc->ck[kc->range].upper)
			{
				appendStringInfoString(&buf, first ? " WHERE " : " AND ");
				first = false;
				cqlfdw_append_identifier(&buf, meta->columns[cond->col].name);
				appendStringInfoString(&buf, " >= ?");
			}
			appendStringInfoString(&buf, first ? " WHERE " : " AND ");
			first = false;
			cqlfdw_append_identifier(&buf, meta->columns[cond->col].name);
			appendStringInfoString(&buf, ops[cond->kind]);
		}
	}
	if (split != SPLIT_NONE)
	{
		const char *name = meta->columns[meta->ck[kc->prefix]].name;

		appendStringInfoString(&buf, first ? " WHERE " : " AND ");
		cqlfdw_append_identifier(&buf, name);
		appendStringInfoString(&buf, " >= ? AND ");
		cqlfdw_append_identifier(&buf, name);
		appendStringInfoString(&buf, " <= ?");
	}
	if (reverse)
	{
		const CqlColumnMeta *ck0 = &meta->columns[meta->ck[0]];

		appendStringInfoString(&buf, " ORDER BY ");
		cqlfdw_append_identifier(&buf, ck0->name);
		appendStringInfoString(&buf, ck0->descending ? " ASC" : " DESC");
	}
	if (limit)
		appendStringInfoString(&buf, " LIMIT ?");
	if (kc && kc->filtering)
		appendStringInfoString(&buf, " ALLOW FILTERING");
	return buf.data;
}

/*
 * Can the query's LIMIT (plus OFFSET: CQL has none) be sent with this
 * scan?  Only when the scan is the whole query: one relation, nothing
 * filtered here, no grouping, aggregates, windows, DISTINCT or set-
 * returning functions between it and the Limit, and rows already in the
 * order asked for.  The Limit node stays on top, so the count is only an
 * upper bound that saves reading rows nobody will see.
 */
static bool
limit_pushable(PlannerInfo *root, RelOptInfo *baserel, ForeignPath *best_path,
			   List *local)
{
	Query	   *parse = root->parse;

	if (!cqlfdw_enable_pushdown || parse->limitCount == NULL || local != NIL)
		return false;
	if (parse->commandType != CMD_SELECT || parse->limitOption != LIMIT_OPTION_COUNT)
		return false;
	if (best_path->path.param_info != NULL || baserel->reloptkind != RELOPT_BASEREL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON)
		return false;
	if (parse->hasAggs || parse->groupClause || parse->groupingSets ||
		parse->hasWindowFuncs || parse->distinctClause || parse->hasTargetSRFs ||
		parse->setOperations || parse->havingQual || parse->rowMarks)
		return false;
	if (root->query_pathkeys != NIL &&
		!pathkeys_contained_in(root->query_pathkeys, best_path->path.pathkeys))
		return false;
	if (contain_volatile_functions(parse->limitCount) ||
		contain_volatile_functions(parse->limitOffset))
		return false;
	return true;
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
	List	   *bind_kinds = NIL;
	List	   *local = NIL;
	Bitmapset  *attrs_used = NULL;
	Relation	rel;
	char	   *cql;
	KeyConds	kc;
	ListCell   *lc;
	bool		reverse = false;
	int			split = SPLIT_NONE;
	bool		limit;
	StringInfoData in_columns;

	if (best_path->fdw_private != NIL)
		reverse = boolVal(linitial(best_path->fdw_private));
	if (list_length(best_path->fdw_private) > 1)
		split = intVal(lsecond(best_path->fdw_private));

	/* the key conditions this path binds; the rest is checked here */
	initStringInfo(&in_columns);
	collect_key_conds(baserel, info, scan_clauses,
					  best_path->path.param_info != NULL, &kc);
	foreach(lc, kc.pushed)
	{
		const CqlCond *cond = pushed_cond(&kc, lfirst(lc));

		if (kc.implicit_lower && lfirst(lc) == kc.ck[kc.range].upper)
		{
			/* a placeholder: bind_keys encodes the type's minimum */
			fdw_exprs = lappend(fdw_exprs, makeNullConst(INT4OID, -1, InvalidOid));
			bind_kinds = lappend_int(bind_kinds, CQLFDW_BIND_KEY_MIN);
		}
		fdw_exprs = lappend(fdw_exprs, cond->value);
		bind_kinds = lappend_int(bind_kinds,
								 cond->kind == CQL_COND_IN ? CQLFDW_BIND_ARRAY :
								 cond->kind == CQL_COND_GT || cond->kind == CQL_COND_LE ?
								 CQLFDW_BIND_VALUE_DOWN :
								 cond->kind == CQL_COND_GE || cond->kind == CQL_COND_LT ?
								 CQLFDW_BIND_VALUE_UP : CQLFDW_BIND_VALUE);
		if (cond->kind == CQL_COND_IN)
			appendStringInfo(&in_columns, "%s%s", in_columns.len ? ", " : "",
							 info->meta->columns[cond->col].name);
	}
	if (split != SPLIT_NONE)
	{
		/* the sort column's values and its empty values, two reads */
		fdw_exprs = lappend(fdw_exprs, makeNullConst(INT4OID, -1, InvalidOid));
		bind_kinds = lappend_int(bind_kinds, split == SPLIT_EMPTY_FIRST ?
								 CQLFDW_BIND_SPLIT_LOW_EMPTY_FIRST :
								 CQLFDW_BIND_SPLIT_LOW_EMPTY_LAST);
		fdw_exprs = lappend(fdw_exprs, makeNullConst(INT4OID, -1, InvalidOid));
		bind_kinds = lappend_int(bind_kinds, CQLFDW_BIND_SPLIT_HIGH);
	}
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ri->pseudoconstant || list_member_ptr(kc.pushed, ri))
			continue;
		local = lappend(local, ri->clause);
	}

	limit = limit_pushable(root, baserel, best_path, local);
	if (limit)
	{
		fdw_exprs = lappend(fdw_exprs, root->parse->limitCount);
		bind_kinds = lappend_int(bind_kinds, CQLFDW_BIND_LIMIT);
		if (root->parse->limitOffset)
		{
			fdw_exprs = lappend(fdw_exprs, root->parse->limitOffset);
			bind_kinds = lappend_int(bind_kinds, CQLFDW_BIND_OFFSET);
		}
	}

	/* columns for the output and for the conditions checked here */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs_used);
	pull_varattnos((Node *) local, baserel->relid, &attrs_used);

	rel = table_open(foreigntableid, NoLock);
	cql = deparse_select(rel, &info->topts, attrs_used, &retrieved_attrs,
						 info->meta, &kc, reverse, split, limit);
	table_close(rel, NoLock);

	fdw_private = list_make5(makeString(cql), retrieved_attrs,
							 makeInteger(info->topts.fetch_size),
							 makeInteger(info->topts.read_consistency),
							 makeInteger(list_length(kc.pushed)));
	fdw_private = lappend(fdw_private, bind_kinds);
	fdw_private = lappend(fdw_private, makeString(in_columns.data));
	fdw_private = lappend(fdw_private,
						  makeString(split == SPLIT_NONE ? "" :
									 psprintf("%s, read %s the other values",
											  info->meta->columns[info->meta->ck[kc.prefix]].name,
											  split == SPLIT_EMPTY_FIRST ? "before" : "after")));

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
	st->async_fd = -1;
	st->timer_fd = -1;
	st->temp_cxt = AllocSetContextCreate(scan_cxt, "cql_fdw row",
										 ALLOCSET_SMALL_SIZES);
	st->node = node;
	st->rel = node->ss.ss_currentRelation;
	st->cql = strVal(list_nth(fsplan->fdw_private, PRIV_CQL));
	st->retrieved_attrs = list_nth(fsplan->fdw_private, PRIV_RETRIEVED_ATTRS);
	st->fetch_size = intVal(list_nth(fsplan->fdw_private, PRIV_FETCH_SIZE));
	st->consistency = intVal(list_nth(fsplan->fdw_private, PRIV_CONSISTENCY));
	st->cells = palloc0(sizeof(cql_slice) * Max(list_length(st->retrieved_attrs), 1));
	st->nexprs = list_length(fsplan->fdw_exprs);
	st->nbind = st->nexprs;
	if (st->nexprs > 0)
	{
		List	   *kinds = list_nth(fsplan->fdw_private, PRIV_BIND_KINDS);
		ListCell   *lc;
		int			i = 0;

		st->bind_kind_list = kinds;

		st->param_exprs = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
		st->param_types = palloc(sizeof(Oid) * st->nexprs);
		st->bind_kind = palloc(sizeof(int) * st->nexprs);
		st->bind_values = palloc0(sizeof(cql_slice) * st->nexprs);
		foreach(lc, fsplan->fdw_exprs)
		{
			st->param_types[i] = exprType((Node *) lfirst(lc));
			st->bind_kind[i] = list_nth_int(kinds, i);
			if (st->bind_kind[i] == CQLFDW_BIND_OFFSET)
				st->nbind--;
			i++;
		}
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
	st->user = user;
	st->umid = user->umid;
	st->pinned = true;
}

/* an encoded value of an IN list: bytes [off, off + len) of bind_buf */
struct BoundValue
{
	size_t		off;
	int32_t		len;
};

static const uint8_t *sort_base;

static int
bound_value_cmp(const void *a, const void *b)
{
	const BoundValue *x = a;
	const BoundValue *y = b;
	int			c = memcmp(sort_base + x->off, sort_base + y->off, Min(x->len, y->len));

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* The least or greatest value of an ordered key type, into *v. */
static void
encode_extreme(cql_buf *b, const cql_type *t, bool max, BoundValue *v)
{
	int			rc;

	v->off = cql_buf_len(b);
	switch (t->id)
	{
		case CQL_TYPE_TINYINT:
			rc = cql_encode_tinyint(b, max ? INT8_MAX : INT8_MIN);
			break;
		case CQL_TYPE_SMALLINT:
			rc = cql_encode_smallint(b, max ? INT16_MAX : INT16_MIN);
			break;
		case CQL_TYPE_INT:
			rc = cql_encode_int(b, max ? INT32_MAX : INT32_MIN);
			break;
		case CQL_TYPE_BIGINT:
			rc = cql_encode_bigint(b, max ? INT64_MAX : INT64_MIN);
			break;
		case CQL_TYPE_TIMESTAMP:
			rc = cql_encode_timestamp(b, max ? INT64_MAX : INT64_MIN);
			break;
		case CQL_TYPE_DATE:
			rc = cql_encode_date(b, max ? UINT32_MAX : 0);
			break;
		case CQL_TYPE_BOOLEAN:
			rc = cql_encode_boolean(b, max);
			break;
		default:
			elog(ERROR, "CQL type %s has no bounds to bind", cql_type_name(t->id));
			return;
	}
	if (rc != CQL_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	v->len = (int32_t) (cql_buf_len(b) - v->off);
}

/* Point bind_values at the current combination of bound values. */
static void
set_bind_values(CqlScanState *st)
{
	int			pos = 0;

	for (int i = 0; i < st->nexprs; i++)
	{
		BoundValue *v;

		if (st->bind_kind[i] == CQLFDW_BIND_OFFSET)
			continue;
		if (st->bind_kind[i] == CQLFDW_BIND_SPLIT_HIGH)
			st->combo[i] = st->combo[i - 1];
		v = &st->bound[i][st->combo[i]];
		st->bind_values[pos].data = v->len >= 0 ? cql_buf_data(st->bind_buf) + v->off : NULL;
		st->bind_values[pos].len = v->len;
		pos++;
	}
}

/*
 * Move to the next combination of IN values (the last list varies
 * fastest); false after the last one.
 */
static bool
next_key_set(CqlScanState *st)
{
	for (int i = st->nexprs - 1; i >= 0; i--)
	{
		if (st->nbound[i] <= 1 || st->bind_kind[i] == CQLFDW_BIND_SPLIT_HIGH)
			continue;
		if (++st->combo[i] < st->nbound[i])
		{
			set_bind_values(st);
			return true;
		}
		st->combo[i] = 0;
	}
	return false;
}

/*
 * Evaluate and encode the bound values (in the executor's current
 * parameters): a key value, each distinct value of an IN array, the LIMIT
 * (plus OFFSET).  False when no row can match: a key no Cassandra key can
 * equal ("k = NULL", an integer out of the column's range), an IN with no
 * such value left, LIMIT 0.
 */
static bool
bind_keys(CqlScanState *st)
{
	ExprContext *econtext = st->node->ss.ps.ps_ExprContext;
	const cql_result *meta = cql_prepared_result(st->prepared);
	ListCell   *lc;
	int			i = 0;
	int			pos = 0;
	int64		limit = -1;		/* -1: no LIMIT sent, or sent unset */
	int			limit_expr = -1;
	bool		limit_unset = false;
	MemoryContext old;

	if (st->bind_buf == NULL && (st->bind_buf = cql_buf_new()) == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cql_buf_reset(st->bind_buf);
	if (cql_result_bind_count(meta) != st->nbind)
		elog(ERROR, "prepared statement has %d bind variables, expected %d",
			 cql_result_bind_count(meta), st->nbind);
	if (st->bind_cxt == NULL)
		st->bind_cxt = AllocSetContextCreate(st->scan_cxt, "cql_fdw bound values",
											 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(st->bind_cxt);
	old = MemoryContextSwitchTo(st->bind_cxt);
	st->bound = palloc0(sizeof(BoundValue *) * st->nexprs);
	st->nbound = palloc0(sizeof(int) * st->nexprs);
	st->combo = palloc0(sizeof(int) * st->nexprs);
	st->cur_combo = palloc0(sizeof(int) * st->nexprs);
	st->issued_combo = palloc0(sizeof(int) * st->nexprs);
	for (int k = 0; k < KEY_READS_AHEAD; k++)
		st->ahead_combo[k] = palloc0(sizeof(int) * st->nexprs);
	MemoryContextSwitchTo(old);

	foreach(lc, st->param_exprs)
	{
		ExprState  *es = lfirst(lc);
		int			kind = st->bind_kind[i];
		const cql_type *t = kind == CQLFDW_BIND_OFFSET ? NULL : cql_result_bind(meta, pos)->type;
		bool		isnull;
		Datum		v;

		old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
		v = ExecEvalExpr(es, econtext, &isnull);
		MemoryContextSwitchTo(old);

		st->bound[i] = MemoryContextAllocZero(st->bind_cxt, sizeof(BoundValue));
		st->nbound[i] = 1;
		if (kind == CQLFDW_BIND_VALUE || kind == CQLFDW_BIND_VALUE_DOWN ||
			kind == CQLFDW_BIND_VALUE_UP)
		{
			st->bound[i]->off = cql_buf_len(st->bind_buf);
			if (isnull ||
				!cqlfdw_encode_bound(st->bind_buf, v, st->param_types[i], t,
									 kind == CQLFDW_BIND_VALUE_DOWN ? -1 :
									 kind == CQLFDW_BIND_VALUE_UP ? 1 : 0))
				return false;	/* "key = NULL" or a value no key has */
			st->bound[i]->len = (int32_t) (cql_buf_len(st->bind_buf) - st->bound[i]->off);
		}
		else if (kind == CQLFDW_BIND_ARRAY)
		{
			Oid			elemtype = get_element_type(st->param_types[i]);
			int16		typlen;
			bool		typbyval;
			char		typalign;
			Datum	   *elems;
			bool	   *elemnulls;
			int			nelems;
			int			n = 0;

			if (isnull)
				return false;	/* k = ANY(NULL) */
			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
			deconstruct_array(DatumGetArrayTypeP(v), elemtype, typlen, typbyval, typalign,
							  &elems, &elemnulls, &nelems);
			MemoryContextSwitchTo(old);
			st->bound[i] = MemoryContextAlloc(st->bind_cxt, sizeof(BoundValue) * Max(nelems, 1));
			for (int k = 0; k < nelems; k++)
			{
				size_t		off = cql_buf_len(st->bind_buf);

				if (elemnulls[k] || !cqlfdw_encode_key(st->bind_buf, elems[k], elemtype, t))
					continue;	/* a value no key can equal */
				st->bound[i][n].off = off;
				st->bound[i][n].len = (int32_t) (cql_buf_len(st->bind_buf) - off);
				n++;
			}
			if (n == 0)
				return false;
			/* each distinct key once: k IN (1, 1) reads the partition once */
			sort_base = cql_buf_data(st->bind_buf);
			qsort(st->bound[i], n, sizeof(BoundValue), bound_value_cmp);
			st->nbound[i] = 1;
			for (int k = 1; k < n; k++)
				if (bound_value_cmp(&st->bound[i][k], &st->bound[i][st->nbound[i] - 1]) != 0)
					st->bound[i][st->nbound[i]++] = st->bound[i][k];
		}
		else if (kind == CQLFDW_BIND_KEY_MIN)
			encode_extreme(st->bind_buf, t, false, st->bound[i]);
		else if (kind == CQLFDW_BIND_SPLIT_LOW_EMPTY_FIRST ||
				 kind == CQLFDW_BIND_SPLIT_LOW_EMPTY_LAST ||
				 kind == CQLFDW_BIND_SPLIT_HIGH)
		{
			/* two reads: every value of the type, and the empty value */
			bool		empty_first = kind == CQLFDW_BIND_SPLIT_HIGH ?
				st->bind_kind[i - 1] == CQLFDW_BIND_SPLIT_LOW_EMPTY_FIRST :
				kind == CQLFDW_BIND_SPLIT_LOW_EMPTY_FIRST;
			BoundValue *b = MemoryContextAllocZero(st->bind_cxt, sizeof(BoundValue) * 2);

			encode_extreme(st->bind_buf, t, kind == CQLFDW_BIND_SPLIT_HIGH,
						   &b[empty_first ? 1 : 0]);
			b[empty_first ? 0 : 1].off = cql_buf_len(st->bind_buf);
			b[empty_first ? 0 : 1].len = 0;
			st->bound[i] = b;
			st->nbound[i] = 2;
		}
		else if (kind == CQLFDW_BIND_LIMIT)
		{
			/* the Limit node above reports a bad count; send none here */
			limit_expr = i;
			if (isnull || DatumGetInt64(v) < 0)
				limit_unset = true;
			else
				limit = DatumGetInt64(v);
		}
		else if (kind == CQLFDW_BIND_OFFSET)
		{
			/* the rows OFFSET skips are read too; OFFSET NULL is 0 */
			if (!isnull && !limit_unset &&
				(DatumGetInt64(v) < 0 || pg_add_s64_overflow(limit, DatumGetInt64(v), &limit)))
				limit_unset = true;
		}
		if (kind != CQLFDW_BIND_OFFSET)
			pos++;
		i++;
	}
	if (limit_expr >= 0)
	{
		BoundValue *b = st->bound[limit_expr];

		if (!limit_unset && limit == 0)
			return false;		/* LIMIT 0: nothing to read */
		if (limit_unset || limit > PG_INT32_MAX)
			b->len = CQL_UNSET; /* Cassandra reads an unset LIMIT as none */
		else
		{
			b->off = cql_buf_len(st->bind_buf);
			if (cql_encode_int(st->bind_buf, limit) != CQL_OK)
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
			b->len = (int32_t) (cql_buf_len(st->bind_buf) - b->off);
		}
	}
	if (cql_buf_failed(st->bind_buf))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	/* slices once the buffer stopped moving */
	set_bind_values(st);
	return true;
}

/*
 * Send the first page requests of the next combinations of IN values, up
 * to KEY_READS_AHEAD of them in flight.
 */
static void
send_reads_ahead(CqlScanState *st)
{
	cql_query_params params;

	memcpy(st->combo, st->issued_combo, sizeof(int) * st->nexprs);
	while (!st->keys_done && st->nahead < KEY_READS_AHEAD)
	{
		int			k = (st->ahead_first + st->nahead) % KEY_READS_AHEAD;

		/* (past the last combination, the odometer is back at the first) */
		if (!next_key_set(st))
		{
			st->keys_done = true;
			break;
		}

		memset(&params, 0, sizeof(params));
		params.idempotent = true;
		params.values = st->bind_values;
		params.nvalues = st->nbind;
		params.consistency = st->consistency;
		params.page_size = st->fetch_size;
		st->ahead[k] = cql_session_execute_prepared(st->session, st->prepared, &params);
		if (st->ahead[k] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		memcpy(st->ahead_combo[k], st->combo, sizeof(int) * st->nexprs);
		memcpy(st->issued_combo, st->combo, sizeof(int) * st->nexprs);
		st->nahead++;
		st->reads++;
	}
	/* bind_values back to the read being consumed */
	memcpy(st->combo, st->cur_combo, sizeof(int) * st->nexprs);
	set_bind_values(st);
}

/* Make the oldest read sent ahead the current one; false if there is none. */
static bool
take_read_ahead(CqlScanState *st)
{
	int			k = st->ahead_first;

	if (st->nahead == 0)
		return false;
	st->pending = st->ahead[k];
	st->ahead[k] = NULL;
	memcpy(st->cur_combo, st->ahead_combo[k], sizeof(int) * st->nexprs);
	memcpy(st->combo, st->cur_combo, sizeof(int) * st->nexprs);
	set_bind_values(st);
	st->ahead_first = (k + 1) % KEY_READS_AHEAD;
	st->nahead--;
	send_reads_ahead(st);
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

	if (st->page == NULL && st->nexprs > 0)
	{
		if (!bind_keys(st))
		{
			st->done = true;	/* no row can match: nothing to ask */
			return;
		}
		memcpy(st->cur_combo, st->combo, sizeof(int) * st->nexprs);
		memcpy(st->issued_combo, st->combo, sizeof(int) * st->nexprs);
		st->ahead_first = 0;
		st->nahead = 0;
		st->keys_done = false;
	}
	if (st->page == NULL || st->new_read)
		st->reads++;

	memset(&params, 0, sizeof(params));
	params.idempotent = true;	/* a read: any replica may serve it again */
	params.values = st->bind_values;
	params.nvalues = st->nbind;
	params.consistency = st->consistency;
	params.page_size = st->fetch_size;
	if (st->page && !st->new_read)
		params.paging_state = cql_result_paging_state(st->page);
	st->new_read = false;
	st->pending = cql_session_execute_prepared(st->session, st->prepared, &params);
	if (st->pending == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	/* the first read of IN lists: send the next ones too */
	if (st->page == NULL && st->nexprs > 0)
		send_reads_ahead(st);
}

static TupleTableSlot *
cqlIterateForeignScan(ForeignScanState *node)
{
	CqlScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	MemoryContextReset(st->temp_cxt);

	if (scan_by_ranges(st))
		return iterate_ranges(st, slot);

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
		else if (st->nexprs > 0 && take_read_ahead(st))
			;					/* the next combination of IN values, sent already */
		else
			st->done = true;
	}
}

static void
cqlReScanForeignScan(ForeignScanState *node)
{
	CqlScanState *st = node->fdw_state;

	scan_release(st);
	ranges_release(st);
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
	{
		ExplainPropertyText("CQL", st->cql, es);
		if (strVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private, PRIV_IN_COLUMNS))[0])
			ExplainPropertyText("CQL IN Lists",
								strVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private,
												PRIV_IN_COLUMNS)), es);
		if (strVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private, PRIV_SPLIT_NOTE))[0])
			ExplainPropertyText("CQL Empty Values",
								strVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private,
												PRIV_SPLIT_NOTE)), es);
		ExplainPropertyText("CQL Consistency", cql_consistency_name(st->consistency), es);
	}
	if (es->analyze)
	{
		if (st->range_cql)
			ExplainPropertyInteger("CQL Ranges", NULL, st->ranges_read, es);
		/* reads, when an IN list made more than one per scan */
		if (list_member_int(st->bind_kind_list, CQLFDW_BIND_ARRAY) ||
			list_member_int(st->bind_kind_list, CQLFDW_BIND_SPLIT_HIGH) ||
			es->format != EXPLAIN_FORMAT_TEXT)
			ExplainPropertyInteger("CQL Reads", NULL, st->reads, es);
		ExplainPropertyInteger("CQL Pages", NULL, st->pages, es);
		if (es->verbose)
			ExplainPropertyInteger("CQL Rows", NULL, st->rows, es);
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
	for (; st->nahead > 0; st->nahead--)
	{
		int			k = st->ahead_first;

		cql_future_release(st->ahead[k]);
		st->ahead[k] = NULL;
		st->ahead_first = (k + 1) % KEY_READS_AHEAD;
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
	ranges_release(st);
	if (st->async_fd >= 0)
	{
		close(st->async_fd);
		ReleaseExternalFD();
		st->async_fd = -1;
	}
	if (st->timer_fd >= 0)
	{
		close(st->timer_fd);
		ReleaseExternalFD();
		st->timer_fd = -1;
	}
	if (st->range_prepared)
	{
		cql_prepared_release(st->range_prepared);
		st->range_prepared = NULL;
	}
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

/* ---------- full scans by token range, parallel, async ---------- */

/*
 * A full scan (no partition key fixed) reads the ring range by range
 * (ranges.c), several ranges at once.  Parallel workers share the list of
 * ranges through DSM: each participant claims the next one from an atomic
 * counter, and adds what it read to the counters there, which the leader
 * shows in EXPLAIN ANALYZE.  A statement that cannot take a token
 * condition is read whole, by whichever participant claims it first.
 */
typedef struct CqlSharedScan
{
	pg_atomic_uint32 next_range;	/* the next range to claim */
	bool		ranged;
	int			nranges;
	int			token_param;
	slock_t		mutex;			/* for the counters */
	int64		pages;
	int64		rows;
	int64		retries;
	int64		ranges_read;
	char		hosts[1024];	/* ", "-separated, as far as they fit */
	Size		cql_offset;		/* of the range statement's text */
	CqlTokenRange ranges[FLEXIBLE_ARRAY_MEMBER];
} CqlSharedScan;

/* rows read between two looks at the ranges in flight */
#define ROWS_PER_POLL	256

static int
cmp_host(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* a prepared statement from the session's cache, waited for */
static cql_prepared *
prepare_cql(CqlScanState *st, const char *cql)
{
	cql_future *f = cql_session_prepare_cached(st->session, cql);
	cql_prepared *p = NULL;
	cql_result *res;

	if (f == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	cqlfdw_wait_owned(f);
	if (cql_future_rc(f) == CQL_OK)
		p = cql_future_take_prepared(f);
	PG_TRY();
	{
		res = cqlfdw_finish(f, cql, st->server_name);
	}
	PG_CATCH();
	{
		if (p)
			cql_prepared_release(p);
		PG_RE_THROW();
	}
	PG_END_TRY();
	cql_result_free(res);
	return p;
}

/*
 * Decide, once, whether this scan reads token ranges: the statement fixes
 * no partition key column and reads no IN list.  Then the range statement
 * and the ranges are made (in the leader of a parallel scan: before the
 * workers start, which take them from DSM).
 */
static bool
scan_check_ranges(CqlScanState *st)
{
	ForeignTable *table;
	ForeignServer *server;
	CqlServerOptions sopts;
	CqlTableOptions topts;
	const CqlTableMeta *meta;
	MemoryContext old;

	if (st->range_checked)
		return st->range_cql != NULL;
	st->range_checked = true;
	if (st->session == NULL || !cqlfdw_token_range_scans)
		return false;			/* EXPLAIN without ANALYZE, or turned off */
	for (int i = 0; i < st->nexprs; i++)
		if (st->bind_kind[i] == CQLFDW_BIND_ARRAY)
			return false;		/* one read per IN value */

	table = GetForeignTable(RelationGetRelid(st->rel));
	server = GetForeignServer(table->serverid);
	cqlfdw_server_options(server, NULL, &sopts);
	cqlfdw_table_options(RelationGetRelid(st->rel), &sopts, &topts);
	meta = cqlfdw_table_meta(st->user, st->session, topts.keyspace, topts.table,
							 st->server_name);
	old = MemoryContextSwitchTo(st->scan_cxt);
	st->keyspace = pstrdup(topts.keyspace);
	st->range_cql = cqlfdw_range_statement(st->cql, meta, &st->token_param);
	if (st->range_cql)
		st->ranges = cqlfdw_token_ranges(st->session, st->keyspace,
										 st->rel->rd_rel->reltuples, st->fetch_size,
										 &st->nranges);
	MemoryContextSwitchTo(old);
	return st->range_cql != NULL;
}

/*
 * Whether this scan is one iterate_ranges() serves: a range scan, or a
 * parallel participant that lost the claim on a whole-statement read.
 */
static bool
scan_by_ranges(CqlScanState *st)
{
	if (st->shared && !st->shared->ranged)
	{
		/* one participant reads the whole statement, the others nothing */
		if (!st->won_claim && !st->lost_claim)
		{
			if (pg_atomic_fetch_add_u32(&st->shared->next_range, 1) > 0)
				st->lost_claim = true;
			else
				st->won_claim = true;
		}
		return st->lost_claim;
	}
	return scan_check_ranges(st);
}

/* Add what was read since the last time to the shared counters. */
static void
flush_counters(CqlScanState *st)
{
	CqlSharedScan *sh = st->shared;
	ListCell   *lc;

	if (sh == NULL)
		return;
	SpinLockAcquire(&sh->mutex);
	sh->pages += st->pages - st->flushed_pages;
	sh->rows += st->rows - st->flushed_rows;
	sh->retries += st->retries - st->flushed_retries;
	sh->ranges_read += st->ranges_read - st->flushed_ranges;
	foreach(lc, st->hosts)
	{
		const char *h = lfirst(lc);
		size_t		len = strlen(sh->hosts);
		char	   *at = strstr(sh->hosts, h);

		/* a host once, whole: "a:1" is not in "a:10" */
		while (at && ((at != sh->hosts && at[-1] != ' ') ||
					  (at[strlen(h)] != '\0' && at[strlen(h)] != ',')))
			at = strstr(at + 1, h);
		if (at == NULL && len + strlen(h) + 3 < sizeof(sh->hosts))
			snprintf(sh->hosts + len, sizeof(sh->hosts) - len, "%s%s",
					 len ? ", " : "", h);
	}
	SpinLockRelease(&sh->mutex);
	st->flushed_pages = st->pages;
	st->flushed_rows = st->rows;
	st->flushed_retries = st->retries;
	st->flushed_ranges = st->ranges_read;
}

/* The counters of the range reads, as EXPLAIN ANALYZE shows them. */
static void
sync_counters(CqlScanState *st)
{
	st->pages = st->counters.pages;
	st->retries = st->counters.retries;
	st->ranges_read = st->counters.ranges;
	if (list_length(st->counters.hosts) != list_length(st->hosts))
	{
		MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);

		st->hosts = list_copy(st->counters.hosts);
		list_sort(st->hosts, cmp_host);
		MemoryContextSwitchTo(old);
	}
}

/* Start reading the ranges: false when no row can match. */
static bool
ranges_start(CqlScanState *st)
{
	MemoryContext old;

	if (st->nexprs > 0)
	{
		if (st->prepared == NULL)
			st->prepared = prepare_cql(st, st->cql);
		if (!bind_keys(st))
			return false;
	}
	if (st->range_prepared == NULL)
		st->range_prepared = prepare_cql(st, st->range_cql);
	if (cql_result_bind_count(cql_prepared_result(st->range_prepared)) != st->nbind + 2)
		elog(ERROR, "range statement has %d bind variables, expected %d",
			 cql_result_bind_count(cql_prepared_result(st->range_prepared)), st->nbind + 2);
	/* the counters go on across rescans: start from what was counted */
	st->counters.pages = st->pages;
	st->counters.retries = st->retries;
	st->counters.ranges = st->ranges_read;
	old = MemoryContextSwitchTo(st->scan_cxt);
	st->reader = cqlfdw_reader_begin(st->session, st->range_prepared, st->range_cql,
									 st->server_name, st->keyspace,
									 st->ranges, st->nranges,
									 st->shared ? &st->shared->next_range : NULL,
									 st->token_param, st->bind_values, st->nbind,
									 st->consistency, st->fetch_size, &st->counters);
	MemoryContextSwitchTo(old);
	return true;
}

/* Would the next row need a wait?  (Async execution asks before it reads.) */
static bool
scan_needs_wait(CqlScanState *st)
{
	(void) scan_by_ranges(st);	/* decides which reads this scan makes */
	if (st->page && st->cursor.remaining > 0)
		return false;
	if (st->done || st->lost_claim)
		return false;
	if (st->range_cql)
	{
		if (st->reader == NULL)
			return false;		/* starting: sends, does not wait */
		cql_reactor_run(cqlfdw_reactor());
		return !cqlfdw_reader_has_page(st->reader);
	}
	/* one statement: its next page must have arrived */
	if (st->pending == NULL)
	{
		if (st->started)
			return false;
		st->started = true;
		request_page(st);
		if (st->pending == NULL)
			return false;		/* no row can match */
	}
	cql_reactor_run(cqlfdw_reactor());
	return !cql_future_done(st->pending);
}

static TupleTableSlot *
iterate_ranges(CqlScanState *st, TupleTableSlot *slot)
{
	if (st->lost_claim)
		return slot;
	for (;;)
	{
		if (st->page && cql_row_next(&st->cursor, st->cells))
		{
			MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);

			memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
			cqlfdw_conv_row(st->conv, st->cells, slot->tts_values, slot->tts_isnull);
			MemoryContextSwitchTo(old);
			ExecStoreVirtualTuple(slot);
			st->rows++;
			/* keep the other ranges' pages coming while this one is read */
			if (++st->rows_unpolled >= ROWS_PER_POLL && st->reader)
			{
				st->rows_unpolled = 0;
				cql_reactor_run(cqlfdw_reactor());
				cqlfdw_reader_poll(st->reader);
			}
			return slot;
		}
		if (st->page)
		{
			cql_result_free(st->page);
			st->page = NULL;
		}
		if (st->done)
			return slot;
		if (st->reader == NULL)
		{
			st->started = true;
			if (!ranges_start(st))
			{
				st->done = true;
				return slot;
			}
		}
		if (st->async && scan_needs_wait(st))
		{
			st->async_waiting = true;
			return slot;		/* the caller waits, see ForeignAsyncNotify */
		}
		st->page = cqlfdw_reader_next(st->reader);
		sync_counters(st);
		flush_counters(st);
		if (st->page == NULL)
		{
			st->done = true;
			return slot;
		}
		if (st->conv == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);

			st->conv = cqlfdw_conv_init(st->rel, st->retrieved_attrs, st->page);
			MemoryContextSwitchTo(old);
		}
		cql_result_rows(st->page, &st->cursor);
	}
}

/* Abandon the range reads in flight: never waits. */
static void
ranges_release(CqlScanState *st)
{
	if (st->reader)
	{
		cqlfdw_reader_release(st->reader);
		st->reader = NULL;
	}
	st->lost_claim = false;
	st->won_claim = false;
}

/* ---------- parallel scans ---------- */

/*
 * A scan of an async_capable table is not parallel-safe: PostgreSQL runs
 * an Append asynchronously only when it is not parallel-safe, and the two
 * are alternatives for the same job (several reads at once).
 */
static bool
cqlIsForeignScanParallelSafe(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte)
{
	ForeignTable *table = GetForeignTable(rte->relid);
	CqlServerOptions sopts;
	CqlTableOptions topts;

	cqlfdw_server_options(GetForeignServer(table->serverid), NULL, &sopts);
	cqlfdw_table_options(rte->relid, &sopts, &topts);
	return !topts.async_capable;
}

/*
 * The partial path of a full scan: workers (and the leader) each read a
 * share of the token ranges.  As many workers as a heap of the estimated
 * size would get.  Only for a table ANALYZE has counted: each worker opens
 * connections of its own, which a guess of the table's size does not
 * justify.
 */
static void
add_partial_scan_path(PlannerInfo *root, RelOptInfo *baserel, Cost startup, Cost total)
{
	double		pages = ceil(baserel->tuples * Max(baserel->reltarget->width, 1) / BLCKSZ);
	int			workers;
	double		divisor;
	ForeignPath *path;
	Relation	rel;
	bool		counted;

	rel = table_open(planner_rt_fetch(baserel->relid, root)->relid, NoLock);
	counted = rel->rd_rel->reltuples > 0;
	table_close(rel, NoLock);
	if (!counted)
		return;
	workers = compute_parallel_worker(baserel, pages, -1, max_parallel_workers_per_gather);
	if (workers <= 0)
		return;
	divisor = workers;
	if (parallel_leader_participation && 1.0 - 0.3 * workers > 0)
		divisor += 1.0 - 0.3 * workers;
	path = create_foreignscan_path(root, baserel, NULL,
								   clamp_row_est(baserel->rows / divisor),
								   startup, startup + (total - startup) / divisor,
								   NIL, NULL, NULL, list_make1(makeBoolean(false)));
	path->path.parallel_aware = true;
	path->path.parallel_workers = workers;
	add_partial_path(baserel, (Path *) path);
}

static Size
cqlEstimateDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt)
{
	CqlScanState *st = node->fdw_state;
	Size		size = offsetof(CqlSharedScan, ranges);

	if (scan_check_ranges(st))
	{
		size = add_size(size, mul_size(st->nranges, sizeof(CqlTokenRange)));
		size = add_size(size, strlen(st->range_cql) + 1);
	}
	return size;
}

static void
cqlInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt,
							void *coordinate)
{
	CqlScanState *st = node->fdw_state;
	CqlSharedScan *sh = coordinate;

	memset(sh, 0, offsetof(CqlSharedScan, ranges));
	pg_atomic_init_u32(&sh->next_range, 0);
	SpinLockInit(&sh->mutex);
	sh->ranged = scan_check_ranges(st);
	if (sh->ranged)
	{
		sh->nranges = st->nranges;
		sh->token_param = st->token_param;
		memcpy(sh->ranges, st->ranges, sizeof(CqlTokenRange) * st->nranges);
		sh->cql_offset = offsetof(CqlSharedScan, ranges) + sizeof(CqlTokenRange) * st->nranges;
		strcpy((char *) sh + sh->cql_offset, st->range_cql);
	}
	st->shared = sh;
	/* what the leader counted before (a rescan) is its own */
	st->flushed_pages = st->pages;
	st->flushed_rows = st->rows;
	st->flushed_retries = st->retries;
	st->flushed_ranges = st->ranges_read;
}

static void
cqlReInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt,
							  void *coordinate)
{
	CqlSharedScan *sh = coordinate;

	pg_atomic_write_u32(&sh->next_range, 0);
}

static void
cqlInitializeWorkerForeignScan(ForeignScanState *node, shm_toc *toc, void *coordinate)
{
	CqlScanState *st = node->fdw_state;
	CqlSharedScan *sh = coordinate;

	st->shared = sh;
	st->range_checked = true;
	if (sh->ranged)
	{
		st->range_cql = MemoryContextStrdup(st->scan_cxt, (char *) sh + sh->cql_offset);
		st->token_param = sh->token_param;
		st->ranges = sh->ranges;
		st->nranges = sh->nranges;
		{
			ForeignTable *table = GetForeignTable(RelationGetRelid(st->rel));
			CqlServerOptions sopts;
			CqlTableOptions topts;

			cqlfdw_server_options(GetForeignServer(table->serverid), NULL, &sopts);
			cqlfdw_table_options(RelationGetRelid(st->rel), &sopts, &topts);
			st->keyspace = MemoryContextStrdup(st->scan_cxt, topts.keyspace);
		}
	}
}

/*
 * Before the DSM goes: a worker adds what it read; the leader takes the
 * totals of every participant for EXPLAIN ANALYZE.
 */
static void
cqlShutdownForeignScan(ForeignScanState *node)
{
	CqlScanState *st = node->fdw_state;
	CqlSharedScan *sh;

	if (st == NULL || st->shared == NULL)
		return;
	sh = st->shared;
	if (st->reader)
		sync_counters(st);
	flush_counters(st);
	if (!IsParallelWorker())
	{
		MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);
		char	   *hosts;
		char	   *tok;
		char	   *save;

		SpinLockAcquire(&sh->mutex);
		st->pages = sh->pages;
		st->rows = sh->rows;
		st->retries = sh->retries;
		st->ranges_read = sh->ranges_read;
		hosts = pstrdup(sh->hosts);
		SpinLockRelease(&sh->mutex);
		st->hosts = NIL;
		for (tok = strtok_r(hosts, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			st->hosts = lappend(st->hosts, tok);
		list_sort(st->hosts, cmp_host);
		MemoryContextSwitchTo(old);
	}
	if (st->ranges == sh->ranges)
		st->ranges = NULL;		/* a worker's, in the DSM */
	st->shared = NULL;
}

/* ---------- asynchronous execution ---------- */

static bool
cqlIsForeignPathAsyncCapable(ForeignPath *path)
{
	CqlRelInfo *info = path->path.parent->fdw_private;

	if (!IS_SIMPLE_REL(path->path.parent) || info == NULL)
		return false;
	return info->topts.async_capable;
}

/*
 * Produce the next tuple of the scan if it needs no wait; else mark the
 * request pending (ForeignAsyncConfigureWait then waits for it).
 */
static void
async_produce(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	CqlScanState *st = node->fdw_state;
	TupleTableSlot *result;

	st->async = true;
	if (scan_needs_wait(st))
	{
		ExecAsyncRequestPending(areq);
		return;
	}
	/* quals and projection too; a qual may reject every buffered row */
	st->async_waiting = false;
	result = ExecProcNode((PlanState *) node);
	if (TupIsNull(result) && st->async_waiting)
		ExecAsyncRequestPending(areq);
	else
		ExecAsyncRequestDone(areq, result);
}

static void
cqlForeignAsyncRequest(AsyncRequest *areq)
{
	async_produce(areq);
}

/*
 * The one descriptor an async scan waits on: an epoll set of its own
 * holding the reactor's descriptor and a timerfd.  The executor refuses a
 * descriptor twice in one wait set, so scans cannot share the reactor's;
 * with one each, every scan whose pages arrive is called back.  The
 * executor's wait has no timeout of ours, so the timerfd, armed for the
 * driver's next timer (request deadlines, speculative executions,
 * reconnections), wakes the scan up for those.
 */
static void
async_descriptors(CqlScanState *st)
{
	struct epoll_event ev;

	if (st->async_fd >= 0)
		return;
	if (!AcquireExternalFD())
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("could not wait for Cassandra asynchronously: too many open files")));
	st->async_fd = epoll_create1(EPOLL_CLOEXEC);
	if (st->async_fd < 0)
	{
		ReleaseExternalFD();
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create an epoll set: %m")));
	}
	if (!AcquireExternalFD())
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("could not wait for Cassandra asynchronously: too many open files")));
	st->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (st->timer_fd < 0)
	{
		ReleaseExternalFD();
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create a timer: %m")));
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (epoll_ctl(st->async_fd, EPOLL_CTL_ADD, cql_reactor_fd(cqlfdw_reactor()), &ev) != 0 ||
		epoll_ctl(st->async_fd, EPOLL_CTL_ADD, st->timer_fd, &ev) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not add to an epoll set: %m")));
}

static void
cqlForeignAsyncConfigureWait(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	CqlScanState *st = node->fdw_state;
	AppendState *requestor = (AppendState *) areq->requestor;
	struct itimerspec its;
	uint64		expirations;
	int			timeout;

	/* another scan's turn of the loop may have brought our pages */
	if (!scan_needs_wait(st))
	{
		areq->callback_pending = false;
		async_produce(areq);
		ExecAsyncResponse(areq);
		if (!areq->callback_pending)
			return;
	}
	async_descriptors(st);

	/* the driver's next timer: forget an expiry already seen, arm or disarm */
	while (read(st->timer_fd, &expirations, sizeof(expirations)) > 0)
		;
	timeout = cql_reactor_timeout(cqlfdw_reactor());
	memset(&its, 0, sizeof(its));
	if (timeout >= 0)
	{
		its.it_value.tv_sec = timeout / 1000;
		its.it_value.tv_nsec = (long) (timeout % 1000) * 1000000L;
		if (timeout == 0)
			its.it_value.tv_nsec = 1;	/* 0 would disarm it */
	}
	if (timerfd_settime(st->timer_fd, 0, &its, NULL) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not arm a timer: %m")));
	AddWaitEventToSet(requestor->as_eventset, WL_SOCKET_READABLE, st->async_fd,
					  NULL, areq);
}

static void
cqlForeignAsyncNotify(AsyncRequest *areq)
{
	cql_reactor_run(cqlfdw_reactor());
	async_produce(areq);
}

static void
scan_routines_parallel_async(FdwRoutine *routine)
{
	routine->IsForeignScanParallelSafe = cqlIsForeignScanParallelSafe;
	routine->EstimateDSMForeignScan = cqlEstimateDSMForeignScan;
	routine->InitializeDSMForeignScan = cqlInitializeDSMForeignScan;
	routine->ReInitializeDSMForeignScan = cqlReInitializeDSMForeignScan;
	routine->InitializeWorkerForeignScan = cqlInitializeWorkerForeignScan;
	routine->ShutdownForeignScan = cqlShutdownForeignScan;
	routine->IsForeignPathAsyncCapable = cqlIsForeignPathAsyncCapable;
	routine->ForeignAsyncRequest = cqlForeignAsyncRequest;
	routine->ForeignAsyncConfigureWait = cqlForeignAsyncConfigureWait;
	routine->ForeignAsyncNotify = cqlForeignAsyncNotify;
	routine->AnalyzeForeignTable = cqlfdw_analyze_table;
}
