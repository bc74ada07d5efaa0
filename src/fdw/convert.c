/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  Cassandra values to PostgreSQL Datums, straight from a page.
 *
 * Each CQL type has a natural PostgreSQL type (the table in DESIGN.md).  A
 * cell is decoded from the page's bytes into a Datum of its natural type;
 * a column declared with another type gets that Datum through the natural
 * type's output function and the column type's input function, so every
 * check the column type makes (varchar length, domain constraints) applies.
 * Values PostgreSQL cannot hold exactly raise an error naming the column,
 * never a silent change.
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
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/inet.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "cql_fdw.h"

typedef struct CqlConvColumn
{
	AttrNumber	attnum;
	const char *name;			/* PostgreSQL column name, for messages */
	const cql_type *type;		/* CQL type of the cell */
	Oid			natural;		/* natural PostgreSQL type of the CQL type */
	Oid			target;			/* the column's type */
	int32		typmod;
	bool		via_text;		/* natural != target: output, then input */
	FmgrInfo	out_func;		/* natural type's output */
	FmgrInfo	in_func;		/* target type's input */
	Oid			in_ioparam;
} CqlConvColumn;

struct CqlConvState
{
	const char *relname;
	int			ncolumns;
	CqlConvColumn *columns;
	int			current;		/* column being converted, for errcontext */
};

static void conversion_error_callback(void *arg);

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

/*
 * Prepare to convert the columns of result pages: attnums[i] receives the
 * i-th column of each row.
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
		col->target = att->atttypid;
		col->typmod = att->atttypmod;
		if (cc == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
					 errmsg("Cassandra returned no metadata for column \"%s\" of foreign table \"%s\"",
							col->name, cs->relname)));
		col->type = cc->type;
		col->natural = natural_type(col->type);
		if (!OidIsValid(col->natural))
		{
			StringInfoData buf;

			initStringInfo(&buf);
			describe_type(&buf, col->type);
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("cannot read Cassandra type %s of column \"%s\" of foreign table \"%s\"",
							buf.data, col->name, cs->relname),
					 errdetail("cql_fdw reads scalar CQL types only.")));
		}
		if (col->natural != col->target || col->typmod >= 0)
		{
			Oid			outfunc;
			Oid			infunc;
			bool		isvarlena;

			col->via_text = true;
			getTypeOutputInfo(col->natural, &outfunc, &isvarlena);
			fmgr_info(outfunc, &col->out_func);
			getTypeInputInfo(col->target, &infunc, &col->in_ioparam);
			fmgr_info(infunc, &col->in_func);
		}
		i++;
	}
	return cs;
}

pg_attribute_noreturn()
static void
out_of_range(const char *what, const char *value)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s value %s is out of range for PostgreSQL", what, value)));
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

static void append_json(StringInfo buf, const cql_type *t, cql_slice v);
static bool decode_value(const cql_type *t, cql_slice v, Datum *out);

/* A list, set or vector as an array of its elements' natural type. */
static Datum
decode_array(const cql_type *t, cql_slice v)
{
	Oid			elemtype = natural_type(t->sub[0]);
	int16		typlen;
	bool		typbyval;
	char		typalign;
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
	if (rc != CQL_OK && rc != CQL_EMPTY)
		malformed(t, v);
	cap = Max(cql_iter_size(&it), 1);
	elems = palloc(sizeof(Datum) * cap);
	nulls = palloc(sizeof(bool) * cap);
	while ((rc = cql_iter_next(&it, &e)) == 1)
	{
		if (n >= cap)
			malformed(t, v);
		nulls[n] = !decode_value(t->sub[0], e, &elems[n]);
		n++;
	}
	if (rc < 0)
		malformed(t, v);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	dims[0] = n;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(elemtype));
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, elemtype,
											  typlen, typbyval, typalign));
}

/* A JSON member name: a map key's text form */
static void
append_json_key(StringInfo buf, const cql_type *t, cql_slice v)
{
	StringInfoData tmp;

	if (t->id == CQL_TYPE_ASCII || t->id == CQL_TYPE_VARCHAR)
	{
		append_json(buf, t, v);
		return;
	}
	initStringInfo(&tmp);
	append_json(&tmp, t, v);
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
 * object keyed by the key's text, a tuple as an array, a UDT as an object.
 */
static void
append_json(StringInfo buf, const cql_type *t, cql_slice v)
{
	cql_iter	it;
	cql_slice	e;
	int			rc;
	Datum		d;

	if (v.len < 0)
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
				append_json(buf, cql_iter_elem_type(&it), e);
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
				append_json_key(buf, t->sub[0], e);
				appendStringInfoString(buf, ": ");
				if (cql_iter_next(&it, &e) != 1)
					malformed(t, v);
				append_json(buf, t->sub[1], e);
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
				append_json(buf, t->sub[i], e);
			}
			if (rc < 0)
				malformed(t, v);
			appendStringInfoChar(buf, '}');
			return;
		default:
			break;
	}

	/* a scalar: through its natural type */
	if (t->id == CQL_TYPE_CUSTOM)
	{
		/* a custom type: its bytes, as a blob would show */
		StringInfoData hex;

		initStringInfo(&hex);
		appendStringInfoString(&hex, "\\x");
		for (int i = 0; i < v.len; i++)
			appendStringInfo(&hex, "%02x", v.data[i]);
		escape_json(buf, hex.data);
		pfree(hex.data);
		return;
	}
	if (!decode_value(t, v, &d))
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

				getTypeOutputInfo(natural_type(t), &outfunc, &isvarlena);
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

				JsonEncodeDateTime(tbuf, d, natural_type(t), NULL);
				escape_json(buf, tbuf);
				return;
			}
		default:
			{
				Oid			outfunc;
				bool		isvarlena;

				getTypeOutputInfo(natural_type(t), &outfunc, &isvarlena);
				escape_json(buf, OidOutputFunctionCall(outfunc, d));
				return;
			}
	}
}

