/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		  Which conditions Cassandra can serve, and binding their values.
 *
 * A condition is sent to Cassandra only where CQL serves it efficiently and
 * both databases give the same answer:
 *
 *	- equality or IN (= ANY of an array) on every partition key column: one
 *	  single-partition read per key, routed to a replica;
 *	- then equality or IN on a prefix of the clustering columns, and a range
 *	  (<, <=, >, >=) on the next one;
 *	- equality only for types whose equality is the same on both sides:
 *	  integers, text under a deterministic collation, uuid, boolean, bytea,
 *	  date, timestamp (with time zone: a value with microseconds equals no
 *	  stored millisecond, a range bound is rounded the way that keeps the
 *	  same rows).  (Not floats: Cassandra tells 0.0 from -0.0 in keys; not
 *	  numeric: it tells 1.0 from 1.00.)
 *	- ranges (and ORDER BY) only for types both order alike: integers,
 *	  boolean, bytea, date, timestamp, and text under the "C" collation (Cassandra
 *	  compares UTF-8 bytes).  Not uuid or timeuuid: Cassandra orders them by
 *	  version and time, PostgreSQL by bytes.  A range bound must be a value
 *	  every key type can hold (a column of the same type, or a constant that
 *	  fits), since a bound that does not fit cannot be sent.
 *	- Cassandra can store an empty value in a clustering column of a
 *	  fixed-size type (read here as NULL) and sorts it before every other
 *	  value: so an upper bound alone is sent with ">= the type's minimum",
 *	  which leaves empty values out as PostgreSQL leaves NULLs out, and
 *	  ORDER BY on such a column is pushed only where NULLs would come where
 *	  Cassandra puts empty values, or a range leaves them out.
 *
 * The other side of a condition is bound, never interpolated: a constant,
 * a parameter, or in a parameterized path a column of the outer relation,
 * so a nested loop runs one routed lookup per outer row with one prepared
 * statement.  A bound value that no Cassandra key can equal (a null, an
 * integer out of the column's range) means no row, and nothing is sent.
 *
 * IDENTIFICATION
 *		  src/fdw/pushdown.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/nbtree.h"
#include "access/transam.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "cql_fdw.h"

/* cql_fdw.enable_pushdown: off sends every scan whole, for comparisons */
bool		cqlfdw_enable_pushdown = true;

/*
 * The key types conditions are pushed for: the PostgreSQL type a column
 * must have, the CQL type its values are bound as, and whether both
 * databases order its values alike.
 */
typedef struct KeyType
{
	const char *cql;
	Oid			pgtype;
	int			id;
	bool		ordered;
	bool		empty_null;		/* an empty value (read as NULL) sorts first:
								 * int, bigint, boolean (and uuids); Cassandra
								 * refuses empty smallint, tinyint and date */
} KeyType;

static const KeyType key_types[] = {
	{"int", INT4OID, CQL_TYPE_INT, true, true},
	{"bigint", INT8OID, CQL_TYPE_BIGINT, true, true},
	{"smallint", INT2OID, CQL_TYPE_SMALLINT, true, false},
	{"tinyint", INT2OID, CQL_TYPE_TINYINT, true, false},
	{"text", TEXTOID, CQL_TYPE_VARCHAR, true, false},
	{"varchar", TEXTOID, CQL_TYPE_VARCHAR, true, false},
	{"ascii", TEXTOID, CQL_TYPE_ASCII, true, false},
	{"uuid", UUIDOID, CQL_TYPE_UUID, false, true},
	{"timeuuid", UUIDOID, CQL_TYPE_TIMEUUID, false, true},
	{"boolean", BOOLOID, CQL_TYPE_BOOLEAN, true, true},
	{"blob", BYTEAOID, CQL_TYPE_BLOB, true, false},
	{"date", DATEOID, CQL_TYPE_DATE, true, false},
	{"timestamp", TIMESTAMPTZOID, CQL_TYPE_TIMESTAMP, true, true},
};

static const KeyType *
key_type_of(const char *cqltype)
{
	for (int i = 0; i < (int) lengthof(key_types); i++)
		if (strcmp(cqltype, key_types[i].cql) == 0)
			return &key_types[i];
	return NULL;
}

static bool
type_matches(Oid want, Oid coltype)
{
	if (want == coltype)
		return true;
	/* varchar columns compare as text */
	return want == TEXTOID && coltype == VARCHAROID;
}

/* Can a bound value of type valtype be encoded for a key of type want? */
static bool
value_type_ok(Oid want, Oid valtype)
{
	if (want == INT2OID || want == INT4OID || want == INT8OID)
		return valtype == INT2OID || valtype == INT4OID || valtype == INT8OID;
	if (want == TEXTOID)
		return valtype == TEXTOID || valtype == VARCHAROID;
	/* (not timestamp: comparing it with timestamptz depends on TimeZone) */
	return valtype == want;
}

static Expr *
strip_relabel(Expr *e)
{
	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e;
}

/* The btree strategy of opno in the default btree family of type, or 0. */
static int
btree_strategy(Oid opno, Oid type)
{
	Oid			opclass = GetDefaultOpClass(type, BTREE_AM_OID);

	if (!OidIsValid(opclass))
		return 0;
	return get_op_opfamily_strategy(opno, get_opclass_family(opclass));
}

/* Is e a column of baserel that is a key column of a pushable type? */
static Var *
key_var(RelOptInfo *baserel, const CqlKeyMap *map, Expr *e, bool key_only)
{
	Var		   *var;

	e = strip_relabel(e);
	if (e == NULL || !IsA(e, Var))
		return NULL;
	var = (Var *) e;
	if ((Index) var->varno != baserel->relid || var->varlevelsup != 0 ||
		var->varattno <= 0 || var->varattno > map->natts)
		return NULL;
	if (map->meta_index[var->varattno - 1] < 0 ||
		(key_only && !map->key[var->varattno - 1]))
		return NULL;
	if (!type_matches(map->pushable[var->varattno - 1], var->vartype))
		return NULL;
	return var;
}

/* Can other be bound: no column of this relation, nothing volatile? */
static bool
bindable(RelOptInfo *baserel, Expr *other, bool outer_ok)
{
	if (bms_is_member(baserel->relid, pull_varnos(NULL, (Node *) other)))
		return false;
	if (contain_volatile_functions((Node *) other))
		return false;
	if (!outer_ok && contain_var_clause((Node *) other))
		return false;
	return true;
}

/*
 * Can a range bound be sent for the key column at attidx?  Only a value
 * the CQL type always holds: a value of the column's own type where the
 * CQL type holds every such value, or a constant that encodes.  (A bound
 * that did not fit could not be sent, and dropping it would be wrong.)
 */
static bool
bound_fits(const CqlKeyMap *map, int attidx, Expr *value)
{
	int			id = map->cqltype[attidx];
	Expr	   *e;

	if (exprType((Node *) value) == map->pushable[attidx] &&
		(id == CQL_TYPE_INT || id == CQL_TYPE_BIGINT || id == CQL_TYPE_SMALLINT ||
		 id == CQL_TYPE_VARCHAR || id == CQL_TYPE_BLOB || id == CQL_TYPE_BOOLEAN))
		return true;
	e = strip_relabel(value);
	if (IsA(e, Const) && !((Const *) e)->constisnull)
	{
		cql_type	t;
		cql_buf    *b = cql_buf_new();
		bool		ok;

		if (b == NULL)
			return false;
		memset(&t, 0, sizeof(t));
		t.id = id;
		ok = cqlfdw_encode_bound(b, ((Const *) e)->constvalue,
							   exprType((Node *) value), &t, 1);
		cql_buf_free(b);
		return ok;
	}
	return false;
}

/*
 * If rinfo is a condition on a key column that Cassandra can serve (see
 * the top of this file), describe it in *cond and return true.  outer_ok
 * allows the bound side to use other relations' columns (a parameterized
 * path).  The strategy is the column's: "5 < k" is k > 5.
 */
bool
cqlfdw_classify_cond(RelOptInfo *baserel, const CqlKeyMap *map, RestrictInfo *rinfo,
					 bool outer_ok, CqlCond *cond)
{
	Expr	   *clause = rinfo->clause;
	Var		   *var;
	Expr	   *other;
	Oid			opno;
	Oid			inputcollid;
	Oid			valtype;
	int			strategy;
	bool		commuted = false;
	bool		is_in = false;

	if (!cqlfdw_enable_pushdown || rinfo->pseudoconstant)
		return false;
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;

		if (list_length(op->args) != 2)
			return false;
		if ((var = key_var(baserel, map, linitial(op->args), true)) != NULL)
			other = lsecond(op->args);
		else if ((var = key_var(baserel, map, lsecond(op->args), true)) != NULL)
		{
			other = linitial(op->args);
			commuted = true;
		}
		else
			return false;
		opno = op->opno;
		inputcollid = op->inputcollid;
		valtype = exprType((Node *) other);
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;

		if (!sa->useOr || list_length(sa->args) != 2)
			return false;
		if ((var = key_var(baserel, map, linitial(sa->args), true)) == NULL)
			return false;
		other = lsecond(sa->args);
		opno = sa->opno;
		inputcollid = sa->inputcollid;
		valtype = get_element_type(exprType((Node *) other));
		is_in = true;
	}
	else
		return false;

	if (!bindable(baserel, other, outer_ok))
		return false;
	if (!value_type_ok(map->pushable[var->varattno - 1], valtype))
		return false;
	strategy = btree_strategy(opno, var->vartype);
	if (strategy == 0)
		return false;
	if (OidIsValid(inputcollid) && !get_collation_isdeterministic(inputcollid))
		return false;

	cond->col = map->meta_index[var->varattno - 1];
	cond->attnum = var->varattno;
	cond->value = other;
	if (strategy == BTEqualStrategyNumber)
	{
		cond->kind = is_in ? CQL_COND_IN : CQL_COND_EQ;
		return true;
	}
	if (is_in)
		return false;			/* k < ANY(...): not a CQL condition */

	/* a range: only where both databases order values alike */
	if (!map->ordered[var->varattno - 1])
		return false;
	if (OidIsValid(inputcollid) && !lc_collate_is_c(inputcollid))
		return false;
	if (!bound_fits(map, var->varattno - 1, other))
		return false;
	if (commuted)
		strategy = BTCommuteStrategyNumber(strategy);
	switch (strategy)
	{
		case BTLessStrategyNumber:
			cond->kind = CQL_COND_LT;
			break;
		case BTLessEqualStrategyNumber:
			cond->kind = CQL_COND_LE;
			break;
		case BTGreaterEqualStrategyNumber:
			cond->kind = CQL_COND_GE;
			break;
		case BTGreaterStrategyNumber:
			cond->kind = CQL_COND_GT;
			break;
		default:
			return false;
	}
	return true;
}

