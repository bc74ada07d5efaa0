/*-------------------------------------------------------------------------
 *
 * bind.c
 *		  PostgreSQL Datums to CQL values, for the values a write binds.
 *
 * The mirror of convert.c.  Each CQL type has a natural PostgreSQL type (the
 * table in DESIGN.md); a Datum of that type is encoded straight into the
 * driver's buffer.  Other PostgreSQL types get there by the most direct
 * faithful road:
 *
 *	- an array into a list, set or vector: element by element, each element
 *	  by these same rules (an int8[] into a list<int> is range-checked per
 *	  element, not cast);
 *	- json or jsonb into any collection, tuple or user-defined type: the
 *	  shape to_jsonb() gives when reading (an object for a map or a UDT, an
 *	  array for a list, set, tuple or vector), scalars through the natural
 *	  type's input function;
 *	- a composite value into a tuple or user-defined type, field by field;
 *	- anything else through its output function and the natural type's
 *	  input function, so "text into uuid" or "int8 into int" works and every
 *	  check of the input function applies.
 *
 * Nothing is changed silently: a value the CQL type cannot hold (300 into a
 * tinyint, a timestamp with microseconds, an inet with a netmask, a
 * version 4 UUID into a timeuuid, a null inside a collection) is an error
 * that says what and why, raised before anything of its row is sent.
 *
 * IDENTIFICATION
 *		  src/fdw/bind.c
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
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/inet.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "cql_fdw.h"
#include "convert.h"

static void encode_value(cql_buf *b, const cql_type *t, Oid pgtype, int32 typmod,
						 Datum value);
static void encode_natural(cql_buf *b, const cql_type *t, Datum value);
static void encode_json(cql_buf *b, const cql_type *t, JsonbValue *v);

/* the CQL type as CQL writes it, for messages */
char *
cqlfdw_bind_type_text(const cql_type *t)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (t->id == CQL_TYPE_CUSTOM)
		appendStringInfo(&buf, "'%s'", t->custom_class ? t->custom_class : "?");
	else if (t->id == CQL_TYPE_UDT)
		appendStringInfo(&buf, "%s.%s", t->keyspace, t->name);
	else
	{
		appendStringInfoString(&buf, cql_type_name(t->id));
		if (t->nsub > 0 && t->id != CQL_TYPE_TUPLE)
		{
			appendStringInfoChar(&buf, '<');
			for (int i = 0; i < t->nsub; i++)
				appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
								 cqlfdw_bind_type_text(t->sub[i]));
			if (t->id == CQL_TYPE_VECTOR)
				appendStringInfo(&buf, ", %d", t->dimension);
			appendStringInfoChar(&buf, '>');
		}
		else if (t->id == CQL_TYPE_TUPLE)
		{
			appendStringInfoChar(&buf, '<');
			for (int i = 0; i < t->nsub; i++)
				appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
								 cqlfdw_bind_type_text(t->sub[i]));
			appendStringInfoChar(&buf, '>');
		}
	}
	return buf.data;
}

pg_attribute_noreturn()
static void
cannot_hold(int sqlstate, const cql_type *t, const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s cannot be stored in Cassandra type %s", what, cqlfdw_bind_type_text(t)),
			 hint ? errhint("%s", hint) : 0));
}

/* An encoder's code for a value it refused: out of memory, or the caller's */
static void
check_rc(int rc, const cql_type *t, const char *what)
{
	if (rc == CQL_OK)
		return;
	if (rc == CQL_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while encoding a Cassandra value")));
	if (rc == CQL_ERANGE)
		cannot_hold(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, t, what, NULL);
	cannot_hold(ERRCODE_INVALID_PARAMETER_VALUE, t, what, NULL);
}

static void
encode_integer(cql_buf *b, const cql_type *t, int64 v)
{
	int			rc;

	switch (t->id)
	{
		case CQL_TYPE_TINYINT:
			rc = cql_encode_tinyint(b, v);
			break;
		case CQL_TYPE_SMALLINT:
			rc = cql_encode_smallint(b, v);
			break;
		case CQL_TYPE_INT:
			rc = cql_encode_int(b, v);
			break;
		default:
			rc = cql_encode_bigint(b, v);
			break;
	}
	if (rc == CQL_ERANGE)
		cannot_hold(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, t,
					psprintf("value %lld", (long long) v), NULL);
	check_rc(rc, t, "value");
}

/* A numeric's text, refusing NaN and the infinities. */
static char *
numeric_text(const cql_type *t, Datum value)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, value));

	if (strcmp(s, "NaN") == 0 || strstr(s, "Infinity") != NULL)
		cannot_hold(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, t, psprintf("numeric value %s", s),
					NULL);
	return s;
}

