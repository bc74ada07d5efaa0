/*-------------------------------------------------------------------------
 *
 * direct.c
 *		  UPDATE and DELETE sent to Cassandra without reading the rows first.
 *
 * With the option direct_modify, an UPDATE or DELETE whose WHERE clause
 * Cassandra can serve whole is sent as one statement, without reading the
 * rows first: an UPDATE naming every primary key column by equality (or
 * IN), a DELETE of partitions, of rows, or of a clustering range.  What
 * that gives up: a CQL UPDATE creates the rows it names when they do not
 * exist, and Cassandra does not say how many rows a statement changed, so
 * the command reports 0 rows.  Anything else (a condition Cassandra cannot
 * serve, RETURNING, row triggers, a SET that reads the row other than a
 * counter increment) takes the default road of modify.c: read, then write
 * by key.
 *
 * IDENTIFICATION
 *		  src/fdw/direct.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "common/int.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "cql_fdw.h"

static bool cqlPlanDirectModify(PlannerInfo *root, ModifyTable *plan,
								Index resultRelation, int subplan_index);
static void cqlBeginDirectModify(ForeignScanState *node, int eflags);
static TupleTableSlot *cqlIterateDirectModify(ForeignScanState *node);
static void cqlEndDirectModify(ForeignScanState *node);
static void cqlExplainDirectModify(ForeignScanState *node, ExplainState *es);

void
cqlfdw_direct_routines(FdwRoutine *routine)
{
	routine->PlanDirectModify = cqlPlanDirectModify;
	routine->BeginDirectModify = cqlBeginDirectModify;
	routine->IterateDirectModify = cqlIterateDirectModify;
	routine->EndDirectModify = cqlEndDirectModify;
	routine->ExplainDirectModify = cqlExplainDirectModify;
}

static bool
is_key_column(const CqlColumnMeta *c)
{
	return c->kind == CQL_COLUMN_PARTITION_KEY || c->kind == CQL_COLUMN_CLUSTERING;
}

/* indexes into the fdw_private of a directly modifying ForeignScan */
enum CqlDirectPrivate
{
	DPRIV_CQL,
	DPRIV_NSET,					/* the first nset fdw_exprs are SET values */
	DPRIV_SIGNS,				/* per SET value: 0 a value, 1 / -1 a counter increment */
	DPRIV_KINDS					/* per WHERE value: its CqlCondKind */
};

typedef struct CqlDirectState
{
	ForeignScanState *node;
	const char *relname;
	char	   *cql;
	char	   *server_name;
	Oid			umid;
	bool		pinned;
	cql_session *session;
	cql_prepared *prepared;
	int			consistency;
	bool		counters;
	int			nset;
	int			nparams;
	List	   *exprstates;
	Oid		   *types;
	int		   *signs;
	int		   *kinds;
	cql_buf    *buf;
	cql_slice  *values;
	bool		done;
	bool		sent;
	MemoryContextCallback cleanup;
} CqlDirectState;

static Expr *
strip_casts(Expr *e)
{
	for (;;)
	{
		if (e && IsA(e, RelabelType))
			e = ((RelabelType *) e)->arg;
		else if (e && IsA(e, FuncExpr) &&
				 ((FuncExpr *) e)->funcformat == COERCE_IMPLICIT_CAST &&
				 list_length(((FuncExpr *) e)->args) == 1)
			e = linitial(((FuncExpr *) e)->args);
		else
			return e;
	}
}

static bool
is_column(Expr *e, Index varno, AttrNumber attnum)
{
	e = strip_casts(e);
	return e && IsA(e, Var) && (Index) ((Var *) e)->varno == varno &&
		((Var *) e)->varattno == attnum && ((Var *) e)->varlevelsup == 0;
}

/* a value the statement can bind once: no column, nothing volatile */
static bool
bindable_once(Expr *e)
{
	return !contain_var_clause((Node *) e) && !contain_volatile_functions((Node *) e);
}

static const char *
cond_operator(CqlCondKind kind)
{
	switch (kind)
	{
		case CQL_COND_EQ:
			return " = ?";
		case CQL_COND_IN:
			return " IN ?";
		case CQL_COND_LT:
			return " < ?";
		case CQL_COND_LE:
			return " <= ?";
		case CQL_COND_GE:
			return " >= ?";
		default:
			return " > ?";
	}
}

