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
 *	  timestamp into timestamp without time zone (the local time in the
 *	  session's TimeZone, as timestamptz::timestamp and writes take it); inet into
 *	  cidr;
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
 * IDENTIFICATION
 *		  src/fdw/convert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/inet.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "cql_fdw.h"

/*
 * numeric's limits (numeric.c keeps them private): 16383 digits after the
 * point, and a base-10000 weight of at most 32767, so 131072 digits before.
 */
#define CQLFDW_NUMERIC_MAX_SCALE		16383
#define CQLFDW_NUMERIC_MAX_INT_DIGITS	131072

/* how long a value shown in a message may be before it is abbreviated */
#define CQLFDW_SHOW_MAX		64

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
static void append_json(CqlConvState *cs, StringInfo buf, const cql_type *t,
						cql_slice v);
static bool decode_scalar(CqlConvState *cs, const cql_type *t, cql_slice v,
						  Oid base, Datum *out);

/* ---------- types ---------- */

/* The PostgreSQL type a CQL type reads as by default, or InvalidOid. */
static Oid
natural_type(const cql_type *t)
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
				Oid			elem = natural_type(t->sub[0]);

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

static bool
is_container(const cql_type *t)
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

static bool
is_cql_text(const cql_type *t)
{
	return t->id == CQL_TYPE_ASCII || t->id == CQL_TYPE_VARCHAR;
}

/*
 * Cassandra stores zero-length values for fixed-size types (blobAsInt(0x))
 * and for containers; they read as null everywhere.  An empty text or blob
 * is a value.
 */
static bool
empty_is_null(const cql_type *t, cql_slice v)
{
	return v.len == 0 && !is_cql_text(t) && t->id != CQL_TYPE_BLOB &&
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
			if (!is_container(t) && OidIsValid(natural_type(t)))
				out[n++] = natural_type(t);
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

	if (!OidIsValid(natural_type(t)))
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

/* ---------- values shown in messages ---------- */

/* Proleptic Gregorian date of a day count from 1970-01-01, for any count. */
static void
civil_from_days(int64 z, int64 *y, int *m, int *d)
{
	int64		era;
	int64		doe;
	int64		yoe;
	int64		doy;
	int64		mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ISO 8601 with astronomical years: year 0 is 1 BC, -1 is 2 BC */
static void
append_civil_date(StringInfo buf, int64 days)
{
	int64		y;
	int			m;
	int			d;

	civil_from_days(days, &y, &m, &d);
	if (y < 0)
		appendStringInfo(buf, "-%04lld-%02d-%02d", (long long) -y, m, d);
	else
		appendStringInfo(buf, "%04lld-%02d-%02d", (long long) y, m, d);
}

static void
append_time_of_day(StringInfo buf, int64 ns)
{
	appendStringInfo(buf, "%02d:%02d:%02d",
					 (int) (ns / (INT64CONST(3600) * 1000000000)),
					 (int) (ns / (INT64CONST(60) * 1000000000) % 60),
					 (int) (ns / 1000000000 % 60));
	if (ns % 1000000000 != 0)
	{
		char		frac[16];
		int			len;

		len = snprintf(frac, sizeof(frac), "%09lld", (long long) (ns % 1000000000));
		while (len > 0 && frac[len - 1] == '0')
			frac[--len] = '\0';
		appendStringInfo(buf, ".%s", frac);
	}
}

/* A duration as CQL writes it: 1y2mo3d4h5m6s7ms8us9ns, with a leading - */
static char *
duration_text(int32 months, int32 days, int64 nanos)
{
	StringInfoData buf;
	uint64		m = months < 0 ? -(int64) months : months;
	uint64		d = days < 0 ? -(int64) days : days;
	uint64		ns = nanos < 0 ? -(uint64) nanos : (uint64) nanos;
	static const struct
	{
		uint64		unit;
		const char *name;
	}			parts[] = {
		{UINT64CONST(3600000000000), "h"}, {UINT64CONST(60000000000), "m"},
		{UINT64CONST(1000000000), "s"}, {UINT64CONST(1000000), "ms"},
		{UINT64CONST(1000), "us"}, {UINT64CONST(1), "ns"}
	};

	initStringInfo(&buf);
	if (months < 0 || days < 0 || nanos < 0)
		appendStringInfoChar(&buf, '-');
	if (m / 12)
		appendStringInfo(&buf, "%lluy", (unsigned long long) (m / 12));
	if (m % 12)
		appendStringInfo(&buf, "%llumo", (unsigned long long) (m % 12));
	if (d)
		appendStringInfo(&buf, "%llud", (unsigned long long) d);
	for (int i = 0; i < (int) lengthof(parts); i++)
	{
		if (ns / parts[i].unit)
			appendStringInfo(&buf, "%llu%s", (unsigned long long) (ns / parts[i].unit),
							 parts[i].name);
		ns %= parts[i].unit;
	}
	if (m == 0 && d == 0 && nanos == 0)
		appendStringInfoString(&buf, "0s");
	return buf.data;
}

/* Text quoted for a message: at most CQLFDW_SHOW_MAX bytes, U+0000 as \0. */
static char *
shown_text(const char *s, int len)
{
	StringInfoData buf;
	int			shown = 0;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '\'');
	for (int i = 0; i < len; i++)
	{
		if (shown >= CQLFDW_SHOW_MAX && (((unsigned char) s[i]) & 0xC0) != 0x80)
		{
			appendStringInfo(&buf, "...' (%d bytes)", len);
			return buf.data;
		}
		if (s[i] == '\0')
			appendStringInfoString(&buf, "\\0");
		else if (s[i] == '\'')
			appendStringInfoString(&buf, "''");
		else
			appendStringInfoChar(&buf, s[i]);
		shown++;
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/* Long digit strings abbreviated, with their number of digits. */
static char *
shown_number(const char *s)
{
	size_t		len = strlen(s);

	if (len <= CQLFDW_SHOW_MAX)
		return pstrdup(s);
	return psprintf("%.24s...%s (%zu characters)", s, s + len - 12, len);
}

/* The column being converted, for the primary message */
static const char *
column_name(const CqlConvState *cs)
{
	if (cs->current >= 0 && cs->current < cs->ncolumns)
		return cs->columns[cs->current].name;
	return "?";
}

pg_attribute_noreturn()
static void
value_error(CqlConvState *cs, int sqlstate, const char *what,
			const char *value, const char *problem)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("Cassandra %s value %s in column \"%s\" of foreign table \"%s\" %s",
					what, value, column_name(cs), cs->relname, problem)));
}

pg_attribute_noreturn()
static void
malformed(const cql_type *t, cql_slice v)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("malformed Cassandra %s value of %d bytes",
					cql_type_name(t->id), (int) v.len)));
}