/*
 * If rinfo is "key column = expression" with an expression that can be
 * bound, return the key's column index in meta and set *value; else -1.
 */
int
cqlfdw_key_equality(RelOptInfo *baserel, const CqlKeyMap *map,
					RestrictInfo *rinfo, bool outer_ok, Expr **value)
{
	CqlCond		cond;

	if (!cqlfdw_classify_cond(baserel, map, rinfo, outer_ok, &cond) ||
		cond.kind != CQL_COND_EQ)
		return -1;
	*value = cond.value;
	return cond.col;
}

/*
 * Can rows be returned in the order of the column attnum sorted with the
 * btree family opfamily and collation by reading it in Cassandra's order?
 * Yes for a key column of a type both databases order alike, with its
 * type's default ordering and, for text, the "C" collation.
 */
bool
cqlfdw_order_pushable(const CqlKeyMap *map, AttrNumber attnum, Oid vartype,
					  Oid opfamily, Oid collation)
{
	Oid			opclass;

	if (!cqlfdw_enable_pushdown || attnum <= 0 || attnum > map->natts)
		return false;
	if (map->meta_index[attnum - 1] < 0 || !map->ordered[attnum - 1] ||
		!type_matches(map->pushable[attnum - 1], vartype))
		return false;
	opclass = GetDefaultOpClass(vartype, BTREE_AM_OID);
	if (!OidIsValid(opclass) || get_opclass_family(opclass) != opfamily)
		return false;
	if (OidIsValid(collation) && !lc_collate_is_c(collation))
		return false;
	return true;
}

