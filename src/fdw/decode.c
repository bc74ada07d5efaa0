/*-------------------------------------------------------------------------
 *
 * decode.c
 *		  Cassandra values as Datums of their natural PostgreSQL types, as
 *		  JSON, and as messages show them.
 *
 * The leaves of convert.c's plans: a scalar decoded from a page's bytes
 * into its natural type (or one of the exact widenings), a value of any
 * type written as the JSON that to_jsonb() gives its natural value, and the
 * Cassandra-side text of values PostgreSQL cannot hold, for the errors that
 * name them: dates and timestamps in any year, times and durations with
 * their nanoseconds, long text and numbers abbreviated.
 *
 * IDENTIFICATION
 *		  src/fdw/decode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>

#include "common/int.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/inet.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "cql_fdw.h"
#include "convert.h"

/*
 * numeric's limits (numeric.c keeps them private): 16383 digits after the
 * point, and a base-10000 weight of at most 32767, so 131072 digits before.
 */
#define CQLFDW_NUMERIC_MAX_SCALE		16383
#define CQLFDW_NUMERIC_MAX_INT_DIGITS	131072

/* how long a value shown in a message may be before it is abbreviated */
#define CQLFDW_SHOW_MAX		64

static void append_json_key(CqlConvState *cs, StringInfo buf, const cql_type *t,
							cql_slice v);

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
char *
cqlfdw_shown_text(const char *s, int len)
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

void
cqlfdw_malformed(const cql_type *t, cql_slice v)
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
				cqlfdw_malformed(t, v);
		}
		cqlfdw_value_error(cs, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, cql_type_name(t->id),
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
		cqlfdw_value_error(cs, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, cql_type_name(t->id),
					psprintf("of %d bytes", (int) v.len),
					"is out of range for type numeric");
	size = cql_varint_text_size(v);
	buf = palloc(size);
	if (cql_varint_to_text(v, buf, size) != CQL_OK)
		cqlfdw_malformed(t, v);
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
		cqlfdw_value_error(cs, ERRCODE_UNTRANSLATABLE_CHARACTER, cql_type_name(t->id),
					cqlfdw_shown_text((const char *) v.data, v.len),
					"contains U+0000, which PostgreSQL text cannot hold");
	/* validates the encoding, converts to the server's */
	return pg_any_to_server((const char *) v.data, v.len, PG_UTF8);
}

/* The same, NUL-terminated */
char *
cqlfdw_cql_cstring(CqlConvState *cs, const cql_type *t, cql_slice v)
{
	char	   *s = cql_text(cs, t, v);

	if (s == (const char *) v.data)
		return pnstrdup(s, v.len);
	return s;
}

Datum
cqlfdw_cql_text_datum(CqlConvState *cs, const cql_type *t, cql_slice v)
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
	cqlfdw_value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp", buf.data,
				psprintf("is out of range for type %s", format_type_be(base)));
}

/*
 * In a PG_CATCH block, after switching back out of ErrorContext: swallow a
 * data exception (class 22), which the caller reports naming the value;
 * anything else (a cancel, out of memory) goes on up.
 */
void
cqlfdw_catch_data_exception(void)
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
		cqlfdw_catch_data_exception();
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
bool
cqlfdw_decode_scalar(CqlConvState *cs, const cql_type *t, cql_slice v, Oid base, Datum *out)
{
	int			rc = CQL_OK;

	switch (t->id)
	{
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
			*out = cqlfdw_cql_text_datum(cs, t, v);
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
						cqlfdw_value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date", buf.data,
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
						cqlfdw_value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "time",
									psprintf("of %lld ns", (long long) ns),
									"is out of range for type time");
					if (ns % 1000 != 0)
					{
						StringInfoData buf;

						initStringInfo(&buf);
						append_time_of_day(&buf, ns);
						cqlfdw_value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "time", buf.data,
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
						cqlfdw_value_error(cs, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "duration",
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
		cqlfdw_malformed(t, v);
	return true;
}

/* ---------- JSON ---------- */

/* A JSON member name: a map key's text form */
static void
append_json_key(CqlConvState *cs, StringInfo buf, const cql_type *t, cql_slice v)
{
	StringInfoData tmp;

	if (cqlfdw_is_cql_text(t))
	{
		cqlfdw_append_json(cs, buf, t, v);
		return;
	}
	initStringInfo(&tmp);
	cqlfdw_append_json(cs, &tmp, t, v);
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
void
cqlfdw_append_json(CqlConvState *cs, StringInfo buf, const cql_type *t, cql_slice v)
{
	cql_iter	it;
	cql_slice	e;
	int			rc;
	Datum		d;
	Oid			natural;

	if (v.len < 0 || cqlfdw_empty_is_null(t, v))
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
				cqlfdw_malformed(t, v);
			appendStringInfoChar(buf, '[');
			for (int i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				cqlfdw_append_json(cs, buf, cql_iter_elem_type(&it), e);
			}
			if (rc < 0)
				cqlfdw_malformed(t, v);
			appendStringInfoChar(buf, ']');
			return;
		case CQL_TYPE_MAP:
			rc = cql_iter_begin(v, t, &it);
			if (rc != CQL_OK && rc != CQL_EMPTY)
				cqlfdw_malformed(t, v);
			appendStringInfoChar(buf, '{');
			for (int i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				if (e.len < 0)
					cqlfdw_malformed(t, v);	/* a map key is never null */
				append_json_key(cs, buf, t->sub[0], e);
				appendStringInfoString(buf, ": ");
				if (cql_iter_next(&it, &e) != 1)
					cqlfdw_malformed(t, v);
				cqlfdw_append_json(cs, buf, t->sub[1], e);
			}
			if (rc < 0)
				cqlfdw_malformed(t, v);
			appendStringInfoChar(buf, '}');
			return;
		case CQL_TYPE_UDT:
			rc = cql_iter_begin(v, t, &it);
			if (rc != CQL_OK && rc != CQL_EMPTY)
				cqlfdw_malformed(t, v);
			appendStringInfoChar(buf, '{');
			for (int i = 0; (rc = cql_iter_next(&it, &e)) == 1; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				escape_json(buf, t->field_names[i]);
				appendStringInfoString(buf, ": ");
				cqlfdw_append_json(cs, buf, t->sub[i], e);
			}
			if (rc < 0)
				cqlfdw_malformed(t, v);
			appendStringInfoChar(buf, '}');
			return;
		default:
			break;
	}

	/* a scalar: through its natural type */
	natural = cqlfdw_natural_type(t);
	if (!cqlfdw_decode_scalar(cs, t, v, natural, &d))
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