/* Encode a Datum of the natural type of scalar CQL type t. */
static void
encode_natural(cql_buf *b, const cql_type *t, Datum value)
{
	int			rc = CQL_OK;

	switch (t->id)
	{
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			{
				text	   *txt = DatumGetTextPP(value);
				const char *s = VARDATA_ANY(txt);
				int			n = VARSIZE_ANY_EXHDR(txt);
				char	   *utf8 = pg_server_to_any(s, n, PG_UTF8);

				if (utf8 != s)
					n = strlen(utf8);
				if (t->id == CQL_TYPE_ASCII)
				{
					rc = cql_encode_ascii(b, utf8, n);
					if (rc == CQL_ERANGE)
						cannot_hold(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, t,
									"text with non-ASCII characters", NULL);
				}
				else
					rc = cql_encode_text(b, utf8, n);
				check_rc(rc, t, "text value");
				return;
			}
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
			encode_integer(b, t, DatumGetInt16(value));
			return;
		case CQL_TYPE_INT:
			encode_integer(b, t, DatumGetInt32(value));
			return;
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
			encode_integer(b, t, DatumGetInt64(value));
			return;
		case CQL_TYPE_VARINT:
			{
				char	   *s = numeric_text(t, value);
				char	   *dot = strchr(s, '.');

				if (dot)
				{
					/* an integral numeric may still print a scale: 12.00 */
					for (char *p = dot + 1; *p; p++)
						if (*p != '0')
							cannot_hold(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, t,
										psprintf("numeric value %s", s),
										"A varint holds integers only.");
					*dot = '\0';
				}
				rc = cql_encode_varint(b, s, strlen(s));
				check_rc(rc, t, psprintf("numeric value %s", s));
				return;
			}
		case CQL_TYPE_DECIMAL:
			{
				char	   *s = numeric_text(t, value);

				rc = cql_encode_decimal_text(b, s, strlen(s));
				check_rc(rc, t, psprintf("numeric value %s", s));
				return;
			}
		case CQL_TYPE_FLOAT:
			rc = cql_encode_float(b, DatumGetFloat4(value));
			break;
		case CQL_TYPE_DOUBLE:
			rc = cql_encode_double(b, DatumGetFloat8(value));
			break;
		case CQL_TYPE_BOOLEAN:
			rc = cql_encode_boolean(b, DatumGetBool(value));
			break;
		case CQL_TYPE_BLOB:
		case CQL_TYPE_CUSTOM:
			{
				bytea	   *v = DatumGetByteaPP(value);

				rc = cql_encode_blob(b, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
				break;
			}
		case CQL_TYPE_UUID:
			rc = cql_encode_uuid(b, DatumGetUUIDP(value)->data);
			break;
		case CQL_TYPE_TIMEUUID:
			rc = cql_encode_timeuuid(b, DatumGetUUIDP(value)->data);
			if (rc == CQL_ETYPE)
				cannot_hold(ERRCODE_INVALID_PARAMETER_VALUE, t,
							psprintf("UUID %s", DatumGetCString(DirectFunctionCall1(uuid_out, value))),
							"A timeuuid must be a version 1 (time-based) UUID.");
			break;
		case CQL_TYPE_INET:
			{
				inet	   *ip = DatumGetInetPP(value);
				int			len = ip_family(ip) == PGSQL_AF_INET ? 4 : 16;

				if (ip_bits(ip) != len * 8)
					cannot_hold(ERRCODE_INVALID_PARAMETER_VALUE, t,
								psprintf("inet value with netmask /%d", ip_bits(ip)),
								"A Cassandra inet is one address, with no netmask.");
				rc = cql_encode_inet(b, ip_addr(ip), len);
				break;
			}
		case CQL_TYPE_DATE:
			{
				DateADT		d = DatumGetDateADT(value);
				int64		days;

				if (DATE_NOT_FINITE(d))
					cannot_hold(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, t,
								"an infinite date", NULL);
				days = (int64) d + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) + ((int64) 1 << 31);
				if (days < 0 || days > (int64) PG_UINT32_MAX)
					cannot_hold(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, t, "date value", NULL);
				rc = cql_encode_date(b, (uint32_t) days);
				break;
			}
		case CQL_TYPE_TIME:
			{
				TimeADT		us = DatumGetTimeADT(value);

				rc = cql_encode_time(b, us * 1000);
				if (rc != CQL_OK && rc != CQL_ENOMEM)
					cannot_hold(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, t,
								psprintf("time value %s",
										 DatumGetCString(DirectFunctionCall1(time_out, value))),
								"A Cassandra time is less than 24:00:00.");
				break;
			}
		case CQL_TYPE_TIMESTAMP:
			{
				TimestampTz ts = DatumGetTimestampTz(value);

				if (TIMESTAMP_NOT_FINITE(ts))
					cannot_hold(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, t,
								"an infinite timestamp", NULL);
				/* in ms, not us: the last PostgreSQL years overflow us since 1970 */
				if (ts % 1000 != 0)
					cannot_hold(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, t,
								psprintf("timestamp %s",
										 DatumGetCString(DirectFunctionCall1(timestamptz_out, value))),
								"A Cassandra timestamp has millisecond precision; round the value, for example with date_trunc('milliseconds', ...).");
				rc = cql_encode_timestamp(b, ts / 1000 +
										  (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * (USECS_PER_DAY / 1000));
				break;
			}
		case CQL_TYPE_DURATION:
			{
				Interval   *iv = DatumGetIntervalP(value);
				int64		ns;

				if (pg_mul_s64_overflow(iv->time, 1000, &ns))
					cannot_hold(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, t,
								"interval value", NULL);
				rc = cql_encode_duration(b, iv->month, iv->day, ns);
				if (rc == CQL_EINVAL)
					cannot_hold(ERRCODE_INVALID_PARAMETER_VALUE, t,
								psprintf("interval %s",
										 DatumGetCString(DirectFunctionCall1(interval_out, value))),
								"The months, days and time of a Cassandra duration must all have the same sign.");
				break;
			}
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_VECTOR:
			if (cqlfdw_natural_type(t) != JSONBOID)
			{
				encode_value(b, t, cqlfdw_natural_type(t), -1, value);
				return;
			}
			/* FALLTHROUGH */
		case CQL_TYPE_MAP:
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			{
				Jsonb	   *jb = DatumGetJsonbP(value);
				JsonbValue	v;

				if (JB_ROOT_IS_SCALAR(jb))
				{
					if (!JsonbExtractScalar(&jb->root, &v))
						elog(ERROR, "could not read a jsonb scalar");
				}
				else
				{
					v.type = jbvBinary;
					v.val.binary.data = &jb->root;
					v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
				}
				if (v.type == jbvNull)
					cannot_hold(ERRCODE_NULL_VALUE_NOT_ALLOWED, t, "JSON null", NULL);
				encode_json(b, t, &v);
				return;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("cql_fdw cannot write Cassandra type %s", cqlfdw_bind_type_text(t))));
	}
	check_rc(rc, t, "value");
}

