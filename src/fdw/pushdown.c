/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		  Which conditions Cassandra can serve, and binding their values.
 *
 * A condition is sent to Cassandra only where CQL serves it efficiently and
 * both databases give the same answer:
 *
 *	- equality on every partition key column (a single-partition read,
 *	  routed to a replica), then equality on a prefix of the clustering
 *	  columns;
 *	- only for types whose equality is the same on both sides: integers,
 *	  text under a deterministic collation, uuid, boolean, bytea, date.
 *	  (Not floats: Cassandra tells 0.0 from -0.0 in keys; not numeric: it
 *	  tells 1.0 from 1.00; not timestamps: PostgreSQL has microseconds.)
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
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"

#include "cql_fdw.h"

/* The PostgreSQL type a key column must have for its equality to be pushed. */
static Oid
pushable_type(const char *cqltype)
{
	if (strcmp(cqltype, "int") == 0)
		return INT4OID;
	if (strcmp(cqltype, "bigint") == 0)
		return INT8OID;
	if (strcmp(cqltype, "smallint") == 0 || strcmp(cqltype, "tinyint") == 0)
		return INT2OID;
	if (strcmp(cqltype, "text") == 0 || strcmp(cqltype, "varchar") == 0 ||
		strcmp(cqltype, "ascii") == 0)
		return TEXTOID;
	if (strcmp(cqltype, "uuid") == 0 || strcmp(cqltype, "timeuuid") == 0)
		return UUIDOID;
	if (strcmp(cqltype, "boolean") == 0)
		return BOOLOID;
	if (strcmp(cqltype, "blob") == 0)
		return BYTEAOID;
	if (strcmp(cqltype, "date") == 0)
		return DATEOID;
	return InvalidOid;
}

static bool
type_matches(Oid want, Oid coltype)
{
	if (want == coltype)
		return true;
	/* varchar columns compare as text */
	return want == TEXTOID && coltype == VARCHAROID;
}

static Expr *
strip_relabel(Expr *e)
{
	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e;
}

/* Is opno an equality operator of the btree family of type? */
static bool
is_equality(Oid opno, Oid type)
{
	Oid			opclass = GetDefaultOpClass(type, BTREE_AM_OID);

	if (!OidIsValid(opclass))
		return false;
	return get_op_opfamily_strategy(opno, get_opclass_family(opclass)) == BTEqualStrategyNumber;
}

/*
 * If rinfo is "key column = expression" with an expression that can be
 * bound, return the key's column index in meta and set *value; else -1.
 * outer_ok allows the expression to use other relations' columns (a
 * parameterized path).
 */
int
cqlfdw_key_equality(RelOptInfo *baserel, const CqlKeyMap *map,
					RestrictInfo *rinfo, bool outer_ok, Expr **value)
{
	OpExpr	   *op;
	Expr	   *left;
	Expr	   *right;
	Var		   *var;
	Expr	   *other;
	int			col;

	if (!IsA(rinfo->clause, OpExpr))
		return -1;
	op = (OpExpr *) rinfo->clause;
	if (list_length(op->args) != 2)
		return -1;
	left = strip_relabel(linitial(op->args));
	right = strip_relabel(lsecond(op->args));
	if (IsA(left, Var) && (Index) ((Var *) left)->varno == baserel->relid &&
		((Var *) left)->varlevelsup == 0)
	{
		var = (Var *) left;
		other = lsecond(op->args);
	}
	else if (IsA(right, Var) && (Index) ((Var *) right)->varno == baserel->relid &&
			 ((Var *) right)->varlevelsup == 0)
	{
		var = (Var *) right;
		other = linitial(op->args);
	}
	else
		return -1;
	if (var->varattno <= 0 || var->varattno > map->natts)
		return -1;
	col = map->meta_index[var->varattno - 1];
	if (col < 0 || !map->key[var->varattno - 1])
		return -1;

	/* the other side: no column of this relation, nothing volatile */
	if (bms_is_member(baserel->relid, pull_varnos(NULL, (Node *) other)))
		return -1;
	if (contain_volatile_functions((Node *) other))
		return -1;
	if (!outer_ok && contain_var_clause((Node *) other))
		return -1;

	/* a type whose equality both databases agree on */
	if (!type_matches(map->pushable[var->varattno - 1], var->vartype))
		return -1;
	if (!is_equality(op->opno, var->vartype))
		return -1;
	if (OidIsValid(op->inputcollid) && !get_collation_isdeterministic(op->inputcollid))
		return -1;

	*value = other;
	return col;
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
	map->attnum_of = palloc0(sizeof(AttrNumber) * Max(meta->ncolumns, 1));
	for (int i = 0; i < map->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
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
		map->pushable[i] = pushable_type(meta->columns[col].type);
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
	int			rc;

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