/* ---------- scalars ---------- */

/*
 * A numeric from digits (with an optional sign) times 10^-scale, written
 * out in full: numeric_in refuses exponents beyond +-1000, while numeric
 * holds 131072 digits before the point and 16383 after.
 */
static Datum
numeric_from_digits(CqlConvState *cs, const cql_type *t, const char *digits,
					int64 scale, cql_slice v)
{
	const char *mag = digits[0] == '-' ? digits + 1 : digits;
	int64		ndigits = strlen(mag);
	int64		intdigits;
	StringInfoData buf;

	if (strcmp(mag, "0") == 0)
		intdigits = 0;
	else
		intdigits = ndigits - scale;
	if (scale > CQLFDW_NUMERIC_MAX_SCALE || intdigits > CQLFDW_NUMERIC_MAX_INT_DIGITS)
	{
		char	   *shown = (char *) digits;

		if (t->id == CQL_TYPE_DECIMAL)
		{
			size_t		size = cql_decimal_text_size(v);

			shown = palloc(size);
			if (cql_decimal_to_text(v, shown, size) != CQL_OK)
				malformed(t, v);
		}
		value_error(cs, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, cql_type_name(t->id),
					shown_number(shown),
					scale > CQLFDW_NUMERIC_MAX_SCALE ?
					psprintf("has %lld digits after the point, more than type numeric holds (%d)",
							 (long long) scale, CQLFDW_NUMERIC_MAX_SCALE) :
					psprintf("has %lld digits before the point, more than type numeric holds (%d)",
							 (long long) intdigits, CQLFDW_NUMERIC_MAX_INT_DIGITS));
	}

	initStringInfo(&buf);
	if (scale <= 0)
	{
		appendStringInfoString(&buf, digits);
		if (intdigits > 0)
			for (int64 i = 0; i < -scale; i++)
				appendStringInfoChar(&buf, '0');
	}
	else
	{
		if (mag != digits)
			appendStringInfoChar(&buf, '-');
		if (ndigits > scale)
		{
			appendBinaryStringInfo(&buf, mag, (int) (ndigits - scale));
			appendStringInfoChar(&buf, '.');
			appendStringInfoString(&buf, mag + (ndigits - scale));
		}
		else
		{
			appendStringInfoString(&buf, "0.");
			for (int64 i = 0; i < scale - ndigits; i++)
				appendStringInfoChar(&buf, '0');
			appendStringInfoString(&buf, mag);
		}
	}
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf.data),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* The digits of a varint, refusing one too long for numeric before the work. */
static char *
varint_digits(CqlConvState *cs, const cql_type *t, cql_slice v)
{
	size_t		size;
	char	   *buf;

	/* 8 * log10(2) > 2.408 digits per byte past the first */
	if ((double) (v.len - 1) * 2.408 > CQLFDW_NUMERIC_MAX_INT_DIGITS + 1)
		value_error(cs, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, cql_type_name(t->id),
					psprintf("of %d bytes", (int) v.len),
					"is out of range for type numeric");
	size = cql_varint_text_size(v);
	buf = palloc(size);
	if (cql_varint_to_text(v, buf, size) != CQL_OK)
		malformed(t, v);
	return buf;
}

