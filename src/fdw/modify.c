/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  INSERT, UPDATE, DELETE and TRUNCATE of foreign tables.
 *
 * Every write is one prepared CQL statement, bound per row and routed to a
 * replica of the row's token (the session computes the routing key from
 * the statement's partition key columns).  Writes are pipelined: a row is
 * sent and the executor moves on; only when inflight_writes requests are
 * outstanding does a row wait for the oldest one.  PostgreSQL 15 calls
 * ExecForeignInsert once per row for COPY too, so the window lives here,
 * not in the batch callbacks (which feed the same window).  The window is
 * drained at the end of the statement, and the first failure is reported
 * with how many rows Cassandra had acknowledged: those stay written,
 * whatever the transaction does next.
 *
 * PostgreSQL's UPDATE and DELETE change only rows that exist and count
 * them, while a CQL UPDATE is an upsert.  So the rows are found by the scan
 * below the ModifyTable node (a routed read when the WHERE clause pins a
 * partition) and each is written by its whole primary key, which
 * AddForeignUpdateTargets asks the scan to return.  A primary key column
 * cannot change: Cassandra stores a row under its key, so the new key would
 * be a new row.
 *
 * Counter columns can only be incremented: an UPDATE sends "c = c + delta"
 * with delta the new value less the value read, so "SET c = c + 5" adds
 * exactly 5 whatever happened in between.  Counter tables refuse INSERT and
 * a ttl.
 *
 * With the option direct_modify, direct.c sends an UPDATE or DELETE that
 * Cassandra can take whole without reading first.
 *
 * Every write but conditional (IF NOT EXISTS) and counter ones carries a
 * client-side timestamp, strictly increasing within the backend, so the
 * statements of one session apply in the order they were issued even when
 * they reach different coordinators, and a retried write is the same write.
 *
 * IDENTIFICATION
 *		  src/fdw/modify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "cql_fdw.h"

/* pipelined writes: how many are sent between two turns of the loop */
#define COALESCE_ROWS 32

/* Cassandra refuses a key component longer than this */
#define MAX_KEY_BYTES		65535
/* a request larger than this is refused by the server's frame limit (16 MiB) */
#define MAX_ROW_BYTES		(16 * 1024 * 1024 - 64 * 1024)

/* the names of the junk columns the scan returns for UPDATE and DELETE */
#define KEY_JUNK_PREFIX		"cql_key_"
#define ROW_JUNK_NAME		"cql_row"

/* indexes into the fdw_private of ModifyTable */
enum CqlModifyPrivate
{
	MPRIV_TARGET_ATTRS,			/* INSERT: columns given; UPDATE: columns set */
	MPRIV_IF_NOT_EXISTS,		/* ON CONFLICT DO NOTHING */
	MPRIV_RETURNING				/* RETURNING: one row per round trip */
};

/* where a bind variable's value comes from */
typedef enum ParamSource
{
	PARAM_NEW,					/* the new row's column */
	PARAM_KEY,					/* the old key, from a junk column of the plan */
	PARAM_COUNTER_DELTA			/* new value less old value of a counter */
} ParamSource;

typedef struct WriteParam
{
	ParamSource source;
	AttrNumber	attnum;			/* column of the foreign table */
	AttrNumber	junk;			/* PARAM_KEY: junk attribute of the plan slot */
	const char *name;			/* the column's name, for messages */
	bool		key;			/* a partition or clustering column */
	bool		unset;			/* INSERT: the statement does not give it */
} WriteParam;

typedef struct CqlModifyState
{
	Relation	rel;
	const char *relname;
	CmdType		operation;
	char	   *cql;			/* NULL: an UPDATE that sets no column Cassandra stores */
	char	   *server_name;
	Oid			umid;
	bool		pinned;
	cql_session *session;
	cql_prepared *prepared;
	bool		explain_only;

	int			nparams;
	WriteParam *params;
	int			nchanged_keys;	/* UPDATE: key columns the statement sets */
	AttrNumber *changed_keys;
	AttrNumber *changed_key_junk;	/* the junk column of each */
	AttrNumber	wholerow_junk;	/* UPDATE of counters: the old row */
	AttrNumber	row_junk;		/* DELETE ... RETURNING: the old row */

	int			consistency;
	int			serial_consistency;
	bool		if_not_exists;
	bool		counters;
	bool		wait_each;		/* RETURNING or IF NOT EXISTS */

	/* the row being encoded */
	cql_buf    *buf;
	size_t	   *offsets;
	cql_slice  *values;
	int			current;		/* param being encoded, for errcontext */
	Datum	   *old_values;
	bool	   *old_nulls;

	/* the window of writes in flight: a ring, oldest at head */
	int			window;
	cql_future **ring;
	int			head;
	int			count;

	/* figures */
	int64		sent;
	int64		acked;
	int64		failures;
	int64		not_applied;
	int64		retries;		/* attempts past the first, of acknowledged writes */
	bool		failed;
	cql_error	error;			/* the first failure */

	/* the statement's totals, over every table it writes, for the error */
	EState	   *estate;
	struct CqlModifyState *next_active;
	bool		active;
	int64		stmt_sent;
	int64		stmt_acked;
	int64		stmt_failures;

	MemoryContext cxt;
	MemoryContext temp_cxt;		/* reset per row */
	MemoryContextCallback cleanup;
} CqlModifyState;

/*
 * The writes under way in this backend: a statement can write several
 * foreign tables (partitions a row is routed to), and a failure on one
 * reports what all of them had acknowledged.
 */
static CqlModifyState *active_states = NULL;

static void cqlAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
									   RangeTblEntry *target_rte,
									   Relation target_relation);
static List *cqlPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
								  Index resultRelation, int subplan_index);