/* The elements of a one-dimensional array into a list, set or vector. */
static void
encode_array(cql_buf *b, const cql_type *t, Datum value)
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

	if (ARR_NDIM(arr) > 1)
		cannot_hold(ERRCODE_ARRAY_SUBSCRIPT_ERROR, t,
					psprintf("an array of %d dimensions", ARR_NDIM(arr)), NULL);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	if (t->id == CQL_TYPE_VECTOR && n != t->dimension)
		cannot_hold(ERRCODE_ARRAY_SUBSCRIPT_ERROR, t,
					psprintf("an array of %d elements", n), NULL);
	check_rc(cql_builder_begin(&bld, b, t), t, "array");
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			cannot_hold(ERRCODE_NULL_VALUE_NOT_ALLOWED, t, "an array with a null element",
						"Cassandra collections cannot hold nulls.");
		check_rc(cql_builder_elem_begin(&bld), t, "array");
		encode_value(b, t->sub[0], elemtype, -1, elems[i]);
		check_rc(cql_builder_elem_end(&bld), t->sub[0], "array element");
	}
	check_rc(cql_builder_end(&bld), t, "array");
}

/* The fields of a composite value, by position, into a tuple or UDT. */
static void
encode_composite(cql_buf *b, const cql_type *t, Datum value)
{
	HeapTupleHeader td = DatumGetHeapTupleHeader(value);
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(td),
												 HeapTupleHeaderGetTypMod(td));
	HeapTupleData tuple;
	Datum	   *values = palloc(sizeof(Datum) * Max(tupdesc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(tupdesc->natts, 1));
	cql_builder bld;
	int			field = 0;

	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	heap_deform_tuple(&tuple, tupdesc, values, nulls);
	check_rc(cql_builder_begin(&bld, b, t), t, "composite value");
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped)
			continue;
		if (field >= t->nsub)
			cannot_hold(ERRCODE_DATATYPE_MISMATCH, t,
						psprintf("a composite value of type %s with more than %d fields",
								 format_type_be(tupdesc->tdtypeid), t->nsub), NULL);
		if (nulls[i])
			check_rc(cql_builder_null(&bld), t, "composite value");
		else
		{
			check_rc(cql_builder_elem_begin(&bld), t, "composite value");
			encode_value(b, t->sub[field], att->atttypid, att->atttypmod, values[i]);
			check_rc(cql_builder_elem_end(&bld), t, "composite value");
		}
		field++;
	}
	ReleaseTupleDesc(tupdesc);
	check_rc(cql_builder_end(&bld), t, "composite value");
}