/*
 * Text from Cassandra: UTF-8 without U+0000, in the server's encoding; not
 * NUL-terminated when no conversion was needed (it is then v.data).
 */
static char *
cql_text(CqlConvState *cs, const cql_type *t, cql_slice v)
{
	if (v.len > 0 && memchr(v.data, '\0', v.len) != NULL)
		value_error(cs, ERRCODE_UNTRANSLATABLE_CHARACTER, cql_type_name(t->id),
					shown_text((const char *) v.data, v.len),
					"contains U+0000, which PostgreSQL text cannot hold");
	/* validates the encoding, converts to the server's */
	return pg_any_to_server((const char *) v.data, v.len, PG_UTF8);
}

/* The same, NUL-terminated */
static char *
cql_cstring(CqlConvState *cs, const cql_type *t, cql_slice v)
{
	char	   *s = cql_text(cs, t, v);

	if (s == (const char *) v.data)
		return pnstrdup(s, v.len);
	return s;
}

static Datum
cql_text_datum(CqlConvState *cs, const cql_type *t, cql_slice v)
{
	char	   *s = cql_text(cs, t, v);

	if (s == (const char *) v.data)
		return PointerGetDatum(cstring_to_text_with_len(s, v.len));
	return CStringGetTextDatum(s);
}

static Datum
integer_datum(int64 x, Oid base)
{
	switch (base)
	{
		case INT2OID:
			return Int16GetDatum((int16) x);
		case INT4OID:
			return Int32GetDatum((int32) x);
		case INT8OID:
			return Int64GetDatum(x);
		case NUMERICOID:
			return NumericGetDatum(int64_to_numeric(x));
		case FLOAT4OID:
			return Float4GetDatum((float4) x);
		case FLOAT8OID:
			return Float8GetDatum((float8) x);
		default:
			elog(ERROR, "unexpected integer target type %u", base);
	}
}