static void cqlBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								  List *fdw_private, int subplan_index, int eflags);
static TupleTableSlot *cqlExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
static TupleTableSlot **cqlExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
												  TupleTableSlot **slots,
												  TupleTableSlot **planSlots,
												  int *numSlots);
static int	cqlGetForeignModifyBatchSize(ResultRelInfo *rinfo);
static TupleTableSlot *cqlExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
static TupleTableSlot *cqlExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
static void cqlEndForeignModify(EState *estate, ResultRelInfo *rinfo);
static void cqlBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
static void cqlEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
static int	cqlIsForeignRelUpdatable(Relation rel);
static void cqlExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									List *fdw_private, int subplan_index,
									ExplainState *es);
static void cqlExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs);

static CqlModifyState *begin_modify(EState *estate, ResultRelInfo *rinfo, CmdType op,
									Plan *subplan, Bitmapset *target_attrs,
									bool if_not_exists, bool returning, int eflags);
static void end_modify(CqlModifyState *st);
static TupleTableSlot *write_row(CqlModifyState *st, TupleTableSlot *slot,
								 TupleTableSlot *planSlot);
static void modify_cleanup_callback(void *arg);

/* the scan's ShutdownForeignScan, which knows only scan states */
static void (*scan_shutdown) (ForeignScanState *node) = NULL;

/*
 * The executor shuts down every ForeignScan node, a directly modifying one
 * too, whose fdw_state is a CqlDirectState: only scans go to the scan's
 * callback.
 */
static void
cqlShutdownForeignScanOrModify(ForeignScanState *node)
{
	if (((ForeignScan *) node->ss.ps.plan)->operation != CMD_SELECT)
		return;
	if (scan_shutdown)
		scan_shutdown(node);
}

/* Set the write callbacks; after cqlfdw_scan_routines. */
void
cqlfdw_modify_routines(FdwRoutine *routine)
{
	if (routine->ShutdownForeignScan &&
		routine->ShutdownForeignScan != cqlShutdownForeignScanOrModify)
	{
		scan_shutdown = routine->ShutdownForeignScan;
		routine->ShutdownForeignScan = cqlShutdownForeignScanOrModify;
	}
	routine->AddForeignUpdateTargets = cqlAddForeignUpdateTargets;
	routine->PlanForeignModify = cqlPlanForeignModify;
	routine->BeginForeignModify = cqlBeginForeignModify;
	routine->ExecForeignInsert = cqlExecForeignInsert;
	routine->ExecForeignBatchInsert = cqlExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = cqlGetForeignModifyBatchSize;
	routine->ExecForeignUpdate = cqlExecForeignUpdate;
	routine->ExecForeignDelete = cqlExecForeignDelete;
	routine->EndForeignModify = cqlEndForeignModify;
	routine->BeginForeignInsert = cqlBeginForeignInsert;
	routine->EndForeignInsert = cqlEndForeignInsert;
	routine->IsForeignRelUpdatable = cqlIsForeignRelUpdatable;
	routine->ExplainForeignModify = cqlExplainForeignModify;
	routine->ExecForeignTruncate = cqlExecForeignTruncate;
	cqlfdw_direct_routines(routine);
}

/* ---------- helpers ---------- */


void
cqlfdw_table_context(Relation rel, Oid userid, CqlTableContext *tc)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));

	tc->server = GetForeignServer(table->serverid);
	tc->user = GetUserMapping(OidIsValid(userid) ? userid : GetUserId(),
							  tc->server->serverid);
	cqlfdw_server_options(tc->server, tc->user, &tc->sopts);
	cqlfdw_table_options(RelationGetRelid(rel), &tc->sopts, &tc->topts);
	tc->session = cqlfdw_get_session(tc->user, &tc->sopts);
	tc->meta = cqlfdw_table_meta(tc->user, tc->session, tc->topts.keyspace,
								 tc->topts.table, tc->server->servername);
}

static bool
is_key_column(const CqlColumnMeta *c)
{
	return c->kind == CQL_COLUMN_PARTITION_KEY || c->kind == CQL_COLUMN_CLUSTERING;
}

bool
cqlfdw_table_has_counters(const CqlTableMeta *meta)
{
	for (int i = 0; i < meta->ncolumns; i++)
		if (strcmp(meta->columns[i].type, "counter") == 0)
			return true;
	return false;
}

/* Every key column must be a column of the foreign table. */
static void
check_key_columns(Relation rel, const CqlTableMeta *meta, const CqlKeyMap *map)
{
	for (int i = 0; i < meta->npk + meta->nck; i++)
	{
		int			col = i < meta->npk ? meta->pk[i] : meta->ck[i - meta->npk];

		if (map->attnum_of[col] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no column for primary key column \"%s\" of %s.%s",
							RelationGetRelationName(rel), meta->columns[col].name,
							meta->keyspace, meta->table),
					 errdetail("Cassandra writes rows by their whole primary key."),
					 errhint("Add the column to the foreign table.")));
	}
}

/*
 * The next client-side timestamp, in microseconds since 1970: the clock,
 * but always past the last one given, so the writes of a backend keep
 * their order.
 */
