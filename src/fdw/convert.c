/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  Cassandra values to PostgreSQL Datums, straight from a page.
 *
 * Each CQL type has a natural PostgreSQL type (the table in DESIGN.md), and
 * a few other types a column may be declared with.  When a scan starts,
 * every column's declared type is checked against the CQL type of its
 * cells, and a plan (a CqlConv tree, one node per level of nesting) is
 * built; a declared type that cannot hold every value of the CQL type is an
 * error then, naming both types, not a surprise on some later row.  The
 * rules (README.md, "Types"):
 *
 *	- the natural type, or a type that holds every value of it exactly:
 *	  tinyint/smallint into integer, bigint, numeric, real, double; int into
 *	  bigint, numeric, double; bigint into numeric; float into double;
 *	  timestamp into timestamp without time zone (the local time in
 *	  TimeZone, as the cast gives it and writes take it); inet into cidr;
 *	- a string type (text, varchar(n), char(n), citext ...) for any CQL
 *	  type: the text of the natural type's value for a scalar, the JSON text
 *	  for a collection, tuple, UDT or vector;
 *	- json or jsonb for any CQL type, in the shape to_jsonb() gives the
 *	  natural value (CQL text itself is parsed as JSON);
 *	- an array for a list, set or vector whose element type is accepted;
 *	- a composite type for a tuple (by position, same arity) or a UDT (by
 *	  attribute name, the same set of names, case-sensitive);
 *	- an enum for CQL text (the label must exist);
 *	- a domain over any of these, with its constraints checked.
 *
 * Typmods are checked per value: a value that varchar(n), numeric(p,s),
 * time(p) ... could hold only by truncating or rounding is an error.  So is
 * every value PostgreSQL cannot hold exactly (a date or timestamp beyond its
 * range, sub-microsecond nanoseconds, text containing U+0000, a decimal with
 * more digits than numeric holds): the message names the table, the column
 * and the value, whatever type the column is declared with.
 *
 * The leaves of the plans, scalars decoded into Datums, values written as
 * JSON and values shown in messages, are in decode.c.
 *
 * IDENTIFICATION
 *		  src/fdw/convert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "cql_fdw.h"
#include "convert.h"

typedef enum CqlConvKind
{
	CONV_SCALAR,				/* a scalar into its natural type, or widened */
	CONV_TEXT,					/* the text form, into a string type or enum */
	CONV_JSON,					/* json or jsonb */
	CONV_ARRAY,					/* list, set or vector into an array */
	CONV_COMPOSITE				/* tuple or UDT into a composite type */
} CqlConvKind;

/* How the values of one CQL type become Datums of one PostgreSQL type. */
typedef struct CqlConv CqlConv;
struct CqlConv
{
	CqlConvKind kind;
	const cql_type *ctype;
	Oid			target;			/* as declared: maybe a domain */
	Oid			base;			/* the type under the domains */
	int32		typmod;
	MemoryContext cxt;			/* where the plan lives (domain_check's cache) */

	/* domains */
	bool		is_domain;
	void	   *domain_extra;

	/* typmod: the length coercion, and equality to prove it changed nothing */
	bool		check_typmod;
	FmgrInfo	typmod_func;
	FmgrInfo	eq_func;

	/* CONV_TEXT: the string type's input (unless text), its length limit */
	bool		text_input;
	FmgrInfo	in_func;
	Oid			in_ioparam;
	int32		max_chars;		/* varchar(n), char(n): n; else -1 */

	/* CONV_ARRAY */
	CqlConv    *elem;
	Oid			elem_type;
	int16		elem_len;
	bool		elem_byval;
	char		elem_align;

	/* CONV_COMPOSITE: per CQL field, its attribute (or -1) and plan */
	TupleDesc	tupdesc;
	int		   *field_att;
	CqlConv   **field_conv;
};

typedef struct CqlConvColumn
{
	AttrNumber	attnum;
	const char *name;			/* PostgreSQL column name, for messages */
	const cql_type *type;		/* CQL type of the cell */
	CqlConv    *conv;
} CqlConvColumn;