/*
 * Map the relation's columns to the table's metadata: which are key
 * columns, and their pushable types.
 */
CqlKeyMap *
cqlfdw_key_map(Relation rel, const CqlTableMeta *meta)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	CqlKeyMap  *map = palloc0(sizeof(CqlKeyMap));

	map->natts = tupdesc->natts;
	map->meta_index = palloc(sizeof(int) * Max(map->natts, 1));
	map->key = palloc0(sizeof(bool) * Max(map->natts, 1));
	map->pushable = palloc0(sizeof(Oid) * Max(map->natts, 1));
	map->cqltype = palloc0(sizeof(int) * Max(map->natts, 1));
	map->ordered = palloc0(sizeof(bool) * Max(map->natts, 1));
	map->empty_null = palloc0(sizeof(bool) * Max(map->natts, 1));
	map->attnum_of = palloc0(sizeof(AttrNumber) * Max(meta->ncolumns, 1));
	for (int i = 0; i < map->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		const KeyType *kt;
		int			col;

		map->meta_index[i] = -1;
		if (att->attisdropped)
			continue;
		col = cqlfdw_meta_column(meta, cqlfdw_column_name(RelationGetRelid(rel), i + 1));
		map->meta_index[i] = col;
		if (col < 0)
			continue;
		map->attnum_of[col] = i + 1;
		map->key[i] = meta->columns[col].kind == CQL_COLUMN_PARTITION_KEY ||
			meta->columns[col].kind == CQL_COLUMN_CLUSTERING;
		kt = key_type_of(meta->columns[col].type);
		if (kt)
		{
			map->pushable[i] = kt->pgtype;
			map->cqltype[i] = kt->id;
			map->ordered[i] = kt->ordered;
			map->empty_null[i] = kt->empty_null;
		}
	}
	return map;
}