pg_attribute_noreturn()
static void
timestamp_range_error(CqlConvState *cs, int64 ms, Oid base)
{
	StringInfoData buf;
	int64		days = ms / 86400000;
	int64		msday = ms % 86400000;

	if (msday < 0)
	{
		msday += 86400000;
		days--;
	}
	initStringInfo(&buf);
	append_civil_date(&buf, days);
	appendStringInfoChar(&buf, ' ');
	append_time_of_day(&buf, msday * 1000000);
	appendStringInfo(&buf, "+00 (%lld ms from 1970-01-01)", (long long) ms);
	value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp", buf.data,
				psprintf("is out of range for type %s", format_type_be(base)));
}

/*
 * In a PG_CATCH block, after switching back out of ErrorContext: swallow a
 * data exception (class 22), which the caller reports naming the value;
 * anything else (a cancel, out of memory) goes on up.
 */
static void
catch_data_exception(void)
{
	ErrorData  *edata = CopyErrorData();

	if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
	{
		FreeErrorData(edata);
		PG_RE_THROW();
	}
	FreeErrorData(edata);
	FlushErrorState();
}

/* A timestamptz as the local time in TimeZone, or the range error */
static Datum
local_timestamp(CqlConvState *cs, int64 ms, Datum tz)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Datum local = (Datum) 0;
	volatile bool fits = true;

	PG_TRY();
	{
		local = DirectFunctionCall1(timestamptz_timestamp, tz);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		catch_data_exception();
		fits = false;
	}
	PG_END_TRY();
	if (!fits)
		timestamp_range_error(cs, ms, TIMESTAMPOID);
	return local;
}

/*
 * A non-null scalar as a Datum of base: its natural type or one of
 * scalar_targets().  False for a zero-length value of a fixed-size type.
 */