struct CqlConvState
{
	const char *relname;
	int			ncolumns;
	CqlConvColumn *columns;
	int			current;		/* column being converted, for messages */
};

static void conversion_error_callback(void *arg);
static CqlConv *build_conv(const cql_type *t, Oid target, int32 typmod,
						   StringInfo why);
static Datum convert_value(CqlConvState *cs, CqlConv *c, cql_slice v, bool *isnull);

/* ---------- types ---------- */

/* The PostgreSQL type a CQL type reads as by default, or InvalidOid. */
Oid
cqlfdw_natural_type(const cql_type *t)
{
	switch (t->id)
	{
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			return TEXTOID;
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
			return INT2OID;
		case CQL_TYPE_INT:
			return INT4OID;
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
			return INT8OID;
		case CQL_TYPE_VARINT:
		case CQL_TYPE_DECIMAL:
			return NUMERICOID;
		case CQL_TYPE_FLOAT:
			return FLOAT4OID;
		case CQL_TYPE_DOUBLE:
			return FLOAT8OID;
		case CQL_TYPE_BOOLEAN:
			return BOOLOID;
		case CQL_TYPE_BLOB:
		case CQL_TYPE_CUSTOM:	/* a type we do not know: its bytes */
			return BYTEAOID;
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			return UUIDOID;
		case CQL_TYPE_INET:
			return INETOID;
		case CQL_TYPE_DATE:
			return DATEOID;
		case CQL_TYPE_TIME:
			return TIMEOID;
		case CQL_TYPE_TIMESTAMP:
			return TIMESTAMPTZOID;
		case CQL_TYPE_DURATION:
			return INTERVALOID;
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
			{
				/* of a scalar: an array of its natural type */
				Oid			elem = cqlfdw_natural_type(t->sub[0]);

				if (OidIsValid(elem) && !type_is_array(elem) && elem != JSONBOID)
					return get_array_type(elem);
				return JSONBOID;
			}
		case CQL_TYPE_VECTOR:
			if (t->sub[0]->id == CQL_TYPE_FLOAT)
				return FLOAT4ARRAYOID;
			return JSONBOID;
		case CQL_TYPE_MAP:
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			return JSONBOID;
		default:
			return InvalidOid;
	}
}

/* a collection, tuple, UDT or vector: a value with values inside */
bool
cqlfdw_is_container(const cql_type *t)
{
	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_MAP:
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
		case CQL_TYPE_VECTOR:
			return true;
		default:
			return false;
	}
}

bool
cqlfdw_is_cql_text(const cql_type *t)
{
	return t->id == CQL_TYPE_ASCII || t->id == CQL_TYPE_VARCHAR;
}

/*
 * Cassandra stores zero-length values for fixed-size types (blobAsInt(0x))
 * and for containers; they read as null everywhere.  An empty text or blob
 * is a value.
 */
bool
cqlfdw_empty_is_null(const cql_type *t, cql_slice v)
{
	return v.len == 0 && !cqlfdw_is_cql_text(t) && t->id != CQL_TYPE_BLOB &&
		t->id != CQL_TYPE_CUSTOM;
}

/*
 * The scalar types a CQL scalar type reads as, natural type first: only
 * types that hold every value of the CQL type exactly.  The string types,
 * json and jsonb are accepted for every type besides these.
 */
static int
scalar_targets(const cql_type *t, Oid *out)
{
	int			n = 0;

	switch (t->id)
	{
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
			out[n++] = INT2OID;
			out[n++] = INT4OID;
			out[n++] = INT8OID;
			out[n++] = NUMERICOID;
			out[n++] = FLOAT4OID;	/* 24-bit mantissa: exact */
			out[n++] = FLOAT8OID;
			break;
		case CQL_TYPE_INT:
			out[n++] = INT4OID;
			out[n++] = INT8OID;
			out[n++] = NUMERICOID;
			out[n++] = FLOAT8OID;	/* 53-bit mantissa: exact */
			break;
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
			out[n++] = INT8OID;
			out[n++] = NUMERICOID;
			break;
		case CQL_TYPE_FLOAT:
			out[n++] = FLOAT4OID;
			out[n++] = FLOAT8OID;
			break;
		case CQL_TYPE_TIMESTAMP:
			out[n++] = TIMESTAMPTZOID;
			out[n++] = TIMESTAMPOID;
			break;
		case CQL_TYPE_INET:
			out[n++] = INETOID;
			out[n++] = CIDROID;
			break;
		default:
			if (!cqlfdw_is_container(t) && OidIsValid(cqlfdw_natural_type(t)))
				out[n++] = cqlfdw_natural_type(t);
			break;
	}
	return n;
}