int64
cqlfdw_next_timestamp(void)
{
	static int64 last = 0;
	int64		now = GetCurrentTimestamp() +
		(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

	last = now > last ? now : last + 1;
	return last;
}

/* ---------- planning ---------- */

/*
 * UPDATE and DELETE write by primary key: ask the scan for the key columns
 * (and for DELETE ... RETURNING, the whole old row, which is what a
 * deleted row returns).
 */
static void
cqlAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
						   RangeTblEntry *target_rte, Relation target_relation)
{
	CqlTableContext tc;
	CqlKeyMap  *map;
	const CqlTableMeta *meta;

	cqlfdw_table_context(target_relation, target_rte->checkAsUser, &tc);
	meta = tc.meta;
	map = cqlfdw_key_map(target_relation, meta);
	check_key_columns(target_relation, meta, map);
	for (int i = 0; i < meta->npk + meta->nck; i++)
	{
		int			col = i < meta->npk ? meta->pk[i] : meta->ck[i - meta->npk];
		AttrNumber	attnum = map->attnum_of[col];
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(target_relation), attnum - 1);
		Var		   *var = makeVar(rtindex, attnum, att->atttypid, att->atttypmod,
								  att->attcollation, 0);

		add_row_identity_var(root, var, rtindex,
							 psprintf(KEY_JUNK_PREFIX "%d", attnum));
	}
	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		/* of type record, as PostgreSQL's own "wholerow": partitions differ */
		add_row_identity_var(root,
							 makeVar(rtindex, InvalidAttrNumber, RECORDOID, -1,
									 InvalidOid, 0),
							 rtindex, ROW_JUNK_NAME);
}

static List *
cqlPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					 int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel;
	List	   *target_attrs = NIL;
	bool		returning;

	if (plan->onConflictAction == ONCONFLICT_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT ... ON CONFLICT DO UPDATE is not supported on cql_fdw foreign tables"),
				 errhint("A Cassandra INSERT of an existing key overwrites the row; ON CONFLICT DO NOTHING becomes IF NOT EXISTS.")));
	returning = plan->returningLists != NIL &&
		list_nth(plan->returningLists, subplan_index) != NIL;

	rel = table_open(rte->relid, NoLock);
	if (operation == CMD_INSERT)
	{
		TupleDesc	tupdesc = RelationGetDescr(rel);

		/*
		 * The columns the statement gives, and those it fills locally (a
		 * default, a generated column).  The others are sent unset.
		 */
		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);
			AttrNumber	attnum = i + 1;

			if (att->attisdropped)
				continue;
			if (bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, rte->insertedCols) ||
				att->atthasdef || att->attgenerated)
				target_attrs = lappend_int(target_attrs, attnum);
		}
	}
	else if (operation == CMD_UPDATE)
	{
		RelOptInfo *baserel = find_base_rel(root, resultRelation);
		Bitmapset  *updated = get_rel_all_updated_cols(root, baserel);
		int			col = -1;

		while ((col = bms_next_member(updated, col)) >= 0)
		{
			AttrNumber	attnum = col + FirstLowInvalidHeapAttributeNumber;

			if (attnum <= InvalidAttrNumber)
				elog(ERROR, "system-column update is not supported");
			target_attrs = lappend_int(target_attrs, attnum);
		}
	}
	table_close(rel, NoLock);

	return list_make3(target_attrs,
					  makeInteger(plan->onConflictAction == ONCONFLICT_NOTHING),
					  makeInteger(returning));
}

/* ---------- the statements ---------- */

void
cqlfdw_append_table(StringInfo buf, const CqlTableOptions *topts)
{
	cqlfdw_append_identifier(buf, topts->keyspace);
	appendStringInfoChar(buf, '.');
	cqlfdw_append_identifier(buf, topts->table);
}

static WriteParam *
add_param(CqlModifyState *st, ParamSource source, AttrNumber attnum, bool key)
{
	WriteParam *p = &st->params[st->nparams++];

	p->source = source;
	p->attnum = attnum;
	p->key = key;
	p->name = pstrdup(NameStr(TupleDescAttr(RelationGetDescr(st->rel), attnum - 1)->attname));
	return p;
}

/* WHERE k1 = ? AND ... AND c1 = ? ..., the old key from the junk columns */
static void
append_key_where(CqlModifyState *st, StringInfo buf, const CqlTableMeta *meta,
				 const CqlKeyMap *map, Plan *subplan, bool partition_only)
{
	for (int i = 0; i < meta->npk + (partition_only ? 0 : meta->nck); i++)
	{
		int			col = i < meta->npk ? meta->pk[i] : meta->ck[i - meta->npk];
		AttrNumber	attnum = map->attnum_of[col];
		WriteParam *p;

		appendStringInfoString(buf, i == 0 ? " WHERE " : " AND ");
		cqlfdw_append_identifier(buf, meta->columns[col].name);
		appendStringInfoString(buf, " = ?");
		p = add_param(st, PARAM_KEY, attnum, true);
		p->junk = subplan
			? ExecFindJunkAttributeInTlist(subplan->targetlist,
										   psprintf(KEY_JUNK_PREFIX "%d", attnum))
			: InvalidAttrNumber;
		if (subplan && !AttributeNumberIsValid(p->junk))
			elog(ERROR, "could not find junk column of key \"%s\"", p->name);
	}
}

static void
build_insert(CqlModifyState *st, const CqlTableContext *tc, const CqlKeyMap *map,
			 Bitmapset *target_attrs)
{
	TupleDesc	tupdesc = RelationGetDescr(st->rel);
	StringInfoData buf;
	StringInfoData vals;

	if (st->counters)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot insert into foreign table \"%s\": %s.%s is a Cassandra counter table",
						st->relname, tc->topts.keyspace, tc->topts.table),
				 errdetail("Cassandra changes counters only by increments."),
				 errhint("Use UPDATE ... SET c = c + n.")));
	initStringInfo(&buf);
	initStringInfo(&vals);
	appendStringInfoString(&buf, "INSERT INTO ");
	cqlfdw_append_table(&buf, &tc->topts);
	appendStringInfoString(&buf, " (");
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		WriteParam *p;
		int			col;

		if (att->attisdropped)
			continue;
		col = map->meta_index[i];
		if (col < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" is not a column of %s.%s",
							NameStr(att->attname), st->relname,
							tc->topts.keyspace, tc->topts.table)));
		if (st->nparams > 0)
		{
			appendStringInfoString(&buf, ", ");
			appendStringInfoString(&vals, ", ");
		}
		cqlfdw_append_identifier(&buf, tc->meta->columns[col].name);
		appendStringInfoChar(&vals, '?');
		p = add_param(st, PARAM_NEW, i + 1, is_key_column(&tc->meta->columns[col]));
		p->unset = target_attrs != NULL && !bms_is_member(i + 1, target_attrs);
	}
	appendStringInfo(&buf, ") VALUES (%s)", vals.data);
	if (st->if_not_exists)
		appendStringInfoString(&buf, " IF NOT EXISTS");
	if (tc->topts.ttl > 0)
		appendStringInfo(&buf, " USING TTL %d", tc->topts.ttl);
	st->cql = buf.data;
}