static bool
decode_scalar(CqlConvState *cs, const cql_type *t, cql_slice v, Oid base, Datum *out)
{
	int			rc = CQL_OK;

	switch (t->id)
	{
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			*out = cql_text_datum(cs, t, v);
			return true;
		case CQL_TYPE_TINYINT:
			{
				int8_t		x;

				if ((rc = cql_decode_tinyint(v, &x)) == CQL_OK)
					*out = integer_datum(x, base);
				break;
			}
		case CQL_TYPE_SMALLINT:
			{
				int16_t		x;

				if ((rc = cql_decode_smallint(v, &x)) == CQL_OK)
					*out = integer_datum(x, base);
				break;
			}
		case CQL_TYPE_INT:
			{
				int32_t		x;

				if ((rc = cql_decode_int(v, &x)) == CQL_OK)
					*out = integer_datum(x, base);
				break;
			}
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
			{
				int64_t		x;

				if ((rc = cql_decode_bigint(v, &x)) == CQL_OK)
					*out = integer_datum(x, base);
				break;
			}
		case CQL_TYPE_FLOAT:
			{
				float		x;

				if ((rc = cql_decode_float(v, &x)) == CQL_OK)
					*out = base == FLOAT8OID ? Float8GetDatum((float8) x) : Float4GetDatum(x);
				break;
			}
		case CQL_TYPE_DOUBLE:
			{
				double		x;

				if ((rc = cql_decode_double(v, &x)) == CQL_OK)
					*out = Float8GetDatum(x);
				break;
			}
		case CQL_TYPE_BOOLEAN:
			{
				bool		x;

				if ((rc = cql_decode_boolean(v, &x)) == CQL_OK)
					*out = BoolGetDatum(x);
				break;
			}
		case CQL_TYPE_BLOB:
		case CQL_TYPE_CUSTOM:
			{
				bytea	   *b = palloc(VARHDRSZ + v.len);

				SET_VARSIZE(b, VARHDRSZ + v.len);
				if (v.len > 0)
					memcpy(VARDATA(b), v.data, v.len);
				*out = PointerGetDatum(b);
				return true;
			}
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			{
				pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

				if ((rc = cql_decode_uuid(v, u->data)) == CQL_OK)
					*out = UUIDPGetDatum(u);
				break;
			}
		case CQL_TYPE_INET:
			{
				uint8_t		addr[16];
				int			len;

				if ((rc = cql_decode_inet(v, addr, &len)) == CQL_OK)
				{
					inet	   *ip = palloc0(sizeof(inet));

					/* a host address: as cidr, a /32 or /128 network */
					ip_family(ip) = len == 4 ? PGSQL_AF_INET : PGSQL_AF_INET6;
					ip_bits(ip) = len * 8;
					memcpy(ip_addr(ip), addr, len);
					SET_INET_VARSIZE(ip);
					*out = InetPGetDatum(ip);
				}
				break;
			}
		case CQL_TYPE_DATE:
			{
				uint32_t	d;

				if ((rc = cql_decode_date(v, &d)) == CQL_OK)
				{
					/* 2^31 is 1970-01-01; PostgreSQL counts from 2000-01-01 */
					int64		unix_days = (int64) d - ((int64) 1 << 31);
					int64		days = unix_days - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE);

					if (days < PG_INT32_MIN || days > PG_INT32_MAX ||
						!IS_VALID_DATE((DateADT) days))
					{
						StringInfoData buf;

						initStringInfo(&buf);
						append_civil_date(&buf, unix_days);
						appendStringInfo(&buf, " (%lld days from 1970-01-01)",
										 (long long) unix_days);
						value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date", buf.data,
									"is out of range for type date");
					}
					*out = DateADTGetDatum((DateADT) days);
				}
				break;
			}
		case CQL_TYPE_TIME:
			{
				int64_t		ns;

				if ((rc = cql_decode_bigint(v, &ns)) == CQL_OK)
				{
					if (ns < 0 || ns >= USECS_PER_DAY * INT64CONST(1000))
						value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "time",
									psprintf("of %lld ns", (long long) ns),
									"is out of range for type time");
					if (ns % 1000 != 0)
					{
						StringInfoData buf;

						initStringInfo(&buf);
						append_time_of_day(&buf, ns);
						value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "time", buf.data,
									"has nanoseconds, which PostgreSQL cannot hold");
					}
					*out = TimeADTGetDatum(ns / 1000);
				}
				break;
			}
		case CQL_TYPE_TIMESTAMP:
			{
				int64_t		ms;
				int64		us;

				if ((rc = cql_decode_bigint(v, &ms)) == CQL_OK)
				{
					/*
					 * From the PostgreSQL epoch first: PostgreSQL's last
					 * microsecond is past INT64_MAX from 1970.
					 */
					if (pg_sub_s64_overflow(ms, (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000, &us) ||
						pg_mul_s64_overflow(us, 1000, &us) ||
						!IS_VALID_TIMESTAMP(us))
						timestamp_range_error(cs, ms, base);
					*out = TimestampTzGetDatum(us);

					/*
					 * Without time zone: the local time in TimeZone, as the
					 * cast gives it (and as bind.c writes one).  Near the
					 * ends of the range the zone's offset can take it out.
					 */
					if (base == TIMESTAMPOID)
						*out = local_timestamp(cs, ms, *out);
				}
				break;
			}
		case CQL_TYPE_VARINT:
			{
				int64_t		x;

				if (v.len == 0)
				{
					rc = CQL_EMPTY;
					break;
				}
				if (cql_decode_varint_int64(v, &x) == CQL_OK)
					*out = NumericGetDatum(int64_to_numeric(x));
				else
					*out = numeric_from_digits(cs, t, varint_digits(cs, t, v), 0, v);
				break;
			}
		case CQL_TYPE_DECIMAL:
			{
				int32_t		scale;
				cql_slice	unscaled;

				if ((rc = cql_decode_decimal(v, &scale, &unscaled)) == CQL_OK)
					*out = numeric_from_digits(cs, t, varint_digits(cs, t, unscaled), scale, v);
				break;
			}
		case CQL_TYPE_DURATION:
			{
				int32_t		months;
				int32_t		days;
				int64_t		nanos;

				if ((rc = cql_decode_duration(v, &months, &days, &nanos)) == CQL_OK)
				{
					Interval   *iv = palloc(sizeof(Interval));

					if (nanos % 1000 != 0)
						value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "duration",
									duration_text(months, days, nanos),
									"has nanoseconds, which PostgreSQL cannot hold");
					iv->month = months;
					iv->day = days;
					iv->time = nanos / 1000;
					*out = IntervalPGetDatum(iv);
				}
				break;
			}
		default:
			elog(ERROR, "unexpected CQL type %d", t->id);
	}
	if (rc == CQL_EMPTY)
		return false;
	if (rc != CQL_OK)
		malformed(t, v);
	return true;
}