static void
describe_type(StringInfo buf, const cql_type *t)
{
	if (t->id == CQL_TYPE_CUSTOM)
	{
		appendStringInfo(buf, "'%s'", t->custom_class ? t->custom_class : "?");
		return;
	}
	if (t->id == CQL_TYPE_UDT)
	{
		appendStringInfo(buf, "%s.%s", t->keyspace, t->name);
		return;
	}
	appendStringInfoString(buf, cql_type_name(t->id));
	if (t->nsub > 0)
	{
		appendStringInfoChar(buf, '<');
		for (int i = 0; i < t->nsub; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			describe_type(buf, t->sub[i]);
		}
		if (t->id == CQL_TYPE_VECTOR)
			appendStringInfo(buf, ", %d", t->dimension);
		appendStringInfoChar(buf, '>');
	}
}

static char *
type_text(const cql_type *t)
{
	StringInfoData buf;

	initStringInfo(&buf);
	describe_type(&buf, t);
	return buf.data;
}

/* What a column of CQL type t may be declared as, for a hint. */
static char *
accepted_types(const cql_type *t)
{
	StringInfoData buf;
	Oid			types[8];
	int			n = scalar_targets(t, types);

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s, ", format_type_be(types[i]));
	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_VECTOR:
			appendStringInfo(&buf, "an array of a type %s reads as, ",
							 type_text(t->sub[0]));
			break;
		case CQL_TYPE_TUPLE:
			appendStringInfo(&buf, "a composite type of %d attributes, ", t->nsub);
			break;
		case CQL_TYPE_UDT:
			appendStringInfoString(&buf, "a composite type with an attribute per field (");
			for (int i = 0; i < t->nsub; i++)
				appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
								 quote_identifier(t->field_names[i]));
			appendStringInfoString(&buf, "), ");
			break;
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			appendStringInfoString(&buf, "an enum, ");
			break;
		default:
			break;
	}
	appendStringInfoString(&buf, "a string type, json or jsonb");
	return buf.data;
}

/* ---------- the plan, built when the scan starts ---------- */

static bool
is_string_type(Oid base)
{
	char		category;
	bool		preferred;

	if (base == TEXTOID || base == VARCHAROID || base == BPCHAROID)
		return true;
	if (base == NAMEOID)		/* would truncate at NAMEDATALEN silently */
		return false;
	get_type_category_preferred(base, &category, &preferred);
	return category == TYPCATEGORY_STRING;
}

/* Set up the per-value typmod check of c, where the type has one. */
static void
setup_typmod(CqlConv *c)
{
	Oid			funcid;
	TypeCacheEntry *tce;

	if (c->typmod < 0)
		return;
	if (find_typmod_coercion_function(c->base, &funcid) != COERCION_PATH_FUNC)
		return;
	tce = lookup_type_cache(c->base, TYPECACHE_EQ_OPR_FINFO);
	if (!OidIsValid(tce->eq_opr_finfo.fn_oid))
		return;
	c->check_typmod = true;
	fmgr_info(funcid, &c->typmod_func);
	fmgr_info_copy(&c->eq_func, &tce->eq_opr_finfo, CurrentMemoryContext);
}