static void
build_update(CqlModifyState *st, const CqlTableContext *tc, const CqlKeyMap *map,
			 Bitmapset *target_attrs, Plan *subplan)
{
	StringInfoData buf;
	int			nset = 0;
	int			nstatic = 0;
	int			attnum = -1;

	if (st->counters && tc->topts.ttl > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" has option ttl, but %s.%s is a Cassandra counter table",
						st->relname, tc->topts.keyspace, tc->topts.table),
				 errdetail("Counters cannot expire."),
				 errhint("Drop the option: ALTER FOREIGN TABLE ... OPTIONS (DROP ttl).")));
	initStringInfo(&buf);
	appendStringInfoString(&buf, "UPDATE ");
	cqlfdw_append_table(&buf, &tc->topts);
	if (tc->topts.ttl > 0)
		appendStringInfo(&buf, " USING TTL %d", tc->topts.ttl);
	st->changed_keys = palloc(sizeof(AttrNumber) * (bms_num_members(target_attrs) + 1));
	st->changed_key_junk = palloc(sizeof(AttrNumber) * (bms_num_members(target_attrs) + 1));
	while ((attnum = bms_next_member(target_attrs, attnum)) >= 0)
	{
		int			col = map->meta_index[attnum - 1];
		const CqlColumnMeta *c;
		bool		counter;

		if (col < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" is not a column of %s.%s",
							NameStr(TupleDescAttr(RelationGetDescr(st->rel), attnum - 1)->attname),
							st->relname, tc->topts.keyspace, tc->topts.table)));
		c = &tc->meta->columns[col];
		if (is_key_column(c))
		{
			/* checked per row: setting a key to the value it has is harmless */
			st->changed_keys[st->nchanged_keys++] = attnum;
			continue;
		}
		counter = strcmp(c->type, "counter") == 0;
		if (c->kind == CQL_COLUMN_STATIC)
			nstatic++;
		appendStringInfoString(&buf, nset == 0 ? " SET " : ", ");
		cqlfdw_append_identifier(&buf, c->name);
		if (counter)
		{
			appendStringInfoString(&buf, " = ");
			cqlfdw_append_identifier(&buf, c->name);
			appendStringInfoString(&buf, " + ?");
		}
		else
			appendStringInfoString(&buf, " = ?");
		add_param(st, counter ? PARAM_COUNTER_DELTA : PARAM_NEW, attnum, false);
		nset++;
	}
	if (nset == 0)
	{
		/* nothing Cassandra stores changes: rows are counted, nothing is sent */
		st->cql = NULL;
		st->nparams = 0;
		append_key_where(st, &buf, tc->meta, map, subplan, false);
	}
	else
	{
		/*
		 * Static columns belong to the partition: a statement that sets
		 * only those names the partition alone (CQL insists).
		 */
		append_key_where(st, &buf, tc->meta, map, subplan,
						 nstatic == nset && tc->meta->nck > 0);
		st->cql = buf.data;
	}
	for (int k = 0; k < st->nchanged_keys && subplan; k++)
	{
		st->changed_key_junk[k] =
			ExecFindJunkAttributeInTlist(subplan->targetlist,
										 psprintf(KEY_JUNK_PREFIX "%d", st->changed_keys[k]));
		if (!AttributeNumberIsValid(st->changed_key_junk[k]))
			elog(ERROR, "could not find junk column of key %d", st->changed_keys[k]);
	}
	if (st->counters && subplan)
	{
		st->wholerow_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "wholerow");
		if (!AttributeNumberIsValid(st->wholerow_junk))
			elog(ERROR, "could not find the old row of an UPDATE");
	}
}

static void
build_delete(CqlModifyState *st, const CqlTableContext *tc, const CqlKeyMap *map,
			 Plan *subplan, bool returning)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	cqlfdw_append_table(&buf, &tc->topts);
	append_key_where(st, &buf, tc->meta, map, subplan, false);
	st->cql = buf.data;
	if (returning && subplan)
	{
		st->row_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, ROW_JUNK_NAME);
		if (!AttributeNumberIsValid(st->row_junk))
			elog(ERROR, "could not find the old row of a DELETE");
	}
}

/* ---------- execution ---------- */