/* A cell as a Datum of its natural type; false for null. */
static bool
decode_cell(const CqlConvColumn *col, cql_slice v, Datum *out)
{
	return decode_value(col->type, v, out);
}

static bool
decode_value(const cql_type *t, cql_slice v, Datum *out)
{
	int			rc = CQL_OK;

	if (v.len < 0)
		return false;

	switch (t->id)
	{
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			{
				char	   *s;

				/* validates the encoding (and refuses U+0000) */
				s = pg_any_to_server((const char *) v.data, v.len, PG_UTF8);
				if (s == (const char *) v.data)
					*out = PointerGetDatum(cstring_to_text_with_len(s, v.len));
				else
					*out = CStringGetTextDatum(s);
				return true;
			}
		case CQL_TYPE_TINYINT:
			{
				int8_t		x;

				if ((rc = cql_decode_tinyint(v, &x)) == CQL_OK)
					*out = Int16GetDatum(x);
				break;
			}
		case CQL_TYPE_SMALLINT:
			{
				int16_t		x;

				if ((rc = cql_decode_smallint(v, &x)) == CQL_OK)
					*out = Int16GetDatum(x);
				break;
			}
		case CQL_TYPE_INT:
			{
				int32_t		x;

				if ((rc = cql_decode_int(v, &x)) == CQL_OK)
					*out = Int32GetDatum(x);
				break;
			}
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
			{
				int64_t		x;

				if ((rc = cql_decode_bigint(v, &x)) == CQL_OK)
					*out = Int64GetDatum(x);
				break;
			}
		case CQL_TYPE_FLOAT:
			{
				float		x;

				if ((rc = cql_decode_float(v, &x)) == CQL_OK)
					*out = Float4GetDatum(x);
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
					int64		days = (int64) d - ((int64) 1 << 31) -
						(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE);

					if (days < PG_INT32_MIN || days > PG_INT32_MAX ||
						!IS_VALID_DATE((DateADT) days))
						out_of_range("date", psprintf("%lld days from 1970-01-01",
													  (long long) ((int64) d - ((int64) 1 << 31))));
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
						out_of_range("time", psprintf("%lld ns", (long long) ns));
					if (ns % 1000 != 0)
						ereport(ERROR,
								(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
								 errmsg("time value %lld ns has sub-microsecond precision, which PostgreSQL cannot hold",
										(long long) ns)));
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
					if (pg_mul_s64_overflow(ms, 1000, &us) ||
						pg_sub_s64_overflow(us, (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY, &us) ||
						!IS_VALID_TIMESTAMP(us))
						out_of_range("timestamp", psprintf("%lld ms since 1970-01-01",
														   (long long) ms));
					*out = TimestampTzGetDatum(us);
				}
				break;
			}
		case CQL_TYPE_VARINT:
			{
				size_t		size = cql_varint_text_size(v);
				char	   *buf;

				if (v.len == 0)
				{
					rc = CQL_EMPTY;
					break;
				}
				buf = palloc(size);
				if (cql_varint_to_text(v, buf, size) != CQL_OK)
					malformed(t, v);
				*out = DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
										   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
				break;
			}
		case CQL_TYPE_DECIMAL:
			{
				int32_t		scale;
				cql_slice	unscaled;

				if ((rc = cql_decode_decimal(v, &scale, &unscaled)) == CQL_OK)
				{
					size_t		size = cql_varint_text_size(unscaled) + 16;
					char	   *buf = palloc(size);
					size_t		n;

					if (cql_varint_to_text(unscaled, buf, size) != CQL_OK)
						malformed(t, v);
					n = strlen(buf);
					/* value = unscaled * 10^-scale; numeric_in takes the exponent */
					snprintf(buf + n, size - n, "e%lld", -(long long) scale);
					*out = DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
				}
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
						ereport(ERROR,
								(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
								 errmsg("duration value with %lld ns has sub-microsecond precision, which PostgreSQL cannot hold",
										(long long) nanos)));
					iv->month = months;
					iv->day = days;
					iv->time = nanos / 1000;
					*out = IntervalPGetDatum(iv);
				}
				break;
			}
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_VECTOR:
			if (natural_type(t) != JSONBOID)
			{
				*out = decode_array(t, v);
				return true;
			}
			/* FALLTHROUGH */
		case CQL_TYPE_MAP:
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			{
				StringInfoData buf;

				initStringInfo(&buf);
				append_json(&buf, t, v);
				*out = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
				return true;
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
		Datum		d;

		if (col->attnum <= 0)
			continue;
		cs->current = i;
		if (!decode_cell(col, cells[i], &d))
		{
			values[col->attnum - 1] = (Datum) 0;
			nulls[col->attnum - 1] = true;
			continue;
		}
		if (col->via_text)
		{
			char	   *text = OutputFunctionCall(&col->out_func, d);

			d = InputFunctionCall(&col->in_func, text, col->in_ioparam, col->typmod);
		}
		values[col->attnum - 1] = d;
		nulls[col->attnum - 1] = false;
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