/* A JSON scalar's text: a string as it is, a number or boolean as JSON writes it */
static char *
json_scalar_text(const cql_type *t, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			cannot_hold(ERRCODE_INVALID_TEXT_REPRESENTATION, t,
						"a JSON array or object", NULL);
	}
}

static void
encode_json(cql_buf *b, const cql_type *t, JsonbValue *v)
{
	cql_builder bld;
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;
	bool		is_array;
	bool		is_object;

	is_array = v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
	is_object = v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);

	if (!cqlfdw_is_container(t))
	{
		/* a scalar: through the natural type's input function */
		Oid			natural = cqlfdw_natural_type(t);
		Oid			infunc;
		Oid			ioparam;
		char	   *s = json_scalar_text(t, v);

		if (!OidIsValid(natural))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("cql_fdw cannot write Cassandra type %s", cqlfdw_bind_type_text(t))));
		getTypeInputInfo(natural, &infunc, &ioparam);
		encode_natural(b, t, OidInputFunctionCall(infunc, s, ioparam, -1));
		return;
	}

	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_VECTOR:
		case CQL_TYPE_TUPLE:
			if (!is_array)
				cannot_hold(ERRCODE_INVALID_TEXT_REPRESENTATION, t,
							"a JSON value that is not an array", NULL);
			if (t->id == CQL_TYPE_VECTOR &&
				JsonContainerSize(v->val.binary.data) != (uint32) t->dimension)
				cannot_hold(ERRCODE_ARRAY_SUBSCRIPT_ERROR, t,
							psprintf("a JSON array of %u elements",
									 JsonContainerSize(v->val.binary.data)), NULL);
			if (t->id == CQL_TYPE_TUPLE &&
				JsonContainerSize(v->val.binary.data) > (uint32) t->nsub)
				cannot_hold(ERRCODE_INVALID_PARAMETER_VALUE, t,
							psprintf("a JSON array of %u elements",
									 JsonContainerSize(v->val.binary.data)), NULL);
			check_rc(cql_builder_begin(&bld, b, t), t, "JSON array");
			it = JsonbIteratorInit(v->val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			{
				const cql_type *et;

				if (tok != WJB_ELEM)
					continue;
				et = cql_builder_elem_type(&bld);
				if (e.type == jbvNull)
				{
					if (t->id != CQL_TYPE_TUPLE)
						cannot_hold(ERRCODE_NULL_VALUE_NOT_ALLOWED, t,
									"a JSON array with a null element",
									"Cassandra collections cannot hold nulls.");
					check_rc(cql_builder_null(&bld), t, "JSON array");
					continue;
				}
				check_rc(cql_builder_elem_begin(&bld), t, "JSON array");
				encode_json(b, et, &e);
				check_rc(cql_builder_elem_end(&bld), et, "JSON array element");
			}
			check_rc(cql_builder_end(&bld), t, "JSON array");
			return;
		case CQL_TYPE_MAP:
			if (!is_object)
				cannot_hold(ERRCODE_INVALID_TEXT_REPRESENTATION, t,
							"a JSON value that is not an object", NULL);
			check_rc(cql_builder_begin(&bld, b, t), t, "JSON object");
			it = JsonbIteratorInit(v->val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			{
				if (tok == WJB_KEY)
				{
					if (cqlfdw_is_container(t->sub[0]))
						cannot_hold(ERRCODE_FDW_INVALID_DATA_TYPE, t, "a JSON object",
									"cql_fdw writes maps whose keys are scalars.");
					check_rc(cql_builder_elem_begin(&bld), t, "JSON object");
					encode_json(b, t->sub[0], &e);
					check_rc(cql_builder_elem_end(&bld), t->sub[0], "JSON object key");
				}
				else if (tok == WJB_VALUE)
				{
					if (e.type == jbvNull)
						cannot_hold(ERRCODE_NULL_VALUE_NOT_ALLOWED, t,
									"a JSON object with a null value",
									"Cassandra collections cannot hold nulls.");
					check_rc(cql_builder_elem_begin(&bld), t, "JSON object");
					encode_json(b, t->sub[1], &e);
					check_rc(cql_builder_elem_end(&bld), t->sub[1], "JSON object value");
				}
			}
			check_rc(cql_builder_end(&bld), t, "JSON object");
			return;
		case CQL_TYPE_UDT:
			{
				uint32		matched = 0;

				if (!is_object)
					cannot_hold(ERRCODE_INVALID_TEXT_REPRESENTATION, t,
								"a JSON value that is not an object", NULL);
				check_rc(cql_builder_begin(&bld, b, t), t, "JSON object");
				for (int i = 0; i < t->nsub; i++)
				{
					JsonbValue	key;
					JsonbValue *fv;

					key.type = jbvString;
					key.val.string.val = (char *) t->field_names[i];
					key.val.string.len = strlen(t->field_names[i]);
					fv = findJsonbValueFromContainer(v->val.binary.data, JB_FOBJECT, &key);
					if (fv == NULL || fv->type == jbvNull)
					{
						check_rc(cql_builder_null(&bld), t, "JSON object");
						if (fv)
							matched++;
						continue;
					}
					matched++;
					check_rc(cql_builder_elem_begin(&bld), t, "JSON object");
					encode_json(b, t->sub[i], fv);
					check_rc(cql_builder_elem_end(&bld), t->sub[i], "JSON object field");
				}
				if (matched != JsonContainerSize(v->val.binary.data))
					cannot_hold(ERRCODE_INVALID_PARAMETER_VALUE, t,
								"a JSON object with keys that are not fields of the type",
								psprintf("The fields are those of %s.", cqlfdw_bind_type_text(t)));
				check_rc(cql_builder_end(&bld), t, "JSON object");
				return;
			}
		default:
			elog(ERROR, "unexpected CQL container type %d", t->id);
	}
}