/*
 * Encode a bound value for a key column of CQL type t.  Returns false when
 * no key can equal the value (the scan then has no rows).
 */
bool
cqlfdw_encode_key(cql_buf *b, Datum value, Oid pgtype, const cql_type *t)
{
	return cqlfdw_encode_bound(b, value, pgtype, t, 0);
}

/*
 * cqlfdw_encode_key for a range bound: round says how a value finer than
 * the CQL type (a timestamp's microseconds; Cassandra keeps milliseconds)
 * becomes one it holds: -1 down (for > and <=), +1 up (for >= and <), 0
 * not at all (for =: no key equals it).  Stored values being whole
 * milliseconds, "k > 1.5 ms" is "k > 1 ms" and "k >= 1.5 ms" is "k >= 2 ms".
 */
/*
 * Does a value of pgtype fit the representation cqlfdw_encode_bound reads
 * for CQL type id?  The CQL type comes from the server's answer to PREPARE;
 * a server whose metadata disagrees with the table's (a schema changed
 * under us, or a simulated server) must give an error, never have a
 * by-value Datum dereferenced as a pointer.
 */
static bool
key_type_fits(Oid pgtype, int id)
{
	switch (id)
	{
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
		case CQL_TYPE_INT:
		case CQL_TYPE_BIGINT:
			return pgtype == INT2OID || pgtype == INT4OID || pgtype == INT8OID;
		case CQL_TYPE_VARCHAR:
		case CQL_TYPE_ASCII:
			return pgtype == TEXTOID || pgtype == VARCHAROID || pgtype == BPCHAROID;
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			return pgtype == UUIDOID;
		case CQL_TYPE_BOOLEAN:
			return pgtype == BOOLOID;
		case CQL_TYPE_BLOB:
			return pgtype == BYTEAOID;
		case CQL_TYPE_DATE:
			return pgtype == DATEOID;
		case CQL_TYPE_TIMESTAMP:
			return pgtype == TIMESTAMPTZOID;
		default:
			return false;
	}
}