static bool
cqlPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	CmdType		op = plan->operation;
	Plan	   *subplan = outerPlan(plan);
	ForeignScan *fscan;
	RangeTblEntry *rte;
	Relation	rel;
	CqlTableContext tc;
	CqlKeyMap  *map;
	RelOptInfo *baserel;
	const CqlTableMeta *meta;
	int			nkey;
	List	  **conds;
	ListCell   *lc;
	StringInfoData buf;
	List	   *exprs = NIL;
	List	   *signs = NIL;
	List	   *kinds = NIL;
	int			nset = 0;
	bool		ok = true;
	bool		counters;

	if (op != CMD_UPDATE && op != CMD_DELETE)
		return false;
	if (subplan == NULL || !IsA(subplan, ForeignScan))
		return false;
	fscan = (ForeignScan *) subplan;
	if (fscan->scan.scanrelid != resultRelation || fscan->scan.plan.qual != NIL ||
		outerPlan(fscan) != NULL)
		return false;
	if (plan->returningLists != NIL && list_nth(plan->returningLists, subplan_index) != NIL)
		return false;

	rte = planner_rt_fetch(resultRelation, root);
	rel = table_open(rte->relid, NoLock);
	if (rel->trigdesc &&
		(rel->trigdesc->trig_update_before_row || rel->trigdesc->trig_update_after_row ||
		 rel->trigdesc->trig_delete_before_row || rel->trigdesc->trig_delete_after_row))
	{
		table_close(rel, NoLock);
		return false;
	}
	cqlfdw_table_context(rel, rte->checkAsUser, &tc);
	if (!tc.topts.direct_modify || !tc.topts.updatable)
	{
		table_close(rel, NoLock);
		return false;
	}
	meta = tc.meta;
	counters = cqlfdw_table_has_counters(meta);
	map = cqlfdw_key_map(rel, meta);
	baserel = find_base_rel(root, resultRelation);

	/* every condition must be one Cassandra serves, on a key column */
	nkey = meta->npk + meta->nck;
	conds = palloc0(sizeof(List *) * Max(nkey, 1));
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		CqlCond    *c = palloc(sizeof(CqlCond));
		int			k;

		if (!cqlfdw_classify_cond(baserel, map, ri, false, c) || !bindable_once(c->value))
		{
			ok = false;
			break;
		}
		for (k = 0; k < nkey; k++)
			if ((k < meta->npk ? meta->pk[k] : meta->ck[k - meta->npk]) == c->col)
				break;
		if (k == nkey)
		{
			ok = false;
			break;
		}
		conds[k] = lappend(conds[k], c);
	}

	/*
	 * The shape CQL accepts: the whole partition key by equality, then
	 * clustering columns by equality (all of them for an UPDATE), then for
	 * a DELETE at most one column with a range.
	 */
	for (int k = 0, after_range = 0; ok && k < nkey; k++)
	{
		bool		partition = k < meta->npk;
		int			n = list_length(conds[k]);
		CqlCond    *first = n > 0 ? linitial(conds[k]) : NULL;
		bool		equality = n == 1 && (first->kind == CQL_COND_EQ || first->kind == CQL_COND_IN);

		if (after_range && n > 0)
			ok = false;
		else if (partition || op == CMD_UPDATE)
			ok = equality;
		else if (n == 0)
			after_range = 1;
		else if (!equality)
		{
			/* a range: one or two bounds */
			ListCell   *lc3;

			foreach(lc3, conds[k])
			{
				CqlCond    *c = lfirst(lc3);

				if (c->kind == CQL_COND_EQ || c->kind == CQL_COND_IN)
					ok = false;
			}
			if (n > 2)
				ok = false;
			after_range = 1;
		}
	}

	initStringInfo(&buf);
	if (ok && op == CMD_UPDATE)
	{
		List	   *processed_tlist = NIL;
		List	   *target_attrs = NIL;
		ListCell   *lc2;

		if (tc.topts.ttl > 0 && counters)
			ok = false;			/* the default road reports it */
		appendStringInfoString(&buf, "UPDATE ");
		cqlfdw_append_table(&buf, &tc.topts);
		if (tc.topts.ttl > 0)
			appendStringInfo(&buf, " USING TTL %d", tc.topts.ttl);
		get_translated_update_targetlist(root, resultRelation, &processed_tlist,
										 &target_attrs);
		forboth(lc, processed_tlist, lc2, target_attrs)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);
			AttrNumber	attnum = lfirst_int(lc2);
			int			col = attnum > 0 ? map->meta_index[attnum - 1] : -1;
			const CqlColumnMeta *c;

			if (!ok)
				break;
			if (col < 0)
			{
				ok = false;
				break;
			}
			c = &meta->columns[col];
			if (is_key_column(c))
			{
				ok = false;		/* the default road checks the key is unchanged */
				break;
			}
			appendStringInfoString(&buf, nset == 0 ? " SET " : ", ");
			cqlfdw_append_identifier(&buf, c->name);
			if (strcmp(c->type, "counter") == 0)
			{
				/* c = c + n, c = c - n: an increment, the only counter write */
				Expr	   *e = strip_casts(tle->expr);
				OpExpr	   *opx = IsA(e, OpExpr) ? (OpExpr *) e : NULL;
				char	   *opname = opx ? get_opname(opx->opno) : NULL;

				if (opx == NULL || list_length(opx->args) != 2 || opname == NULL ||
					(strcmp(opname, "+") != 0 && strcmp(opname, "-") != 0) ||
					!is_column(linitial(opx->args), resultRelation, attnum) ||
					!bindable_once(lsecond(opx->args)))
				{
					ok = false;
					break;
				}
				appendStringInfoString(&buf, " = ");
				cqlfdw_append_identifier(&buf, c->name);
				appendStringInfoString(&buf, " + ?");
				exprs = lappend(exprs, lsecond(opx->args));
				signs = lappend_int(signs, strcmp(opname, "-") == 0 ? -1 : 1);
			}
			else
			{
				if (!bindable_once(tle->expr))
				{
					ok = false;
					break;
				}
				appendStringInfoString(&buf, " = ?");
				exprs = lappend(exprs, tle->expr);
				signs = lappend_int(signs, 0);
			}
			nset++;
		}
		if (nset == 0)
			ok = false;
	}
	else if (ok)
	{
		appendStringInfoString(&buf, "DELETE FROM ");
		cqlfdw_append_table(&buf, &tc.topts);
	}

	if (ok)
	{
		bool		first = true;

		for (int k = 0; k < nkey; k++)
		{
			int			col = k < meta->npk ? meta->pk[k] : meta->ck[k - meta->npk];

			ListCell   *lc3;

			foreach(lc3, conds[k])
			{
				CqlCond    *c = lfirst(lc3);

				appendStringInfoString(&buf, first ? " WHERE " : " AND ");
				cqlfdw_append_identifier(&buf, meta->columns[col].name);
				appendStringInfoString(&buf, cond_operator(c->kind));
				exprs = lappend(exprs, c->value);
				kinds = lappend_int(kinds, (int) c->kind);
				first = false;
			}
		}
	}
	table_close(rel, NoLock);
	if (!ok)
		return false;

	fscan->operation = op;
	fscan->resultRelation = resultRelation;
	fscan->fdw_exprs = exprs;
	fscan->fdw_private = list_make4(makeString(buf.data), makeInteger(nset), signs, kinds);
	fscan->scan.plan.async_capable = false;
	return true;
}