/* ---------- JSON ---------- */

/* A JSON member name: a map key's text form */
static void
append_json_key(CqlConvState *cs, StringInfo buf, const cql_type *t, cql_slice v)
{
	StringInfoData tmp;

	if (is_cql_text(t))
	{
		append_json(cs, buf, t, v);
		return;
	}
	initStringInfo(&tmp);
	append_json(cs, &tmp, t, v);
	if (tmp.len > 0 && tmp.data[0] == '"')
		appendBinaryStringInfo(buf, tmp.data, tmp.len);
	else
		escape_json(buf, tmp.data);
	pfree(tmp.data);
}

/*
 * A value as JSON, in the shape to_jsonb() gives the value mapped to
 * PostgreSQL: numbers as numbers (NaN and infinities as strings), text,
 * uuid, dates and times as strings, a blob as its \x hex text, a map as an
 * object keyed by the key's text, a tuple as an array, a UDT as an object
 * with its fields in the type's order.
 */
static void
append_json(CqlConvState *cs, StringInfo buf, const cql_type *t, cql_slice v)
{
	cql_iter	it;
	cql_slice	e;
	int			rc;
	Datum		d;
	Oid			natural;

	if (v.len < 0 || empty_is_null(t, v))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_VECTOR:
			rc = cql_iter_begin(v, t, &it);
			if (rc != CQL_OK && rc != CQL_EMPTY)
				malformed(t, v);
			appendStringInfoChar(buf, '[');
			for (int i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				append_json(cs, buf, cql_iter_elem_type(&it), e);
			}
			if (rc < 0)
				malformed(t, v);
			appendStringInfoChar(buf, ']');
			return;
		case CQL_TYPE_MAP:
			rc = cql_iter_begin(v, t, &it);
			if (rc != CQL_OK && rc != CQL_EMPTY)
				malformed(t, v);
			appendStringInfoChar(buf, '{');
			for (int i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				if (e.len < 0)
					malformed(t, v);	/* a map key is never null */
				append_json_key(cs, buf, t->sub[0], e);
				appendStringInfoString(buf, ": ");
				if (cql_iter_next(&it, &e) != 1)
					malformed(t, v);
				append_json(cs, buf, t->sub[1], e);
			}
			if (rc < 0)
				malformed(t, v);
			appendStringInfoChar(buf, '}');
			return;
		case CQL_TYPE_UDT:
			rc = cql_iter_begin(v, t, &it);
			if (rc != CQL_OK && rc != CQL_EMPTY)
				malformed(t, v);
			appendStringInfoChar(buf, '{');
			for (int i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				escape_json(buf, t->field_names[i]);
				appendStringInfoString(buf, ": ");
				append_json(cs, buf, t->sub[i], e);
			}
			if (rc < 0)
				malformed(t, v);
			appendStringInfoChar(buf, '}');
			return;
		default:
			break;
	}

	/* a scalar: through its natural type */
	natural = natural_type(t);
	if (!decode_scalar(cs, t, v, natural, &d))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	switch (t->id)
	{
		case CQL_TYPE_BOOLEAN:
			appendStringInfoString(buf, DatumGetBool(d) ? "true" : "false");
			return;
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
		case CQL_TYPE_INT:
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
		case CQL_TYPE_VARINT:
		case CQL_TYPE_DECIMAL:
		case CQL_TYPE_FLOAT:
		case CQL_TYPE_DOUBLE:
			{
				Oid			outfunc;
				bool		isvarlena;
				char	   *s;

				getTypeOutputInfo(natural, &outfunc, &isvarlena);
				s = OidOutputFunctionCall(outfunc, d);
				/* NaN and the infinities are not JSON numbers */
				if (strcmp(s, "NaN") == 0 || strstr(s, "Infinity"))
					escape_json(buf, s);
				else
					appendStringInfoString(buf, s);
				return;
			}
		case CQL_TYPE_DATE:
		case CQL_TYPE_TIME:
		case CQL_TYPE_TIMESTAMP:
			{
				/* ISO 8601 whatever DateStyle says, as to_jsonb writes them */
				char		tbuf[MAXDATELEN + 1];

				JsonEncodeDateTime(tbuf, d, natural, NULL);
				escape_json(buf, tbuf);
				return;
			}
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			escape_json(buf, TextDatumGetCString(d));
			return;
		default:
			{
				Oid			outfunc;
				bool		isvarlena;

				getTypeOutputInfo(natural, &outfunc, &isvarlena);
				escape_json(buf, OidOutputFunctionCall(outfunc, d));
				return;
			}
	}
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

	if (is_cql_text(t))
		return cql_cstring(cs, t, v);
	if (is_container(t))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		append_json(cs, &buf, t, v);
		return buf.data;
	}
	natural = natural_type(t);
	if (!decode_scalar(cs, t, v, natural, &d))
		elog(ERROR, "empty value of CQL type %d not read as null", t->id);
	getTypeOutputInfo(natural, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, d);
}