bool
cqlfdw_encode_bound(cql_buf *b, Datum value, Oid pgtype, const cql_type *t, int round)
{
	int			rc;

	if (pgtype >= FirstNormalObjectId)
		pgtype = getBaseType(pgtype);	/* a domain binds as its base type */
	if (!key_type_fits(pgtype, t->id))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("Cassandra expects a value of CQL type %s where cql_fdw binds a value of type %s",
						cql_type_name(t->id), format_type_be(pgtype)),
				 errdetail("The server's metadata for the statement does not match the table's schema as cql_fdw read it."),
				 errhint("If the Cassandra table changed, run the query again; cql_fdw re-reads the schema after a change.")));

	switch (t->id)
	{
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
		case CQL_TYPE_INT:
		case CQL_TYPE_BIGINT:
			{
				int64		v;

				if (pgtype == INT2OID)
					v = DatumGetInt16(value);
				else if (pgtype == INT4OID)
					v = DatumGetInt32(value);
				else if (pgtype == INT8OID)
					v = DatumGetInt64(value);
				else
					elog(ERROR, "cannot bind type %u to a CQL integer", pgtype);
				rc = t->id == CQL_TYPE_TINYINT ? cql_encode_tinyint(b, v)
					: t->id == CQL_TYPE_SMALLINT ? cql_encode_smallint(b, v)
					: t->id == CQL_TYPE_INT ? cql_encode_int(b, v)
					: cql_encode_bigint(b, v);
				break;
			}
		case CQL_TYPE_VARCHAR:
		case CQL_TYPE_ASCII:
			{
				text	   *txt = DatumGetTextPP(value);
				const char *s = VARDATA_ANY(txt);
				int			n = VARSIZE_ANY_EXHDR(txt);
				char	   *utf8 = pg_server_to_any(s, n, PG_UTF8);

				if (utf8 != s)
					n = strlen(utf8);
				rc = t->id == CQL_TYPE_ASCII ? cql_encode_ascii(b, utf8, n)
					: cql_encode_text(b, utf8, n);
				break;
			}
		case CQL_TYPE_UUID:
			rc = cql_encode_uuid(b, DatumGetUUIDP(value)->data);
			break;
		case CQL_TYPE_TIMEUUID:
			rc = cql_encode_timeuuid(b, DatumGetUUIDP(value)->data);
			break;
		case CQL_TYPE_BOOLEAN:
			rc = cql_encode_boolean(b, DatumGetBool(value));
			break;
		case CQL_TYPE_BLOB:
			{
				bytea	   *v = DatumGetByteaPP(value);

				rc = cql_encode_blob(b, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
				break;
			}
		case CQL_TYPE_DATE:
			{
				DateADT		d = DatumGetDateADT(value);
				int64		days;

				if (DATE_NOT_FINITE(d))
					return false;
				days = (int64) d + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) + ((int64) 1 << 31);
				if (days < 0 || days > (int64) UINT32_MAX)
					return false;
				rc = cql_encode_date(b, (uint32_t) days);
				break;
			}
		case CQL_TYPE_TIMESTAMP:
			{
				TimestampTz ts = DatumGetTimestampTz(value);
				int64		us;
				int64		ms;
				int64		rem;

				if (pgtype != TIMESTAMPTZOID)
					elog(ERROR, "cannot bind type %u to a CQL timestamp", pgtype);
				if (TIMESTAMP_NOT_FINITE(ts))
					return false;
				/* microseconds since 1970 (PostgreSQL's range fits) */
				us = ts + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
				ms = us / 1000;
				rem = us % 1000;
				if (rem < 0)
				{
					ms--;		/* floor */
					rem += 1000;
				}
				if (rem != 0)
				{
					if (round == 0)
						return false;	/* no millisecond equals it */
					if (round > 0)
						ms++;
				}
				rc = cql_encode_timestamp(b, ms);
				break;
			}
		default:
			elog(ERROR, "cannot bind a value to CQL type %s", cql_type_name(t->id));
			return false;
	}
	if (rc == CQL_ERANGE || rc == CQL_ETYPE || rc == CQL_EINVAL)
		return false;			/* a value no key of this type can have */
	if (rc != CQL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not encode a key value: %s", cql_strerror(rc))));
	return true;
}