static void
direct_cleanup_callback(void *arg)
{
	CqlDirectState *ds = arg;

	if (ds->buf)
	{
		cql_buf_free(ds->buf);
		ds->buf = NULL;
	}
	if (ds->prepared)
	{
		cql_prepared_release(ds->prepared);
		ds->prepared = NULL;
	}
	if (ds->pinned)
	{
		cqlfdw_session_unpin(ds->umid);
		ds->pinned = false;
	}
}

static void
cqlBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	RangeTblEntry *rte = exec_rt_fetch(fsplan->resultRelation, estate);
	CqlDirectState *ds = palloc0(sizeof(CqlDirectState));
	CqlTableContext tc;
	ListCell   *lc;
	int			i = 0;

	node->fdw_state = ds;
	ds->node = node;
	ds->relname = pstrdup(RelationGetRelationName(rel));
	ds->cql = strVal(list_nth(fsplan->fdw_private, DPRIV_CQL));
	ds->nset = intVal(list_nth(fsplan->fdw_private, DPRIV_NSET));
	ds->nparams = list_length(fsplan->fdw_exprs);
	ds->signs = palloc0(sizeof(int) * Max(ds->nset, 1));
	ds->kinds = palloc0(sizeof(int) * Max(ds->nparams, 1));
	foreach(lc, (List *) list_nth(fsplan->fdw_private, DPRIV_SIGNS))
		ds->signs[i++] = lfirst_int(lc);
	i = ds->nset;
	foreach(lc, (List *) list_nth(fsplan->fdw_private, DPRIV_KINDS))
		ds->kinds[i++] = lfirst_int(lc);
	ds->types = palloc(sizeof(Oid) * Max(ds->nparams, 1));
	i = 0;
	foreach(lc, fsplan->fdw_exprs)
		ds->types[i++] = exprType((Node *) lfirst(lc));
	ds->exprstates = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
	ds->values = palloc0(sizeof(cql_slice) * Max(ds->nparams, 1));
	ds->cleanup.func = direct_cleanup_callback;
	ds->cleanup.arg = ds;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, &ds->cleanup);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	cqlfdw_table_context(rel, rte->checkAsUser, &tc);
	ds->server_name = pstrdup(tc.server->servername);
	ds->consistency = tc.topts.write_consistency;
	ds->counters = cqlfdw_table_has_counters(tc.meta);
	ds->session = tc.session;
	cqlfdw_session_pin(tc.user);
	ds->umid = tc.user->umid;
	ds->pinned = true;
	if ((ds->buf = cql_buf_new()) == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	{
		cql_future *f = cql_session_prepare_cached(ds->session, ds->cql);
		cql_result *res;

		if (f == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		if (cql_future_rc(f) == CQL_OK)
			ds->prepared = cql_future_take_prepared(f);
		res = cqlfdw_finish(f, ds->cql, ds->server_name);
		cql_result_free(res);
		if (ds->prepared == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_REPLY_HANDLE),
					 errmsg("Cassandra did not answer PREPARE with a prepared statement"),
					 errcontext("CQL: %s", ds->cql)));
	}
	if (cql_result_bind_count(cql_prepared_result(ds->prepared)) != ds->nparams)
		elog(ERROR, "prepared statement has %d bind variables, expected %d",
			 cql_result_bind_count(cql_prepared_result(ds->prepared)), ds->nparams);
}