static CqlModifyState *
begin_modify(EState *estate, ResultRelInfo *rinfo, CmdType op, Plan *subplan,
			 Bitmapset *target_attrs, bool if_not_exists, bool returning, int eflags)
{
	Relation	rel = rinfo->ri_RelationDesc;
	MemoryContext cxt;
	MemoryContext old;
	CqlModifyState *st;
	CqlTableContext tc;
	CqlKeyMap  *map;
	Oid			userid = InvalidOid;
	int			maxparams;

	if (rinfo->ri_RangeTableIndex != 0)
	{
		RangeTblEntry *rte = exec_rt_fetch(rinfo->ri_RangeTableIndex, estate);

		userid = rte->checkAsUser;
	}
	else if (rinfo->ri_RootResultRelInfo &&
			 rinfo->ri_RootResultRelInfo->ri_RangeTableIndex != 0)
	{
		/* a partition a row was routed to: the user of the root table */
		RangeTblEntry *rte = exec_rt_fetch(rinfo->ri_RootResultRelInfo->ri_RangeTableIndex,
										   estate);

		userid = rte->checkAsUser;
	}

	cxt = AllocSetContextCreate(estate->es_query_cxt, "cql_fdw modify",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	st = palloc0(sizeof(CqlModifyState));
	st->cxt = cxt;
	st->temp_cxt = AllocSetContextCreate(cxt, "cql_fdw modify row", ALLOCSET_SMALL_SIZES);
	st->rel = rel;
	st->relname = pstrdup(RelationGetRelationName(rel));
	st->operation = op;
	st->explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
	st->current = -1;
	st->cleanup.func = modify_cleanup_callback;
	st->cleanup.arg = st;
	MemoryContextRegisterResetCallback(cxt, &st->cleanup);

	cqlfdw_table_context(rel, userid, &tc);
	if (!tc.topts.updatable)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("foreign table \"%s\" does not allow writes", st->relname),
				 errhint("Its option \"updatable\" (or its server's) is false.")));
	st->server_name = pstrdup(tc.server->servername);
	st->consistency = tc.topts.write_consistency;
	st->serial_consistency = tc.topts.serial_consistency;
	st->window = tc.topts.inflight_writes;
	st->if_not_exists = if_not_exists;
	st->counters = cqlfdw_table_has_counters(tc.meta);
	st->wait_each = returning || if_not_exists;
	map = cqlfdw_key_map(rel, tc.meta);
	check_key_columns(rel, tc.meta, map);

	maxparams = RelationGetDescr(rel)->natts + tc.meta->npk + tc.meta->nck + 1;
	st->params = palloc0(sizeof(WriteParam) * maxparams);
	if (op == CMD_INSERT)
		build_insert(st, &tc, map, target_attrs);
	else if (op == CMD_UPDATE)
		build_update(st, &tc, map, target_attrs, subplan);
	else
		build_delete(st, &tc, map, subplan, returning);

	st->offsets = palloc0(sizeof(size_t) * (st->nparams + 1));
	st->values = palloc0(sizeof(cql_slice) * Max(st->nparams, 1));
	st->old_values = palloc0(sizeof(Datum) * Max(RelationGetDescr(rel)->natts, 1));
	st->old_nulls = palloc0(sizeof(bool) * Max(RelationGetDescr(rel)->natts, 1));
	st->ring = palloc0(sizeof(cql_future *) * st->window);
	MemoryContextSwitchTo(old);

	if (st->explain_only)
		return st;

	st->estate = estate;
	st->next_active = active_states;
	active_states = st;
	st->active = true;
	st->session = tc.session;
	cqlfdw_session_pin(tc.user);
	st->umid = tc.user->umid;
	st->pinned = true;
	if ((st->buf = cql_buf_new()) == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	if (st->cql)
	{
		cql_future *f = cql_session_prepare_cached(st->session, st->cql);
		cql_result *res;

		if (f == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		if (cql_future_rc(f) == CQL_OK)
			st->prepared = cql_future_take_prepared(f);
		res = cqlfdw_finish(f, st->cql, st->server_name);
		cql_result_free(res);
		if (st->prepared == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_REPLY_HANDLE),
					 errmsg("Cassandra did not answer PREPARE with a prepared statement"),
					 errcontext("CQL: %s", st->cql)));
		if (cql_result_bind_count(cql_prepared_result(st->prepared)) != st->nparams)
			elog(ERROR, "prepared statement has %d bind variables, expected %d",
				 cql_result_bind_count(cql_prepared_result(st->prepared)), st->nparams);
	}
	return st;
}

static void
cqlBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					  List *fdw_private, int subplan_index, int eflags)
{
	Bitmapset  *target_attrs = NULL;
	ListCell   *lc;

	foreach(lc, (List *) list_nth(fdw_private, MPRIV_TARGET_ATTRS))
		target_attrs = bms_add_member(target_attrs, lfirst_int(lc));
	if (mtstate->operation == CMD_INSERT && target_attrs == NULL)
		target_attrs = bms_make_singleton(0);	/* no column given: all unset */
	rinfo->ri_FdwState =
		begin_modify(mtstate->ps.state, rinfo, mtstate->operation,
					 outerPlanState(mtstate)->plan, target_attrs,
					 intVal(list_nth(fdw_private, MPRIV_IF_NOT_EXISTS)) != 0,
					 intVal(list_nth(fdw_private, MPRIV_RETURNING)) != 0,
					 eflags);
}

/*
 * COPY FROM, and rows routed to a foreign partition.  COPY gives its
 * column list as the range table entry's insertedCols; a routed row gives
 * every column.
 */
static void
cqlBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	EState	   *estate = mtstate->ps.state;
	Bitmapset  *target_attrs = NULL;
	bool		if_not_exists = false;
	bool		returning = rinfo->ri_returningList != NIL;

	if (rinfo->ri_RangeTableIndex != 0)
	{
		RangeTblEntry *rte = exec_rt_fetch(rinfo->ri_RangeTableIndex, estate);
		TupleDesc	tupdesc = RelationGetDescr(rinfo->ri_RelationDesc);

		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);

			if (att->attisdropped)
				continue;
			if (bms_is_member(i + 1 - FirstLowInvalidHeapAttributeNumber, rte->insertedCols) ||
				att->atthasdef || att->attgenerated)
				target_attrs = bms_add_member(target_attrs, i + 1);
		}
		if (target_attrs == NULL)
			target_attrs = bms_make_singleton(0);
	}
	if (mtstate->ps.plan && IsA(mtstate->ps.plan, ModifyTable))
	{
		ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;

		if (plan->onConflictAction == ONCONFLICT_UPDATE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("INSERT ... ON CONFLICT DO UPDATE is not supported on cql_fdw foreign tables")));
		if_not_exists = plan->onConflictAction == ONCONFLICT_NOTHING;
	}
	rinfo->ri_FdwState = begin_modify(estate, rinfo, CMD_INSERT, NULL, target_attrs,
									  if_not_exists, returning, 0);
}

