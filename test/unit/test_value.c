/*-------------------------------------------------------------------------
 *
 * test_value.c
 *		  value.c: the scalar decoders, on normal values, extremes, wrong
 *		  lengths (CQL_EPROTO) and empty values (CQL_EMPTY).
 *
 * Encodings from native_protocol_v4.spec section 6.  Every value is an
 * exactly sized malloc'd copy.
 *
 * IDENTIFICATION
 *		  test/unit/test_value.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "cql.h"

#include <math.h>
#include <stdlib.h>

/* run a decoder on an exactly sized copy of n bytes */
#define DEC(fn, lit, n, out) \
	({ \
		uint8_t *_m = fx_dup(lit, n); \
		int _rc = fn((cql_slice) {_m, (int32_t) (n)}, out); \
		free(_m); \
		_rc; \
	})
#define DECL(fn, lit, out) DEC(fn, lit, sizeof(lit) - 1, out)

/* every length from 0 to 17 but the right one is CQL_EPROTO, 0 is CQL_EMPTY */
#define CHECK_LENGTHS(fn, right, out) \
	do { \
		static const uint8_t _z[17] = {0}; \
		for (size_t _n = 0; _n <= 17; _n++) \
		{ \
			int _rc = DEC(fn, _z, _n, out); \
			int _want = _n == 0 ? CQL_EMPTY : _n == (right) ? CQL_OK : CQL_EPROTO; \
			if (_rc != _want) \
				test_fail(__FILE__, __LINE__, "%s on %zu bytes: rc %d, expected %d", \
						  #fn, _n, _rc, _want); \
		} \
	} while (0)

TEST(value_boolean)
{
	bool		b = true;

	CHECK_INT(DECL(cql_decode_boolean, "\x00", &b), CQL_OK);
	CHECK(!b);
	CHECK_INT(DECL(cql_decode_boolean, "\x01", &b), CQL_OK);
	CHECK(b);
	b = false;
	/* 6.4: any other value denotes true */
	CHECK_INT(DECL(cql_decode_boolean, "\xff", &b), CQL_OK);
	CHECK(b);
	b = false;
	CHECK_INT(DECL(cql_decode_boolean, "\x80", &b), CQL_OK);
	CHECK(b);
	CHECK_LENGTHS(cql_decode_boolean, 1, &b);
}

TEST(value_tinyint)
{
	int8_t		v;

	CHECK_INT(DECL(cql_decode_tinyint, "\x7f", &v), CQL_OK);
	CHECK_INT(v, INT8_MAX);
	CHECK_INT(DECL(cql_decode_tinyint, "\x80", &v), CQL_OK);
	CHECK_INT(v, INT8_MIN);
	CHECK_INT(DECL(cql_decode_tinyint, "\xff", &v), CQL_OK);
	CHECK_INT(v, -1);
	CHECK_INT(DECL(cql_decode_tinyint, "\x00", &v), CQL_OK);
	CHECK_INT(v, 0);
	CHECK_LENGTHS(cql_decode_tinyint, 1, &v);
}

TEST(value_smallint)
{
	int16_t		v;

	CHECK_INT(DECL(cql_decode_smallint, "\x30\x39", &v), CQL_OK);
	CHECK_INT(v, 12345);
	CHECK_INT(DECL(cql_decode_smallint, "\x7f\xff", &v), CQL_OK);
	CHECK_INT(v, INT16_MAX);
	CHECK_INT(DECL(cql_decode_smallint, "\x80\x00", &v), CQL_OK);
	CHECK_INT(v, INT16_MIN);
	CHECK_INT(DECL(cql_decode_smallint, "\xff\xfe", &v), CQL_OK);
	CHECK_INT(v, -2);
	CHECK_LENGTHS(cql_decode_smallint, 2, &v);
}

TEST(value_int)
{
	int32_t		v;

	CHECK_INT(DECL(cql_decode_int, "\x00\x01\xe2\x40", &v), CQL_OK);
	CHECK_INT(v, 123456);
	CHECK_INT(DECL(cql_decode_int, "\x7f\xff\xff\xff", &v), CQL_OK);
	CHECK_INT(v, INT32_MAX);
	CHECK_INT(DECL(cql_decode_int, "\x80\x00\x00\x00", &v), CQL_OK);
	CHECK_INT(v, INT32_MIN);
	CHECK_INT(DECL(cql_decode_int, "\xff\xff\xff\xff", &v), CQL_OK);
	CHECK_INT(v, -1);
	CHECK_LENGTHS(cql_decode_int, 4, &v);
}

TEST(value_bigint)
{
	int64_t		v;

	/* bigint, counter, timestamp (ms), time (ns since midnight) */
	CHECK_INT(DECL(cql_decode_bigint, "\x00\x00\x01\x8b\xcf\xe5\x68\x00", &v), CQL_OK);
	CHECK_INT(v, 1700000000000LL);
	CHECK_INT(DECL(cql_decode_bigint, "\x7f\xff\xff\xff\xff\xff\xff\xff", &v), CQL_OK);
	CHECK_INT(v, INT64_MAX);
	CHECK_INT(DECL(cql_decode_bigint, "\x80\x00\x00\x00\x00\x00\x00\x00", &v), CQL_OK);
	CHECK_INT(v, INT64_MIN);
	CHECK_INT(DECL(cql_decode_bigint, "\xff\xff\xff\xff\xff\xff\xff\xff", &v), CQL_OK);
	CHECK_INT(v, -1);
	/* time: 86399999999999 = 0x4E94914EFFFF */
	CHECK_INT(DECL(cql_decode_bigint, "\x00\x00\x4e\x94\x91\x4e\xff\xff", &v), CQL_OK);
	CHECK_INT(v, 86399999999999LL);
	CHECK_LENGTHS(cql_decode_bigint, 8, &v);
}

TEST(value_float)
{
	float		f;

	CHECK_INT(DECL(cql_decode_float, "\x3f\xc0\x00\x00", &f), CQL_OK);
	CHECK(f == 1.5f);
	CHECK_INT(DECL(cql_decode_float, "\xc0\x49\x0f\xdb", &f), CQL_OK);
	CHECK(f == -3.14159274101257324f);
	CHECK_INT(DECL(cql_decode_float, "\x7f\x80\x00\x00", &f), CQL_OK);
	CHECK(isinf(f) && f > 0);
	CHECK_INT(DECL(cql_decode_float, "\xff\x80\x00\x00", &f), CQL_OK);
	CHECK(isinf(f) && f < 0);
	CHECK_INT(DECL(cql_decode_float, "\x7f\xc0\x00\x00", &f), CQL_OK);
	CHECK(isnan(f));
	CHECK_INT(DECL(cql_decode_float, "\x80\x00\x00\x00", &f), CQL_OK);
	CHECK(f == 0.0f && signbit(f));
	CHECK_INT(DECL(cql_decode_float, "\x7f\x7f\xff\xff", &f), CQL_OK);
	CHECK(f == 3.40282347e+38f);
	CHECK_INT(DECL(cql_decode_float, "\x00\x00\x00\x01", &f), CQL_OK);
	CHECK(f == 1.40129846e-45f);	/* the smallest subnormal */
	CHECK_LENGTHS(cql_decode_float, 4, &f);
}

TEST(value_double)
{
	double		d;

	CHECK_INT(DECL(cql_decode_double, "\x40\x09\x21\xfb\x54\x44\x2d\x18", &d), CQL_OK);
	CHECK(d == 3.141592653589793);
	CHECK_INT(DECL(cql_decode_double, "\xbf\xf0\x00\x00\x00\x00\x00\x00", &d), CQL_OK);
	CHECK(d == -1.0);
	CHECK_INT(DECL(cql_decode_double, "\x7f\xf0\x00\x00\x00\x00\x00\x00", &d), CQL_OK);
	CHECK(isinf(d) && d > 0);
	CHECK_INT(DECL(cql_decode_double, "\xff\xf0\x00\x00\x00\x00\x00\x00", &d), CQL_OK);
	CHECK(isinf(d) && d < 0);
	CHECK_INT(DECL(cql_decode_double, "\x7f\xf8\x00\x00\x00\x00\x00\x01", &d), CQL_OK);
	CHECK(isnan(d));
	CHECK_INT(DECL(cql_decode_double, "\x7f\xef\xff\xff\xff\xff\xff\xff", &d), CQL_OK);
	CHECK(d == 1.7976931348623157e308);
	CHECK_LENGTHS(cql_decode_double, 8, &d);
}

TEST(value_uuid)
{
	uint8_t		u[16];
	static const char lit[] = "\x55\x0e\x84\x00\xe2\x9b\x41\xd4\xa7\x16\x44\x66\x55\x44\x00\x00";

	memset(u, 0, sizeof(u));
	CHECK_INT(DECL(cql_decode_uuid, lit, u), CQL_OK);
	CHECK_MEM(u, 16, lit, 16);
	CHECK_LENGTHS(cql_decode_uuid, 16, u);
}

TEST(value_date)
{
	uint32_t	v;

	/* 6.5: days with the epoch at 2^31 */
	CHECK_INT(DECL(cql_decode_date, "\x80\x00\x00\x00", &v), CQL_OK);
	CHECK_UINT(v, 1u << 31);
	CHECK_INT(DECL(cql_decode_date, "\x00\x00\x00\x00", &v), CQL_OK);
	CHECK_UINT(v, 0);
	CHECK_INT(DECL(cql_decode_date, "\xff\xff\xff\xff", &v), CQL_OK);
	CHECK_UINT(v, UINT32_MAX);
	CHECK_INT(DECL(cql_decode_date, "\x80\x00\x4a\x38", &v), CQL_OK);
	CHECK_UINT(v, (1u << 31) + 19000);
	CHECK_LENGTHS(cql_decode_date, 4, &v);
}

/* a null or unset slice is not a value: it never reads as one */
TEST(value_negative_length)
{
	int32_t		i;
	int64_t		l;
	bool		b;
	uint8_t		u[16];

	CHECK(cql_decode_int((cql_slice) {NULL, CQL_NULL}, &i) < 0);
	CHECK(cql_decode_bigint((cql_slice) {NULL, CQL_UNSET}, &l) < 0);
	CHECK(cql_decode_boolean((cql_slice) {NULL, CQL_NULL}, &b) < 0);
	CHECK(cql_decode_uuid((cql_slice) {NULL, CQL_NULL}, u) < 0);
}