static Datum
convert_text(CqlConvState *cs, CqlConv *c, cql_slice v)
{
	char	   *s;

	if (c->base == TEXTOID && is_cql_text(c->ctype))
		return cql_text_datum(cs, c->ctype, v);
	s = text_form(cs, c->ctype, v);
	if (!c->text_input)
		return CStringGetTextDatum(s);
	if (c->max_chars >= 0)
	{
		int			len = strlen(s);

		if (pg_mbstrlen_with_len(s, len) > c->max_chars)
			value_error(cs, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
						type_text(c->ctype), shown_text(s, len),
						psprintf("is too long for type %s",
								 format_type_with_typemod(c->base, c->typmod)));
	}
	return InputFunctionCall(&c->in_func, s, c->in_ioparam, c->typmod);
}

static Datum
convert_json(CqlConvState *cs, CqlConv *c, cql_slice v)
{
	char	   *s;

	if (is_cql_text(c->ctype))
		s = cql_cstring(cs, c->ctype, v);	/* a JSON document kept as text */
	else
	{
		StringInfoData buf;

		initStringInfo(&buf);
		append_json(cs, &buf, c->ctype, v);
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
		malformed(t, v);
	cap = Max(cql_iter_size(&it), 1);
	elems = palloc(sizeof(Datum) * cap);
	nulls = palloc(sizeof(bool) * cap);
	while ((rc = cql_iter_next(&it, &e)) == 1)
	{
		if (n >= cap)
			malformed(t, v);
		elems[n] = convert_value(cs, c->elem, e, &nulls[n]);
		n++;
	}
	if (rc < 0)
		malformed(t, v);
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
		malformed(c->ctype, v);
	memset(nulls, true, sizeof(bool) * Max(desc->natts, 1));
	/* fields missing at the end of the value come as nulls */
	for (i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
	{
		int			a = c->field_att[i];

		values[a] = convert_value(cs, c->field_conv[i], e, &nulls[a]);
	}
	if (rc < 0)
		malformed(c->ctype, v);
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
		catch_data_exception();
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
		value_error(cs, sqlstate, type_text(c->ctype),
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

	*isnull = v.len < 0 || empty_is_null(c->ctype, v);
	if (!*isnull)
	{
		switch (c->kind)
		{
			case CONV_SCALAR:
				*isnull = !decode_scalar(cs, c->ctype, v, c->base, &d);
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