/*
 * A key condition's value: false when no row can match it (a null, a
 * value no key of the type has, an IN list of nothing but those).
 */
/*
 * Does a value of PostgreSQL type pgtype have the representation
 * cqlfdw_encode_key expects for CQL type t?  The prepared statement's
 * metadata comes from the server; a value that does not agree goes through
 * cqlfdw_bind_value, which converts or refuses it.
 */
static bool
key_type_agrees(Oid pgtype, const cql_type *t)
{
	switch (t->id)
	{
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
		case CQL_TYPE_INT:
		case CQL_TYPE_BIGINT:
			return pgtype == INT2OID || pgtype == INT4OID || pgtype == INT8OID;
		case CQL_TYPE_VARCHAR:
		case CQL_TYPE_ASCII:
			return pgtype == TEXTOID || pgtype == VARCHAROID;
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			return pgtype == UUIDOID;
		case CQL_TYPE_BOOLEAN:
			return pgtype == BOOLOID;
		case CQL_TYPE_BLOB:
			return pgtype == BYTEAOID;
		case CQL_TYPE_DATE:
			return pgtype == DATEOID;
		default:
			return false;
	}
}

static bool
bind_key_condition(CqlDirectState *ds, int i, Datum value, const cql_type *t)
{
	if (ds->kinds[i] != CQL_COND_IN)
	{
		if (ds->kinds[i] == CQL_COND_EQ && key_type_agrees(ds->types[i], t))
			return cqlfdw_encode_key(ds->buf, value, ds->types[i], t);
		cqlfdw_bind_value(ds->buf, t, ds->types[i], -1, value);
		return true;
	}
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		Oid			elemtype = ARR_ELEMTYPE(arr);
		int16		typlen;
		bool		typbyval;
		char		typalign;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		cql_builder bld;

		if (t->id != CQL_TYPE_LIST || t->nsub != 1 || !key_type_agrees(elemtype, t->sub[0]))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("cannot bind %s values to an IN list of Cassandra type %s",
							format_type_be(elemtype), cqlfdw_bind_type_text(t)),
					 errcontext("CQL: %s", ds->cql)));
		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
		if (cql_builder_begin(&bld, ds->buf, t) != CQL_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		for (int e = 0; e < n; e++)
		{
			size_t		mark = cql_buf_len(ds->buf);

			if (nulls[e])
				continue;
			if (cql_builder_elem_begin(&bld) != CQL_OK)
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
			if (!cqlfdw_encode_key(ds->buf, elems[e], elemtype, t->sub[0]))
			{
				/* a value no key has: leave it out of the list */
				cql_buf_truncate(ds->buf, mark);
				bld.open = false;
				continue;
			}
			if (cql_builder_elem_end(&bld) != CQL_OK)
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		}
		if (cql_builder_end(&bld) != CQL_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		return bld.count > 0;
	}
}