static void
param_error_callback(void *arg)
{
	CqlModifyState *st = arg;

	if (st->current >= 0 && st->current < st->nparams)
		errcontext("column \"%s\" of foreign table \"%s\"",
				   st->params[st->current].name, st->relname);
	if (st->sent > 0)
		errcontext("%s on foreign table \"%s\": this row was not sent, and the " INT64_FORMAT
				   " rows sent before it are not undone",
				   st->operation == CMD_INSERT ? "INSERT"
				   : st->operation == CMD_UPDATE ? "UPDATE" : "DELETE",
				   st->relname, st->sent);
}

/* the figures of a failed statement, on its error */
static void
ack_error_callback(void *arg)
{
	CqlModifyState *st = arg;

	errcontext("%s on foreign table \"%s\": Cassandra acknowledged " INT64_FORMAT
			   " of the " INT64_FORMAT " rows this statement sent before the failure (" INT64_FORMAT
			   " failed); acknowledged rows stay written",
			   st->operation == CMD_INSERT ? "INSERT"
			   : st->operation == CMD_UPDATE ? "UPDATE" : "DELETE",
			   st->relname, st->stmt_acked, st->stmt_sent, st->stmt_failures);
}

/* Account for a done write; remember the first failure. */
static void
finish_write(CqlModifyState *st, cql_future *f)
{
	if (cql_future_rc(f) == CQL_OK)
	{
		st->acked++;
		st->retries += cql_result_attempts(cql_future_result(f)) - 1;
	}
	else
	{
		st->failures++;
		if (!st->failed)
		{
			st->failed = true;
			st->error = *cql_future_error(f);
		}
	}
	cql_future_release(f);
}

static cql_future *
ring_pop(CqlModifyState *st)
{
	cql_future *f = st->ring[st->head];

	st->ring[st->head] = NULL;
	st->head = (st->head + 1) % st->window;
	st->count--;
	return f;
}

/* Wait for every write in flight, then report the first failure, if any. */
static void
drain(CqlModifyState *st)
{
	while (st->count > 0)
	{
		cqlfdw_wait(st->ring[st->head]);
		finish_write(st, ring_pop(st));
	}
	if (st->failed)
	{
		ErrorContextCallback errcallback;

		/* the other tables of the statement: what did they get written? */
		st->stmt_sent = st->stmt_acked = st->stmt_failures = 0;
		for (CqlModifyState *o = active_states; o; o = o->next_active)
		{
			if (o->estate != st->estate)
				continue;
			while (o->count > 0)
			{
				cqlfdw_wait(o->ring[o->head]);
				finish_write(o, ring_pop(o));
			}
			st->stmt_sent += o->sent;
			st->stmt_acked += o->acked;
			st->stmt_failures += o->failures;
		}

		errcallback.callback = ack_error_callback;
		errcallback.arg = st;
		errcallback.previous = error_context_stack;
		error_context_stack = &errcallback;
		cqlfdw_report(ERROR, &st->error, st->cql, st->server_name);
		error_context_stack = errcallback.previous;
	}
}

/* Collect the writes that are done, without waiting; stop at a failure. */
static void
reap(CqlModifyState *st)
{
	cql_reactor_run(cqlfdw_reactor());
	while (st->count > 0 && cql_future_done(st->ring[st->head]))
		finish_write(st, ring_pop(st));
	if (st->failed)
		drain(st);
}

/* Encode one bind variable at the end of the buffer, or mark it null/unset. */
static void
bind_param(CqlModifyState *st, int i, TupleTableSlot *slot, TupleTableSlot *planSlot,
		   int32 *special)
{
	WriteParam *p = &st->params[i];
	const cql_type *t = cql_result_bind(cql_prepared_result(st->prepared), i)->type;
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(st->rel), p->attnum - 1);
	Datum		value;
	bool		isnull;

	*special = 0;
	switch (p->source)
	{
		case PARAM_NEW:
			if (p->unset)
			{
				*special = CQL_UNSET;
				return;
			}
			value = slot_getattr(slot, p->attnum, &isnull);
			break;
		case PARAM_KEY:
			value = ExecGetJunkAttribute(planSlot, p->junk, &isnull);
			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("cannot write a row of foreign table \"%s\" whose key column \"%s\" is null",
								st->relname, p->name),
						 errdetail("A partition with only static columns reads as a row with null clustering columns.")));
			break;
		case PARAM_COUNTER_DELTA:
			{
				int64		newv;
				int64		oldv = 0;
				int64		delta;

				value = slot_getattr(slot, p->attnum, &isnull);
				if (isnull)
					ereport(ERROR,
							(errcode(ERRCODE_NOT_NULL_VIOLATION),
							 errmsg("counter column \"%s\" of foreign table \"%s\" cannot be set to null",
									p->name, st->relname)));
				newv = cqlfdw_counter_value(att->atttypid, value);
				if (!st->old_nulls[p->attnum - 1])
					oldv = cqlfdw_counter_value(att->atttypid, st->old_values[p->attnum - 1]);
				if (pg_sub_s64_overflow(newv, oldv, &delta))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("counter increment of column \"%s\" is out of range for bigint",
									p->name)));
				if (cql_encode_bigint(st->buf, delta) != CQL_OK)
					ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
				return;
			}
		default:
			elog(ERROR, "unexpected parameter source %d", (int) p->source);
	}
	if (isnull)
	{
		if (p->key)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of foreign table \"%s\" violates the Cassandra primary key",
							p->name, st->relname),
					 errdetail("Primary key columns of a Cassandra table cannot be null.")));
		*special = CQL_NULL;
		return;
	}
	cqlfdw_bind_value(st->buf, t, att->atttypid, att->atttypmod, value);
	if (p->key)
	{
		size_t		n = cql_buf_len(st->buf) - st->offsets[i];

		if (n > MAX_KEY_BYTES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("value of key column \"%s\" of foreign table \"%s\" is too long: %zu bytes",
							p->name, st->relname, n),
					 errdetail("A Cassandra key column value is at most %d bytes.", MAX_KEY_BYTES)));
	}
}