static CqlConv *
build_composite(CqlConv *c, const cql_type *t, StringInfo why)
{
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(c->base, -1);
	int			nlive = 0;

	c->kind = CONV_COMPOSITE;
	c->tupdesc = desc;
	c->field_att = palloc(sizeof(int) * Max(t->nsub, 1));
	c->field_conv = palloc0(sizeof(CqlConv *) * Max(t->nsub, 1));
	for (int a = 0; a < desc->natts; a++)
		if (!TupleDescAttr(desc, a)->attisdropped)
			nlive++;

	if (t->id == CQL_TYPE_TUPLE)
	{
		int			a = 0;

		if (nlive != t->nsub)
		{
			appendStringInfo(why, "Type %s has %d attributes, the Cassandra tuple %d elements",
							 format_type_be(c->target), nlive, t->nsub);
			return NULL;
		}
		for (int i = 0; i < t->nsub; i++, a++)
		{
			Form_pg_attribute att;

			while (TupleDescAttr(desc, a)->attisdropped)
				a++;
			att = TupleDescAttr(desc, a);
			c->field_att[i] = a;
			c->field_conv[i] = build_conv(t->sub[i], att->atttypid, att->atttypmod, why);
			if (c->field_conv[i] == NULL)
			{
				appendStringInfo(why, ", in element %d of %s (attribute \"%s\" of type %s)",
								 i + 1, type_text(t), NameStr(att->attname),
								 format_type_be(c->target));
				return NULL;
			}
		}
		return c;
	}

	/* a UDT: by name, every field an attribute and every attribute a field */
	for (int i = 0; i < t->nsub; i++)
	{
		Form_pg_attribute att = NULL;
		int			a;

		for (a = 0; a < desc->natts; a++)
		{
			att = TupleDescAttr(desc, a);
			if (!att->attisdropped && strcmp(NameStr(att->attname), t->field_names[i]) == 0)
				break;
		}
		if (a == desc->natts)
		{
			appendStringInfo(why, "Field \"%s\" of Cassandra type %s has no attribute of that name in type %s",
							 t->field_names[i], type_text(t), format_type_be(c->target));
			return NULL;
		}
		c->field_att[i] = a;
		c->field_conv[i] = build_conv(t->sub[i], att->atttypid, att->atttypmod, why);
		if (c->field_conv[i] == NULL)
		{
			appendStringInfo(why, ", in field \"%s\" of %s (type %s)",
							 t->field_names[i], type_text(t), format_type_be(c->target));
			return NULL;
		}
	}
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		bool		found = false;

		if (att->attisdropped)
			continue;
		for (int i = 0; i < t->nsub && !found; i++)
			found = c->field_att[i] == a;
		if (!found)
		{
			appendStringInfo(why, "Attribute \"%s\" of type %s matches no field of Cassandra type %s (field names compare case-sensitively)",
							 NameStr(att->attname), format_type_be(c->target), type_text(t));
			return NULL;
		}
	}
	return c;
}

/*
 * The plan to read values of CQL type t into a PostgreSQL type, or NULL
 * with the reason appended to why.
 */