static TupleTableSlot *
cqlIterateDirectModify(ForeignScanState *node)
{
	CqlDirectState *ds = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	const cql_result *meta;
	size_t	   *offsets;
	int32	   *special;
	ListCell   *lc;
	int			i = 0;
	bool		matches = true;
	cql_query_params params;
	cql_future *f;
	cql_result *res;
	MemoryContext old;

	ExecClearTuple(slot);
	if (ds->done)
		return slot;
	ds->done = true;

	meta = cql_prepared_result(ds->prepared);
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	offsets = palloc(sizeof(size_t) * (ds->nparams + 1));
	special = palloc0(sizeof(int32) * Max(ds->nparams, 1));
	cql_buf_reset(ds->buf);
	foreach(lc, ds->exprstates)
	{
		bool		isnull;
		Datum		v = ExecEvalExpr((ExprState *) lfirst(lc), econtext, &isnull);
		const cql_type *t = cql_result_bind(meta, i)->type;

		offsets[i] = cql_buf_len(ds->buf);
		if (i < ds->nset)
		{
			if (ds->signs[i] != 0)
			{
				int64		delta;

				if (isnull)
					ereport(ERROR,
							(errcode(ERRCODE_NOT_NULL_VIOLATION),
							 errmsg("counter increment of foreign table \"%s\" is null",
									ds->relname)));
				delta = cqlfdw_counter_value(ds->types[i], v);
				if (ds->signs[i] < 0 && pg_sub_s64_overflow(0, delta, &delta))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("counter increment is out of range for bigint")));
				if (cql_encode_bigint(ds->buf, delta) != CQL_OK)
					ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
			}
			else if (isnull)
				special[i] = CQL_NULL;
			else
				cqlfdw_bind_value(ds->buf, t, ds->types[i], -1, v);
		}
		else if (isnull || !bind_key_condition(ds, i, v, t))
			matches = false;	/* no row can match: nothing to send */
		i++;
		if (!matches)
			break;
	}
	MemoryContextSwitchTo(old);
	if (!matches)
		return slot;
	offsets[ds->nparams] = cql_buf_len(ds->buf);
	for (i = 0; i < ds->nparams; i++)
	{
		ds->values[i].data = special[i] ? NULL : cql_buf_data(ds->buf) + offsets[i];
		ds->values[i].len = special[i] ? special[i] : (int32_t) (offsets[i + 1] - offsets[i]);
	}

	memset(&params, 0, sizeof(params));
	params.consistency = ds->consistency;
	params.values = ds->values;
	params.nvalues = ds->nparams;
	if (!ds->counters)
	{
		params.has_timestamp = true;
		params.timestamp = cqlfdw_next_timestamp();
		params.idempotent = true;
	}
	f = cql_session_execute_prepared(ds->session, ds->prepared, &params);
	if (f == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cqlfdw_wait_owned(f);
	res = cqlfdw_finish(f, ds->cql, ds->server_name);
	cql_result_free(res);
	ds->sent = true;
	return slot;
}

static void
cqlEndDirectModify(ForeignScanState *node)
{
	CqlDirectState *ds = node->fdw_state;

	if (ds)
		direct_cleanup_callback(ds);
}

static void
cqlExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	CqlDirectState *ds = node->fdw_state;

	if (es->verbose)
		ExplainPropertyText("CQL", ds->cql, es);
	if (es->analyze)
		ExplainPropertyInteger("CQL Writes", NULL, ds->sent ? 1 : 0, es);
}