/* a counter column's value, from any integer (or integer-valued) type */
int64
cqlfdw_counter_value(Oid type, Datum value)
{
	Oid			outfunc;
	bool		isvarlena;

	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		case INT8OID:
			return DatumGetInt64(value);
		default:
			getTypeOutputInfo(type, &outfunc, &isvarlena);
			return DatumGetInt64(DirectFunctionCall1(int8in,
													 CStringGetDatum(OidOutputFunctionCall(outfunc, value))));
	}
}

/* deform a whole-row junk datum into old_values/old_nulls */
static void
read_old_row(CqlModifyState *st, TupleTableSlot *planSlot, AttrNumber junk)
{
	bool		isnull;
	Datum		d = ExecGetJunkAttribute(planSlot, junk, &isnull);
	HeapTupleHeader td;
	HeapTupleData tuple;

	if (isnull)
		elog(ERROR, "the old row of foreign table \"%s\" is null", st->relname);
	td = DatumGetHeapTupleHeader(d);
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = RelationGetRelid(st->rel);
	tuple.t_data = td;
	heap_deform_tuple(&tuple, RelationGetDescr(st->rel), st->old_values, st->old_nulls);
}

/*
 * Encode and send one row's write.  Returns the slot, or NULL when a
 * conditional insert did not apply.  Everything about the row is checked
 * before anything of it is sent.
 */
static TupleTableSlot *
write_row(CqlModifyState *st, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ErrorContextCallback errcallback;
	MemoryContext old;
	cql_query_params params;
	cql_future *f;
	int32		specials[1];
	int32	   *special;

	if (st->cql == NULL && st->nchanged_keys == 0)
		return slot;			/* nothing Cassandra stores changes */

	MemoryContextReset(st->temp_cxt);
	old = MemoryContextSwitchTo(st->temp_cxt);
	errcallback.callback = param_error_callback;
	errcallback.arg = st;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	special = st->nparams > 0 ? palloc(sizeof(int32) * st->nparams) : specials;
	if (st->wholerow_junk)
		read_old_row(st, planSlot, st->wholerow_junk);
	if (st->prepared)
	{
		cql_buf_reset(st->buf);
		for (int i = 0; i < st->nparams; i++)
		{
			st->current = i;
			st->offsets[i] = cql_buf_len(st->buf);
			bind_param(st, i, slot, planSlot, &special[i]);
		}
		st->offsets[st->nparams] = cql_buf_len(st->buf);
	}

	/* a primary key column may be set, to the value it has */
	for (int k = 0; k < st->nchanged_keys; k++)
	{
		AttrNumber	attnum = st->changed_keys[k];
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(st->rel), attnum - 1);
		bool		isnull;
		Datum		newv = slot_getattr(slot, attnum, &isnull);
		bool		oldnull;
		Datum		oldv = ExecGetJunkAttribute(planSlot, st->changed_key_junk[k],
												&oldnull);

		if (isnull || oldnull ||
			!datum_image_eq(newv, oldv, att->attbyval, att->attlen))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot change primary key column \"%s\" of foreign table \"%s\"",
							NameStr(att->attname), st->relname),
					 errdetail("Cassandra stores a row under its primary key: a new key is a new row."),
					 errhint("Delete the row and insert it with the new key.")));
	}
	st->current = -1;
	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(old);
	if (st->cql == NULL)
		return slot;

	for (int i = 0; i < st->nparams; i++)
	{
		if (special[i] != 0)
		{
			st->values[i].data = NULL;
			st->values[i].len = special[i];
		}
		else
		{
			st->values[i].data = cql_buf_data(st->buf) + st->offsets[i];
			st->values[i].len = (int32_t) (st->offsets[i + 1] - st->offsets[i]);
		}
	}
	if (cql_buf_len(st->buf) > MAX_ROW_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("row of foreign table \"%s\" is too large to write: %zu bytes",
						st->relname, cql_buf_len(st->buf)),
				 errdetail("A Cassandra request is at most %d bytes (native_transport_max_frame_size).",
						   16 * 1024 * 1024)));

	/* room in the window: collect what is done, wait for the oldest if full */
	if (!st->wait_each)
	{
		/*
		 * Turn the loop only every COALESCE_ROWS rows: the writes sent in
		 * between wait in the connection's buffer and go out together
		 * (params.coalesce below), one system call and one read on the node
		 * for the burst instead of one per row.
		 */
		if (st->sent % COALESCE_ROWS == 0)
			reap(st);
		while (st->count >= st->window)
		{
			cqlfdw_wait(st->ring[st->head]);
			finish_write(st, ring_pop(st));
			if (st->failed)
				drain(st);
		}
	}

	memset(&params, 0, sizeof(params));
	params.consistency = st->consistency;
	params.values = st->values;
	params.nvalues = st->nparams;
	params.routing_key.len = CQL_NULL;
	params.coalesce = !st->wait_each;
	if (st->if_not_exists)
		params.serial_consistency = st->serial_consistency;
	else if (!st->counters)
	{
		params.has_timestamp = true;
		params.timestamp = cqlfdw_next_timestamp();
		/* the same write again, timestamp and all, changes nothing */
		params.idempotent = true;
	}
	f = cql_session_execute_prepared(st->session, st->prepared, &params);
	if (f == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	st->sent++;

	if (!st->wait_each)
	{
		st->ring[(st->head + st->count) % st->window] = f;
		st->count++;
		return slot;
	}

	/* one round trip: RETURNING, or IF NOT EXISTS that must say if it applied */
	st->ring[st->head] = f;
	st->count = 1;
	cqlfdw_wait(f);
	if (cql_future_rc(f) != CQL_OK)
		drain(st);				/* reports */
	{
		cql_result *res = cql_future_result(f);
		bool		applied = true;

		if (st->if_not_exists && cql_result_kind(res) == CQL_RESULT_ROWS &&
			cql_result_column_count(res) > 0)
		{
			cql_row_cursor cur;
			cql_slice  *cells = palloc(sizeof(cql_slice) * cql_result_column_count(res));

			cql_result_rows(res, &cur);
			if (cql_row_next(&cur, cells) == 1 && cells[0].len == 1)
				applied = cells[0].data[0] != 0;
			pfree(cells);
		}
		finish_write(st, ring_pop(st));
		if (!applied)
		{
			st->not_applied++;
			return NULL;
		}
	}
	return slot;
}