static CqlConv *
build_conv(const cql_type *t, Oid target, int32 typmod, StringInfo why)
{
	CqlConv    *c = palloc0(sizeof(CqlConv));
	Oid			types[8];
	int			n;

	c->ctype = t;
	c->target = target;
	c->typmod = typmod;
	c->max_chars = -1;
	c->cxt = CurrentMemoryContext;
	c->base = getBaseTypeAndTypmod(target, &c->typmod);
	c->is_domain = c->base != target;

	if (!OidIsValid(cqlfdw_natural_type(t)))
	{
		appendStringInfo(why, "cql_fdw cannot read Cassandra type %s", type_text(t));
		return NULL;
	}

	if (c->base == JSONOID || c->base == JSONBOID)
	{
		c->kind = CONV_JSON;
		return c;
	}

	if (is_string_type(c->base))
	{
		c->kind = CONV_TEXT;
		if (c->base != TEXTOID)
		{
			Oid			infunc;

			c->text_input = true;
			getTypeInputInfo(c->base, &infunc, &c->in_ioparam);
			fmgr_info(infunc, &c->in_func);
			if ((c->base == VARCHAROID || c->base == BPCHAROID) && c->typmod >= VARHDRSZ)
				c->max_chars = c->typmod - VARHDRSZ;
		}
		return c;
	}

	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_VECTOR:
			c->elem_type = get_element_type(c->base);
			if (OidIsValid(c->elem_type))
			{
				c->kind = CONV_ARRAY;
				/* an array's typmod is its elements' */
				c->elem = build_conv(t->sub[0], c->elem_type, c->typmod, why);
				if (c->elem == NULL)
				{
					appendStringInfo(why, ", in the elements of %s", type_text(t));
					return NULL;
				}
				get_typlenbyvalalign(c->elem_type, &c->elem_len, &c->elem_byval,
									 &c->elem_align);
				return c;
			}
			break;
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			if (get_typtype(c->base) == TYPTYPE_COMPOSITE)
				return build_composite(c, t, why);
			break;
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			if (type_is_enum(c->base))
			{
				Oid			infunc;

				c->kind = CONV_TEXT;
				c->text_input = true;
				getTypeInputInfo(c->base, &infunc, &c->in_ioparam);
				fmgr_info(infunc, &c->in_func);
				return c;
			}
			break;
		default:
			break;
	}

	n = scalar_targets(t, types);
	for (int i = 0; i < n; i++)
	{
		if (types[i] == c->base)
		{
			c->kind = CONV_SCALAR;
			setup_typmod(c);
			return c;
		}
	}

	appendStringInfo(why, "Cassandra type %s cannot be read as %s",
					 type_text(t), format_type_be(target));
	return NULL;
}

/*
 * Prepare to convert the columns of result pages: attnums[i] receives the
 * i-th column of each row.  Every column's declared type is checked here,
 * before the first row.
 */
CqlConvState *
cqlfdw_conv_init(Relation rel, const List *attnums, const cql_result *res)
{
	CqlConvState *cs = palloc0(sizeof(CqlConvState));
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i = 0;
	const ListCell *lc;

	cs->relname = pstrdup(RelationGetRelationName(rel));
	cs->ncolumns = list_length(attnums);
	cs->columns = palloc0(sizeof(CqlConvColumn) * Max(cs->ncolumns, 1));
	cs->current = -1;

	if (cql_result_column_count(res) != cs->ncolumns)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
				 errmsg("Cassandra returned %d columns for foreign table \"%s\", expected %d",
						cql_result_column_count(res), cs->relname, cs->ncolumns)));

	foreach(lc, attnums)
	{
		CqlConvColumn *col = &cs->columns[i];
		const cql_column *cc = cql_result_column(res, i);
		Form_pg_attribute att;
		StringInfoData why;

		col->attnum = lfirst_int(lc);
		if (col->attnum <= 0)
		{
			/* a column read only to have a selector (count(*)) */
			col->name = NULL;
			col->type = cc ? cc->type : NULL;
			i++;
			continue;
		}
		att = TupleDescAttr(tupdesc, col->attnum - 1);
		col->name = pstrdup(NameStr(att->attname));
		if (cc == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
					 errmsg("Cassandra returned no metadata for column \"%s\" of foreign table \"%s\"",
							col->name, cs->relname)));
		col->type = cc->type;
		initStringInfo(&why);
		col->conv = build_conv(col->type, att->atttypid, att->atttypmod, &why);
		if (col->conv == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" of foreign table \"%s\" has type %s, which cannot hold Cassandra type %s",
							col->name, cs->relname,
							format_type_with_typemod(att->atttypid, att->atttypmod),
							type_text(col->type)),
					 errdetail("%s.", why.data),
					 errhint("Cassandra type %s reads as %s.",
							 type_text(col->type), accepted_types(col->type))));
		pfree(why.data);
		i++;
	}
	return cs;
}

/* ---------- messages ---------- */

/* The column being converted, for the primary message */
static const char *
column_name(const CqlConvState *cs)
{
	if (cs->current >= 0 && cs->current < cs->ncolumns)
		return cs->columns[cs->current].name;
	return "?";
}