/* Encode a non-null value of PostgreSQL type pgtype as CQL type t. */
static void
encode_value(cql_buf *b, const cql_type *t, Oid pgtype, int32 typmod, Datum value)
{
	Oid			natural = cqlfdw_natural_type(t);

	check_stack_depth();
	if (!OidIsValid(natural))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("cql_fdw cannot write Cassandra type %s", cqlfdw_bind_type_text(t))));

	/* the natural type, and the integers of any width */
	if (pgtype == natural && !(type_is_array(pgtype) && cqlfdw_is_container(t)))
	{
		encode_natural(b, t, value);
		return;
	}
	if (t->id == CQL_TYPE_TINYINT || t->id == CQL_TYPE_SMALLINT ||
		t->id == CQL_TYPE_INT || t->id == CQL_TYPE_BIGINT || t->id == CQL_TYPE_COUNTER)
	{
		if (pgtype == INT2OID)
		{
			encode_integer(b, t, DatumGetInt16(value));
			return;
		}
		if (pgtype == INT4OID)
		{
			encode_integer(b, t, DatumGetInt32(value));
			return;
		}
		if (pgtype == INT8OID)
		{
			encode_integer(b, t, DatumGetInt64(value));
			return;
		}
	}
	if (t->id == CQL_TYPE_TIMESTAMP && pgtype == TIMESTAMPOID)
	{
		/* a timestamp without time zone is taken in the session's zone */
		encode_natural(b, t, DirectFunctionCall1(timestamp_timestamptz, value));
		return;
	}
	if ((t->id == CQL_TYPE_VARCHAR || t->id == CQL_TYPE_ASCII) &&
		(pgtype == VARCHAROID || pgtype == BPCHAROID))
	{
		/* char(n) loses its padding, as its cast to text does */
		encode_natural(b, t, pgtype == BPCHAROID
					   ? DirectFunctionCall1(rtrim1, value) : value);
		return;
	}

	/* containers from arrays, composites and JSON */
	if (cqlfdw_is_container(t))
	{
		if ((t->id == CQL_TYPE_LIST || t->id == CQL_TYPE_SET || t->id == CQL_TYPE_VECTOR) &&
			type_is_array(pgtype))
		{
			encode_array(b, t, value);
			return;
		}
		if ((t->id == CQL_TYPE_TUPLE || t->id == CQL_TYPE_UDT) && type_is_rowtype(pgtype))
		{
			encode_composite(b, t, value);
			return;
		}
		if (pgtype == JSONBOID || pgtype == JSONOID)
		{
			Datum		jb = value;

			if (pgtype == JSONOID)
				jb = DirectFunctionCall1(jsonb_in,
										 CStringGetDatum(TextDatumGetCString(value)));
			/* the natural type of a list of scalars is an array, not jsonb */
			{
				Jsonb	   *j = DatumGetJsonbP(jb);
				JsonbValue	v;

				v.type = jbvBinary;
				v.val.binary.data = &j->root;
				v.val.binary.len = VARSIZE(j) - VARHDRSZ;
				if (JB_ROOT_IS_SCALAR(j))
					cannot_hold(ERRCODE_INVALID_TEXT_REPRESENTATION, t,
								"a JSON scalar", NULL);
				encode_json(b, t, &v);
			}
			return;
		}
	}

	/* anything else: its text, read by the natural type */
	{
		Oid			outfunc;
		Oid			infunc;
		Oid			ioparam;
		bool		isvarlena;
		char	   *s;

		getTypeOutputInfo(pgtype, &outfunc, &isvarlena);
		s = OidOutputFunctionCall(outfunc, value);
		getTypeInputInfo(natural, &infunc, &ioparam);
		encode_natural(b, t, OidInputFunctionCall(infunc, s, ioparam, -1));
	}
}

/*
 * Append the encoding of a non-null value of PostgreSQL type pgtype as CQL
 * type t to b.  Errors are raised here, naming what does not fit; the
 * caller adds which column with an error context.
 */
void
cqlfdw_bind_value(cql_buf *b, const cql_type *t, Oid pgtype, int32 typmod, Datum value)
{
	size_t		start = cql_buf_len(b);

	PG_TRY();
	{
		encode_value(b, t, pgtype, typmod, value);
	}
	PG_CATCH();
	{
		/* nothing half-written stays in the buffer */
		cql_buf_truncate(b, start);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (cql_buf_failed(b))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while encoding a Cassandra value")));
}