static TupleTableSlot *
cqlExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	return write_row(rinfo->ri_FdwState, slot, planSlot);
}

static TupleTableSlot **
cqlExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
						  TupleTableSlot **planSlots, int *numSlots)
{
	CqlModifyState *st = rinfo->ri_FdwState;

	/* rows go into the same window; a batch never waits for its own rows */
	for (int i = 0; i < *numSlots; i++)
		(void) write_row(st, slots[i], planSlots ? planSlots[i] : NULL);
	return slots;
}

/*
 * Batches only where a row needs no answer of its own: no RETURNING, no
 * IF NOT EXISTS, no row triggers or check options that would need the rows
 * one by one.
 */
static int
cqlGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	CqlModifyState *st = rinfo->ri_FdwState;

	if (st == NULL || st->wait_each || rinfo->ri_projectReturning ||
		rinfo->ri_WithCheckOptions ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;
	return Min(st->window, 1000);
}

static TupleTableSlot *
cqlExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	return write_row(rinfo->ri_FdwState, slot, planSlot);
}

static TupleTableSlot *
cqlExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	CqlModifyState *st = rinfo->ri_FdwState;

	if (st->row_junk)
	{
		/* RETURNING: the row as it was read */
		int			natts = slot->tts_tupleDescriptor->natts;

		ExecClearTuple(slot);
		read_old_row(st, planSlot, st->row_junk);
		memcpy(slot->tts_values, st->old_values, sizeof(Datum) * natts);
		memcpy(slot->tts_isnull, st->old_nulls, sizeof(bool) * natts);
		ExecStoreVirtualTuple(slot);
	}
	return write_row(st, slot, planSlot);
}

static void
end_modify(CqlModifyState *st)
{
	if (st == NULL)
		return;
	if (!st->explain_only)
		drain(st);
	/* what an abort does through the memory context callback */
	modify_cleanup_callback(st);
}

static void
cqlEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	end_modify(rinfo->ri_FdwState);
}

static void
cqlEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	end_modify(rinfo->ri_FdwState);
}

/* Abandon the writes in flight (never waits) and give everything back. */
static void
modify_cleanup_callback(void *arg)
{
	CqlModifyState *st = arg;

	if (st->active)
	{
		for (CqlModifyState **p = &active_states; *p; p = &(*p)->next_active)
			if (*p == st)
			{
				*p = st->next_active;
				break;
			}
		st->active = false;
	}
	while (st->count > 0)
		cql_future_release(ring_pop(st));
	if (st->buf)
	{
		cql_buf_free(st->buf);
		st->buf = NULL;
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

static int
cqlIsForeignRelUpdatable(Relation rel)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	CqlServerOptions sopts;
	CqlTableOptions topts;

	cqlfdw_server_options(server, NULL, &sopts);
	cqlfdw_table_options(RelationGetRelid(rel), &sopts, &topts);
	return topts.updatable
		? (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE)
		: 0;
}

static void
cqlExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						List *fdw_private, int subplan_index, ExplainState *es)
{
	CqlModifyState *st = rinfo->ri_FdwState;

	if (st == NULL)
		return;
	if (es->verbose)
	{
		ExplainPropertyText("CQL", st->cql ? st->cql : "(none: no stored column changes)", es);
		ExplainPropertyInteger("CQL Writes In Flight", NULL,
							   st->wait_each ? 1 : st->window, es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("CQL Writes", NULL, st->sent, es);
		if (st->retries > 0 || es->format != EXPLAIN_FORMAT_TEXT)
			ExplainPropertyInteger("CQL Retries", NULL, st->retries, es);
		if (st->if_not_exists)
			ExplainPropertyInteger("CQL Not Applied", NULL, st->not_applied, es);
	}
}

/* ---------- TRUNCATE ---------- */

static void
cqlExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		Relation	rel = lfirst(lc);
		CqlTableContext tc;
		StringInfoData buf;
		cql_query_params params;
		cql_future *f;
		cql_result *res;

		cqlfdw_table_context(rel, InvalidOid, &tc);
		if (!tc.topts.updatable)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("foreign table \"%s\" does not allow writes",
							RelationGetRelationName(rel)),
					 errhint("Its option \"updatable\" (or its server's) is false.")));
		initStringInfo(&buf);
		appendStringInfoString(&buf, "TRUNCATE ");
		cqlfdw_append_table(&buf, &tc.topts);
		memset(&params, 0, sizeof(params));
		params.consistency = tc.topts.write_consistency;
		params.routing_key.len = CQL_NULL;
		f = cql_session_query(tc.session, buf.data, &params);
		if (f == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		res = cqlfdw_finish(f, buf.data, tc.server->servername);
		cql_result_free(res);
	}
}