void
cqlfdw_value_error(CqlConvState *cs, int sqlstate, const char *what,
				   const char *value, const char *problem)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("Cassandra %s value %s in column \"%s\" of foreign table \"%s\" %s",
					what, value, column_name(cs), cs->relname, problem)));
}

/* ---------- converting a value ---------- */

/*
 * The text form of a non-null value: the string itself for CQL text, the
 * JSON text for a container, the natural type's output otherwise.
 */
static char *
text_form(CqlConvState *cs, const cql_type *t, cql_slice v)
{
	Datum		d;
	Oid			natural;
	Oid			outfunc;
	bool		isvarlena;

	if (cqlfdw_is_cql_text(t))
		return cqlfdw_cql_cstring(cs, t, v);
	if (cqlfdw_is_container(t))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		cqlfdw_append_json(cs, &buf, t, v);
		return buf.data;
	}
	natural = cqlfdw_natural_type(t);
	if (!cqlfdw_decode_scalar(cs, t, v, natural, &d))
		elog(ERROR, "empty value of CQL type %d not read as null", t->id);
	getTypeOutputInfo(natural, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, d);
}

static Datum
convert_text(CqlConvState *cs, CqlConv *c, cql_slice v)
{
	char	   *s;

	if (c->base == TEXTOID && cqlfdw_is_cql_text(c->ctype))
		return cqlfdw_cql_text_datum(cs, c->ctype, v);
	s = text_form(cs, c->ctype, v);
	if (!c->text_input)
		return CStringGetTextDatum(s);
	if (c->max_chars >= 0)
	{
		int			len = strlen(s);

		if (pg_mbstrlen_with_len(s, len) > c->max_chars)
			cqlfdw_value_error(cs, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
						type_text(c->ctype), cqlfdw_shown_text(s, len),
						psprintf("is too long for type %s",
								 format_type_with_typemod(c->base, c->typmod)));
	}
	return InputFunctionCall(&c->in_func, s, c->in_ioparam, c->typmod);
}

static Datum
convert_json(CqlConvState *cs, CqlConv *c, cql_slice v)
{
	char	   *s;

	if (cqlfdw_is_cql_text(c->ctype))
		s = cqlfdw_cql_cstring(cs, c->ctype, v);	/* a JSON document kept as text */
	else
	{
		StringInfoData buf;

		initStringInfo(&buf);
		cqlfdw_append_json(cs, &buf, c->ctype, v);
		s = buf.data;
	}
	if (c->base == JSONBOID)
		return DirectFunctionCall1(jsonb_in, CStringGetDatum(s));
	return DirectFunctionCall1(json_in, CStringGetDatum(s));
}

static Datum
convert_array(CqlConvState *cs, CqlConv *c, cql_slice v, bool *isnull)
{
	const cql_type *t = c->ctype;
	cql_iter	it;
	cql_slice	e;
	int			n = 0;
	int			cap;
	Datum	   *elems;
	bool	   *nulls;
	int			dims[1];
	int			lbs[1] = {1};
	int			rc;

	rc = cql_iter_begin(v, t, &it);
	if (rc == CQL_EMPTY)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (rc != CQL_OK)
		cqlfdw_malformed(t, v);
	cap = Max(cql_iter_size(&it), 1);
	elems = palloc(sizeof(Datum) * cap);
	nulls = palloc(sizeof(bool) * cap);
	while ((rc = cql_iter_next(&it, &e)) == 1)
	{
		if (n >= cap)
			cqlfdw_malformed(t, v);
		elems[n] = convert_value(cs, c->elem, e, &nulls[n]);
		n++;
	}
	if (rc < 0)
		cqlfdw_malformed(t, v);
	if (n == 0)
		return PointerGetDatum(construct_empty_array(c->elem_type));
	dims[0] = n;
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, c->elem_type,
											  c->elem_len, c->elem_byval, c->elem_align));
}

static Datum
convert_composite(CqlConvState *cs, CqlConv *c, cql_slice v, bool *isnull)
{
	TupleDesc	desc = c->tupdesc;
	Datum	   *values = palloc0(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	cql_iter	it;
	cql_slice	e;
	int			rc;
	int			i;

	rc = cql_iter_begin(v, c->ctype, &it);
	if (rc == CQL_EMPTY)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (rc != CQL_OK)
		cqlfdw_malformed(c->ctype, v);
	memset(nulls, true, sizeof(bool) * Max(desc->natts, 1));
	/* fields missing at the end of the value come as nulls */
	for (i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
	{
		int			a = c->field_att[i];

		values[a] = convert_value(cs, c->field_conv[i], e, &nulls[a]);
	}
	if (rc < 0)
		cqlfdw_malformed(c->ctype, v);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

/*
 * Apply the declared typmod; a value it would change (round, truncate) is
 * an error, not a quiet change.
 */
static Datum
check_typmod(CqlConvState *cs, CqlConv *c, Datum d)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Datum coerced = (Datum) 0;
	volatile bool fits = true;

	PG_TRY();
	{
		coerced = FunctionCall3(&c->typmod_func, d, Int32GetDatum(c->typmod),
								BoolGetDatum(false));
	}
	PG_CATCH();
	{
		/* an overflow (numeric(p,s)): reported below, with the value */
		MemoryContextSwitchTo(cxt);
		cqlfdw_catch_data_exception();
		fits = false;
	}
	PG_END_TRY();
	if (fits)
		fits = DatumGetBool(FunctionCall2Coll(&c->eq_func, InvalidOid, d, coerced));
	if (!fits)
	{
		Oid			outfunc;
		bool		isvarlena;
		int			sqlstate = c->base == NUMERICOID ?
			ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE : ERRCODE_DATETIME_VALUE_OUT_OF_RANGE;

		getTypeOutputInfo(c->base, &outfunc, &isvarlena);
		cqlfdw_value_error(cs, sqlstate, type_text(c->ctype),
					OidOutputFunctionCall(outfunc, d),
					psprintf("does not fit type %s exactly",
							 format_type_with_typemod(c->base, c->typmod)));
	}
	return coerced;
}

/* A value of c's CQL type as a Datum of c's target type. */
static Datum
convert_value(CqlConvState *cs, CqlConv *c, cql_slice v, bool *isnull)
{
	Datum		d = (Datum) 0;

	*isnull = v.len < 0 || cqlfdw_empty_is_null(c->ctype, v);
	if (!*isnull)
	{
		switch (c->kind)
		{
			case CONV_SCALAR:
				*isnull = !cqlfdw_decode_scalar(cs, c->ctype, v, c->base, &d);
				break;
			case CONV_TEXT:
				d = convert_text(cs, c, v);
				break;
			case CONV_JSON:
				d = convert_json(cs, c, v);
				break;
			case CONV_ARRAY:
				d = convert_array(cs, c, v, isnull);
				break;
			case CONV_COMPOSITE:
				d = convert_composite(cs, c, v, isnull);
				break;
		}
	}
	if (!*isnull && c->check_typmod)
		d = check_typmod(cs, c, d);
	if (c->is_domain)
		domain_check(d, *isnull, c->target, &c->domain_extra, c->cxt);
	return d;
}

/* Fill values/nulls (the relation's width) from one row's cells. */
void
cqlfdw_conv_row(CqlConvState *cs, const cql_slice *cells, Datum *values, bool *nulls)
{
	ErrorContextCallback errcallback;

	errcallback.callback = conversion_error_callback;
	errcallback.arg = cs;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (int i = 0; i < cs->ncolumns; i++)
	{
		CqlConvColumn *col = &cs->columns[i];

		if (col->attnum <= 0)
			continue;
		cs->current = i;
		values[col->attnum - 1] = convert_value(cs, col->conv, cells[i],
												&nulls[col->attnum - 1]);
	}
	cs->current = -1;
	error_context_stack = errcallback.previous;
}

static void
conversion_error_callback(void *arg)
{
	CqlConvState *cs = (CqlConvState *) arg;

	if (cs->current >= 0 && cs->current < cs->ncolumns)
		errcontext("column \"%s\" of foreign table \"%s\"",
				   cs->columns[cs->current].name, cs->relname);
}
