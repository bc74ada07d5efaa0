/*-------------------------------------------------------------------------
 *
 * test_value_codec.c
 *		  value.c and encode.c: every CQL type in both directions.
 *
 * Expected bytes are written by hand from native_protocol_v4.spec section 6
 * (and v5 for duration, protocol-notes.md for vectors), with the test's own
 * fx builder where a literal would be unreadable; they never come from the
 * code under test.  Round trips then run every type through encoder and
 * decoder at its extremes, and hostile values (truncated at every length,
 * lying counts and lengths) are decoded from exactly sized copies, so that
 * ASan and valgrind see any read past the end.
 *
 * IDENTIFICATION
 *		  test/unit/test_value_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "frame.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------- type descriptors built by hand ---------- */

static cql_type type_pool[512];
static const cql_type *sub_pool[1024];
static int ntypes,
			nsubs;

static cql_type *
ty(int id)
{
	cql_type   *t;

	if (ntypes >= (int) (sizeof(type_pool) / sizeof(type_pool[0])))
		abort();
	t = &type_pool[ntypes++];
	memset(t, 0, sizeof(*t));
	t->id = id;
	return t;
}

static cql_type *
ty_n(int id, int n, ...)
{
	cql_type   *t = ty(id);
	va_list		ap;

	if (nsubs + n > (int) (sizeof(sub_pool) / sizeof(sub_pool[0])))
		abort();
	t->nsub = n;
	t->sub = &sub_pool[nsubs];
	nsubs += n;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		t->sub[i] = va_arg(ap, const cql_type *);
	va_end(ap);
	return t;
}

#define T_LIST(s)		ty_n(CQL_TYPE_LIST, 1, (s))
#define T_SET(s)		ty_n(CQL_TYPE_SET, 1, (s))
#define T_MAP(k, v)		ty_n(CQL_TYPE_MAP, 2, (k), (v))

static cql_type *
T_VEC(const cql_type *s, int dim)
{
	cql_type   *t = ty_n(CQL_TYPE_VECTOR, 1, s);

	t->dimension = dim;
	return t;
}

/* ---------- helpers ---------- */

#define LIT(s)	((const uint8_t *) (s)), (sizeof(s) - 1)

/* an exactly sized copy of n bytes as a slice; free with free(s.data) */
static cql_slice
dup_slice(const void *p, size_t n)
{
	return (cql_slice) {fx_dup(p, n), (int32_t) n};
}

static void
free_slice(cql_slice s)
{
	free((void *) s.data);
}

/* the buffer holds exactly want */
#define CHECK_BUF(b, want, wantlen) \
	CHECK_MEM(cql_buf_data(b), cql_buf_len(b), (want), (wantlen))

/* encode with the expression (which uses B), expect rc and bytes */
#define CHECK_ENC(expr, lit) \
	do { \
		cql_buf *B = cql_buf_new(); \
		int _rc; \
		if (B == NULL) { test_fail(__FILE__, __LINE__, "out of memory"); break; } \
		_rc = (expr); \
		if (_rc != CQL_OK) \
			test_fail(__FILE__, __LINE__, "%s: rc %d", #expr, _rc); \
		else \
			CHECK_MEM(cql_buf_data(B), cql_buf_len(B), (lit), sizeof(lit) - 1); \
		cql_buf_free(B); \
	} while (0)

/* the expression fails with want and appends nothing */
#define CHECK_ENC_FAILS(expr, want) \
	do { \
		cql_buf *B = cql_buf_new(); \
		if (B == NULL) { test_fail(__FILE__, __LINE__, "out of memory"); break; } \
		CHECK_INT((expr), (want)); \
		CHECK_INT(cql_buf_len(B), 0); \
		cql_buf_free(B); \
	} while (0)

/* run a decoder on an exactly sized copy */
#define DEC(fn, p, n, ...) \
	({ \
		cql_slice _s = dup_slice((p), (n)); \
		int _rc = fn(_s, __VA_ARGS__); \
		free_slice(_s); \
		_rc; \
	})

#define DECL(fn, lit, ...) DEC(fn, lit, sizeof(lit) - 1, __VA_ARGS__)

/* the whole contents of a buffer, as an exactly sized copy */
static cql_slice
buf_copy(const cql_buf *b)
{
	return dup_slice(cql_buf_data(b), cql_buf_len(b));
}

/* ---------- integers ---------- */

TEST(codec_integers_fixtures)
{
	CHECK_ENC(cql_encode_tinyint(B, 0), "\x00");
	CHECK_ENC(cql_encode_tinyint(B, -1), "\xff");
	CHECK_ENC(cql_encode_tinyint(B, INT8_MIN), "\x80");
	CHECK_ENC(cql_encode_tinyint(B, INT8_MAX), "\x7f");
	CHECK_ENC(cql_encode_smallint(B, 12345), "\x30\x39");
	CHECK_ENC(cql_encode_smallint(B, INT16_MIN), "\x80\x00");
	CHECK_ENC(cql_encode_smallint(B, -2), "\xff\xfe");
	CHECK_ENC(cql_encode_int(B, 123456), "\x00\x01\xe2\x40");
	CHECK_ENC(cql_encode_int(B, INT32_MIN), "\x80\x00\x00\x00");
	CHECK_ENC(cql_encode_int(B, INT32_MAX), "\x7f\xff\xff\xff");
	CHECK_ENC(cql_encode_bigint(B, 1700000000000LL), "\x00\x00\x01\x8b\xcf\xe5\x68\x00");
	CHECK_ENC(cql_encode_bigint(B, INT64_MIN), "\x80\x00\x00\x00\x00\x00\x00\x00");
	CHECK_ENC(cql_encode_bigint(B, INT64_MAX), "\x7f\xff\xff\xff\xff\xff\xff\xff");
	CHECK_ENC(cql_encode_bigint(B, -1), "\xff\xff\xff\xff\xff\xff\xff\xff");
	CHECK_ENC(cql_encode_boolean(B, true), "\x01");
	CHECK_ENC(cql_encode_boolean(B, false), "\x00");
}

TEST(codec_integers_range)
{
	CHECK_ENC_FAILS(cql_encode_tinyint(B, 128), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_tinyint(B, -129), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_tinyint(B, INT64_MIN), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_smallint(B, 32768), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_smallint(B, -32769), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_int(B, (int64_t) INT32_MAX + 1), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_int(B, (int64_t) INT32_MIN - 1), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_int(B, INT64_MAX), CQL_ERANGE);
}

TEST(codec_integers_round_trip)
{
	static const int64_t vals[] = {0, 1, -1, 127, -128, 255, 32767, -32768,
		65535, INT32_MAX, INT32_MIN, (int64_t) INT32_MAX + 1, INT64_MAX, INT64_MIN,
	INT64_MAX - 1, INT64_MIN + 1, 1234567890123LL};
	cql_buf    *b = cql_buf_new();

	REQUIRE(b != NULL);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
	{
		int64_t		v = vals[i];
		cql_slice	s;

		cql_buf_reset(b);
		if (v >= INT8_MIN && v <= INT8_MAX)
		{
			int8_t		o;

			CHECK_INT(cql_encode_tinyint(b, v), CQL_OK);
			s = buf_copy(b);
			CHECK_INT(cql_decode_tinyint(s, &o), CQL_OK);
			CHECK_INT(o, v);
			free_slice(s);
			cql_buf_reset(b);
		}
		if (v >= INT16_MIN && v <= INT16_MAX)
		{
			int16_t		o;

			CHECK_INT(cql_encode_smallint(b, v), CQL_OK);
			s = buf_copy(b);
			CHECK_INT(cql_decode_smallint(s, &o), CQL_OK);
			CHECK_INT(o, v);
			free_slice(s);
			cql_buf_reset(b);
		}
		if (v >= INT32_MIN && v <= INT32_MAX)
		{
			int32_t		o;

			CHECK_INT(cql_encode_int(b, v), CQL_OK);
			s = buf_copy(b);
			CHECK_INT(cql_decode_int(s, &o), CQL_OK);
			CHECK_INT(o, v);
			free_slice(s);
			cql_buf_reset(b);
		}
		{
			int64_t		o;

			CHECK_INT(cql_encode_bigint(b, v), CQL_OK);
			s = buf_copy(b);
			CHECK_INT(cql_decode_bigint(s, &o), CQL_OK);
			CHECK_INT(o, v);
			free_slice(s);
			cql_buf_reset(b);
			/* and as the smallest varint */
			CHECK_INT(cql_encode_varint_int64(b, v), CQL_OK);
			s = buf_copy(b);
			CHECK_INT(cql_decode_varint_int64(s, &o), CQL_OK);
			CHECK_INT(o, v);
			free_slice(s);
		}
	}
	cql_buf_free(b);
}

/* ---------- floating point ---------- */

TEST(codec_float_double)
{
	cql_buf    *b = cql_buf_new();
	static const double dv[] = {0.0, -0.0, 1.0, -1.0, 3.141592653589793,
		1.7976931348623157e308, -1.7976931348623157e308, 4.9e-324, 2.2250738585072014e-308,
	INFINITY, -INFINITY, NAN};
	static const float fv[] = {0.0f, -0.0f, 1.5f, -3.14159274101257324f,
	3.40282347e+38f, 1.40129846e-45f, INFINITY, -INFINITY, NAN};

	REQUIRE(b != NULL);
	CHECK_ENC(cql_encode_float(B, 1.5f), "\x3f\xc0\x00\x00");
	CHECK_ENC(cql_encode_float(B, -INFINITY), "\xff\x80\x00\x00");
	CHECK_ENC(cql_encode_float(B, -0.0f), "\x80\x00\x00\x00");
	CHECK_ENC(cql_encode_double(B, 3.141592653589793), "\x40\x09\x21\xfb\x54\x44\x2d\x18");
	CHECK_ENC(cql_encode_double(B, INFINITY), "\x7f\xf0\x00\x00\x00\x00\x00\x00");
	CHECK_ENC(cql_encode_double(B, -1.0), "\xbf\xf0\x00\x00\x00\x00\x00\x00");

	for (size_t i = 0; i < sizeof(dv) / sizeof(dv[0]); i++)
	{
		double		o;
		cql_slice	s;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_double(b, dv[i]), CQL_OK);
		s = buf_copy(b);
		CHECK_INT(cql_decode_double(s, &o), CQL_OK);
		CHECK(memcmp(&o, &dv[i], sizeof(o)) == 0);	/* bits: NaN, -0 */
		free_slice(s);
	}
	for (size_t i = 0; i < sizeof(fv) / sizeof(fv[0]); i++)
	{
		float		o;
		cql_slice	s;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_float(b, fv[i]), CQL_OK);
		s = buf_copy(b);
		CHECK_INT(cql_decode_float(s, &o), CQL_OK);
		CHECK(memcmp(&o, &fv[i], sizeof(o)) == 0);
		free_slice(s);
	}
	/* a NaN keeps its payload */
	{
		static const uint8_t qnan[8] = {0x7f, 0xf8, 0, 0, 0, 0, 0, 0x01};
		double		d;
		cql_slice	s = dup_slice(qnan, 8);

		CHECK_INT(cql_decode_double(s, &d), CQL_OK);
		CHECK(isnan(d));
		cql_buf_reset(b);
		CHECK_INT(cql_encode_double(b, d), CQL_OK);
		CHECK_BUF(b, qnan, 8);
		free_slice(s);
	}
	cql_buf_free(b);
}

/* ---------- date, time, timestamp ---------- */

TEST(codec_temporal)
{
	cql_buf    *b = cql_buf_new();
	static const uint32_t days[] = {0, 1u << 31, UINT32_MAX, (1u << 31) + 19000, 1};
	static const int64_t times[] = {0, 1, 86399999999999LL, 43200000000000LL};
	static const int64_t stamps[] = {INT64_MIN, INT64_MAX, 0, -1, 1700000000000LL};

	REQUIRE(b != NULL);
	/* 6.5: 2^31 is the epoch */
	CHECK_ENC(cql_encode_date(B, 1u << 31), "\x80\x00\x00\x00");
	CHECK_ENC(cql_encode_date(B, 0), "\x00\x00\x00\x00");
	CHECK_ENC(cql_encode_date(B, UINT32_MAX), "\xff\xff\xff\xff");
	/* 6.16: 0 .. 86399999999999 = 0x4E94914EFFFF */
	CHECK_ENC(cql_encode_time(B, 86399999999999LL), "\x00\x00\x4e\x94\x91\x4e\xff\xff");
	CHECK_ENC(cql_encode_time(B, 0), "\x00\x00\x00\x00\x00\x00\x00\x00");
	CHECK_ENC_FAILS(cql_encode_time(B, -1), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_time(B, 86400000000000LL), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_time(B, INT64_MIN), CQL_ERANGE);
	CHECK_ENC(cql_encode_timestamp(B, INT64_MIN), "\x80\x00\x00\x00\x00\x00\x00\x00");
	CHECK_ENC(cql_encode_timestamp(B, -1), "\xff\xff\xff\xff\xff\xff\xff\xff");

	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
	{
		uint32_t	o;
		cql_slice	s;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_date(b, days[i]), CQL_OK);
		s = buf_copy(b);
		CHECK_INT(cql_decode_date(s, &o), CQL_OK);
		CHECK_UINT(o, days[i]);
		free_slice(s);
	}
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
	{
		int64_t		o;
		cql_slice	s;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_time(b, times[i]), CQL_OK);
		s = buf_copy(b);
		CHECK_INT(cql_decode_bigint(s, &o), CQL_OK);
		CHECK_INT(o, times[i]);
		free_slice(s);
	}
	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++)
	{
		int64_t		o;
		cql_slice	s;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_timestamp(b, stamps[i]), CQL_OK);
		s = buf_copy(b);
		CHECK_INT(cql_decode_bigint(s, &o), CQL_OK);
		CHECK_INT(o, stamps[i]);
		free_slice(s);
	}
	cql_buf_free(b);
}

/* ---------- uuid, inet, strings ---------- */

TEST(codec_uuid_inet)
{
	/* a version 1 (time) and a version 4 (random) UUID */
	static const uint8_t v1[16] = {0xc3, 0x7d, 0x66, 0x1d, 0x7e, 0x61, 0x11, 0xe9,
	0x8f, 0x9e, 0x2a, 0x86, 0xe4, 0x08, 0x5a, 0x59};
	static const uint8_t v4[16] = {0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4,
	0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00};
	static const uint8_t a4[4] = {192, 168, 1, 20};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t		u[16],
				a[16];
	int			alen;
	cql_buf    *b = cql_buf_new();
	cql_slice	s;

	REQUIRE(b != NULL);
	CHECK_INT(cql_encode_uuid(b, v4), CQL_OK);
	CHECK_INT(cql_encode_uuid(b, v1), CQL_OK);
	CHECK_INT(cql_encode_timeuuid(b, v1), CQL_OK);
	REQUIRE(cql_buf_len(b) == 48);
	CHECK_MEM(cql_buf_data(b), 16, v4, 16);
	CHECK_MEM(cql_buf_data(b) + 32, 16, v1, 16);
	s = dup_slice(cql_buf_data(b) + 32, 16);
	CHECK_INT(cql_decode_uuid(s, u), CQL_OK);
	CHECK_MEM(u, 16, v1, 16);
	free_slice(s);
	CHECK_ENC_FAILS(cql_encode_timeuuid(B, v4), CQL_ETYPE);

	cql_buf_reset(b);
	CHECK_INT(cql_encode_inet(b, a4, 4), CQL_OK);
	CHECK_BUF(b, "\xc0\xa8\x01\x14", 4);
	s = buf_copy(b);
	CHECK_INT(cql_decode_inet(s, a, &alen), CQL_OK);
	CHECK_INT(alen, 4);
	CHECK_MEM(a, 4, a4, 4);
	free_slice(s);
	cql_buf_reset(b);
	CHECK_INT(cql_encode_inet(b, a6, 16), CQL_OK);
	s = buf_copy(b);
	CHECK_INT(cql_decode_inet(s, a, &alen), CQL_OK);
	CHECK_INT(alen, 16);
	CHECK_MEM(a, 16, a6, 16);
	free_slice(s);
	CHECK_ENC_FAILS(cql_encode_inet(B, a6, 5), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_inet(B, a6, 0), CQL_EINVAL);
	CHECK_INT(DEC(cql_decode_inet, a6, 5, a, &alen), CQL_EPROTO);
	CHECK_INT(DEC(cql_decode_inet, a6, 0, a, &alen), CQL_EMPTY);
	cql_buf_free(b);
}

TEST(codec_strings)
{
	cql_type   *text = ty(CQL_TYPE_VARCHAR);
	cql_type   *ascii = ty(CQL_TYPE_ASCII);

	CHECK_ENC(cql_encode_text(B, "krem\xc3\xb3wki", 9), "krem\xc3\xb3wki");
	CHECK_ENC(cql_encode_text(B, "\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80");	/* U+1F600 */
	CHECK_ENC(cql_encode_text(B, "", 0), "");
	CHECK_ENC(cql_encode_text(B, "a\0b", 3), "a\0b");
	CHECK_ENC(cql_encode_ascii(B, "hello", 5), "hello");
	CHECK_ENC(cql_encode_blob(B, "\x00\xff\x80", 3), "\x00\xff\x80");
	CHECK_ENC(cql_encode_blob(B, NULL, 0), "");
	/* not UTF-8: a lone continuation, overlong, surrogate, > U+10FFFF, cut */
	CHECK_ENC_FAILS(cql_encode_text(B, "\x80", 1), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_text(B, "\xc0\x80", 2), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_text(B, "\xe0\x80\xaf", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_text(B, "\xed\xa0\x80", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_text(B, "\xf4\x90\x80\x80", 4), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_text(B, "\xf5\x80\x80\x80", 4), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_text(B, "ab\xc3", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_ascii(B, "caf\xc3\xa9", 5), CQL_ERANGE);

	CHECK_INT(DECL(cql_value_validate, "krem\xc3\xb3wki", text), CQL_OK);
	CHECK_INT(DECL(cql_value_validate, "\xe2\x82", text), CQL_EPROTO);
	CHECK_INT(DECL(cql_value_validate, "\x7f", ascii), CQL_OK);
	CHECK_INT(DECL(cql_value_validate, "\x80", ascii), CQL_EPROTO);
}

/* ---------- varint ---------- */

/* 6.23's table, both ways */
TEST(codec_varint_spec_table)
{
	static const struct
	{
		const char *text;
		int64_t		v;
		const char *bytes;
		int			n;
	}			tab[] = {
		{"0", 0, "\x00", 1},
		{"1", 1, "\x01", 1},
		{"127", 127, "\x7f", 1},
		{"128", 128, "\x00\x80", 2},
		{"129", 129, "\x00\x81", 2},
		{"-1", -1, "\xff", 1},
		{"-128", -128, "\x80", 1},
		{"-129", -129, "\xff\x7f", 2},
		{"255", 255, "\x00\xff", 2},
		{"256", 256, "\x01\x00", 2},
		{"-32768", -32768, "\x80\x00", 2},
		{"-32769", -32769, "\xff\x7f\xff", 3},
	};
	cql_buf    *b = cql_buf_new();
	char		txt[64];

	REQUIRE(b != NULL);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		cql_slice	s = dup_slice(tab[i].bytes, (size_t) tab[i].n);
		int64_t		v;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, tab[i].text, strlen(tab[i].text)), CQL_OK);
		CHECK_BUF(b, tab[i].bytes, (size_t) tab[i].n);
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint_int64(b, tab[i].v), CQL_OK);
		CHECK_BUF(b, tab[i].bytes, (size_t) tab[i].n);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		CHECK_STR(txt, tab[i].text);
		CHECK_INT(cql_decode_varint_int64(s, &v), CQL_OK);
		CHECK_INT(v, tab[i].v);
		free_slice(s);
	}
	cql_buf_free(b);
}

/* 2^63 and 2^64 on either side of the int64 range */
TEST(codec_varint_powers)
{
	static const struct
	{
		const char *text;
		const char *bytes;
		int			n;
		bool		fits;		/* in an int64 */
	}			tab[] = {
		{"9223372036854775807", "\x7f\xff\xff\xff\xff\xff\xff\xff", 8, true},
		{"-9223372036854775808", "\x80\x00\x00\x00\x00\x00\x00\x00", 8, true},
		{"9223372036854775808", "\x00\x80\x00\x00\x00\x00\x00\x00\x00", 9, false},
		{"-9223372036854775809", "\xff\x7f\xff\xff\xff\xff\xff\xff\xff", 9, false},
		{"18446744073709551616", "\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9, false},
		{"-18446744073709551616", "\xff\x00\x00\x00\x00\x00\x00\x00\x00", 9, false},
		{"18446744073709551615", "\x00\xff\xff\xff\xff\xff\xff\xff\xff", 9, false},
		{"-18446744073709551615", "\xff\x00\x00\x00\x00\x00\x00\x00\x01", 9, false},
	};
	cql_buf    *b = cql_buf_new();
	char		txt[64];

	REQUIRE(b != NULL);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		cql_slice	s = dup_slice(tab[i].bytes, (size_t) tab[i].n);
		int64_t		v;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, tab[i].text, strlen(tab[i].text)), CQL_OK);
		CHECK_BUF(b, tab[i].bytes, (size_t) tab[i].n);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		CHECK_STR(txt, tab[i].text);
		CHECK_INT(cql_decode_varint_int64(s, &v), tab[i].fits ? CQL_OK : CQL_ERANGE);
		free_slice(s);
	}
	/* a longer encoding that only extends the sign still fits */
	{
		int64_t		v;

		CHECK_INT(DECL(cql_decode_varint_int64, "\x00\x00\x7f\xff\xff\xff\xff\xff\xff\xff", &v), CQL_OK);
		CHECK_INT(v, INT64_MAX);
		CHECK_INT(DECL(cql_decode_varint_int64, "\xff\xff\x80\x00\x00\x00\x00\x00\x00\x00", &v), CQL_OK);
		CHECK_INT(v, INT64_MIN);
		CHECK_INT(DECL(cql_decode_varint_int64, "", &v), CQL_EMPTY);
	}
	cql_buf_free(b);
}

/* decimal strings of the test's own: s = 2 * s, s = s - 1 */
static void
dec_double(char *s)
{
	int			carry = 0;
	size_t		n = strlen(s);

	for (size_t i = n; i-- > 0;)
	{
		int			d = (s[i] - '0') * 2 + carry;

		s[i] = (char) ('0' + d % 10);
		carry = d / 10;
	}
	if (carry)
	{
		memmove(s + 1, s, n + 1);
		s[0] = '1';
	}
}

static void
dec_minus_one(char *s)
{
	size_t		n = strlen(s);
	size_t		i = n;

	while (i-- > 0)
	{
		if (s[i] == '0')
			s[i] = '9';
		else
		{
			s[i]--;
			break;
		}
	}
	if (s[0] == '0' && n > 1)
		memmove(s, s + 1, n);
}

/*
 * Lengths 1..41 bytes: for L bytes, 2^(8L-1) - 1 is 7F FF..FF, -2^(8L-1) is
 * 80 00..00, and 2^(8L-1) needs one more byte: 00 80 00..00.
 */
TEST(codec_varint_lengths)
{
	char		pow[128] = "1";
	char		txt[128];
	char		want[130];
	uint8_t		bytes[48];
	cql_buf    *b = cql_buf_new();

	REQUIRE(b != NULL);
	for (int L = 1; L <= 40; L++)
	{
		cql_slice	s;

		/* pow = 2^(8L-1) */
		for (int k = 0; k < (L == 1 ? 7 : 8); k++)
			dec_double(pow);

		/* 2^(8L-1) - 1 */
		strcpy(want, pow);
		dec_minus_one(want);
		memset(bytes, 0xff, sizeof(bytes));
		bytes[0] = 0x7f;
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, want, strlen(want)), CQL_OK);
		CHECK_BUF(b, bytes, (size_t) L);
		s = dup_slice(bytes, (size_t) L);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		CHECK_STR(txt, want);
		free_slice(s);

		/* -2^(8L-1) */
		want[0] = '-';
		strcpy(want + 1, pow);
		memset(bytes, 0, sizeof(bytes));
		bytes[0] = 0x80;
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, want, strlen(want)), CQL_OK);
		CHECK_BUF(b, bytes, (size_t) L);
		s = dup_slice(bytes, (size_t) L);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		CHECK_STR(txt, want);
		free_slice(s);

		/* +2^(8L-1): L + 1 bytes */
		memset(bytes, 0, sizeof(bytes));
		bytes[1] = 0x80;
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, pow, strlen(pow)), CQL_OK);
		CHECK_BUF(b, bytes, (size_t) L + 1);
		s = dup_slice(bytes, (size_t) L + 1);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		CHECK_STR(txt, pow);
		free_slice(s);

		/* -2^(8L-1) - 1: FF 7F FF..FF, L + 1 bytes */
		want[0] = '-';
		strcpy(want + 1, pow);
		{
			/* + 1 on the magnitude: pow is even, its last digit < 9 */
			want[strlen(want) - 1]++;
		}
		memset(bytes, 0xff, sizeof(bytes));
		bytes[1] = 0x7f;
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, want, strlen(want)), CQL_OK);
		CHECK_BUF(b, bytes, (size_t) L + 1);
		s = dup_slice(bytes, (size_t) L + 1);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		CHECK_STR(txt, want);
		free_slice(s);
	}
	cql_buf_free(b);
}

/* pseudo-random minimal varints of 1..40 bytes: bytes -> text -> bytes */
TEST(codec_varint_random_round_trip)
{
	uint32_t	seed = 12345;
	cql_buf    *b = cql_buf_new();
	char		txt[128];

	REQUIRE(b != NULL);
	for (int iter = 0; iter < 2000; iter++)
	{
		int			L = 1 + iter % 40;
		uint8_t		bytes[40];
		cql_slice	s;

		for (int i = 0; i < L; i++)
		{
			seed = seed * 1103515245u + 12345u;
			bytes[i] = (uint8_t) (seed >> 16);
		}
		/* make it minimal */
		if (L > 1 && (bytes[0] == 0x00 || bytes[0] == 0xff))
			bytes[0] = 0x42;
		s = dup_slice(bytes, (size_t) L);
		CHECK_INT(cql_varint_to_text(s, txt, sizeof(txt)), CQL_OK);
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, txt, strlen(txt)), CQL_OK);
		CHECK_BUF(b, bytes, (size_t) L);
		free_slice(s);
	}
	/* a 2000-digit number: through the heap path of the text conversion */
	{
		char	   *big = malloc(2002);
		char	   *back;
		cql_slice	s;

		REQUIRE(big != NULL);
		big[0] = '-';
		for (int i = 1; i <= 2000; i++)
			big[i] = (char) ('1' + i % 9);
		big[2001] = '\0';
		cql_buf_reset(b);
		CHECK_INT(cql_encode_varint(b, big, 2001), CQL_OK);
		CHECK(cql_buf_len(b) > 800 && cql_buf_len(b) < 840);
		s = buf_copy(b);
		back = malloc(cql_varint_text_size(s));
		REQUIRE(back != NULL);
		CHECK_INT(cql_varint_to_text(s, back, cql_varint_text_size(s)), CQL_OK);
		CHECK_STR(back, big);
		free(back);
		free_slice(s);
		free(big);
	}
	cql_buf_free(b);
}

TEST(codec_varint_syntax)
{
	CHECK_ENC(cql_encode_varint(B, "000123", 6), "\x7b");
	CHECK_ENC(cql_encode_varint(B, "+5", 2), "\x05");
	CHECK_ENC(cql_encode_varint(B, "-0", 2), "\x00");
	CHECK_ENC(cql_encode_varint(B, "00000", 5), "\x00");
	CHECK_ENC(cql_encode_varint(B, "-000128", 7), "\x80");
	CHECK_ENC(cql_encode_varint(B, "123456789012345678", 18),
			  "\x01\xb6\x9b\x4b\xa6\x30\xf3\x4e");
	CHECK_ENC_FAILS(cql_encode_varint(B, "", 0), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, "-", 1), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, "+", 1), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, "12a", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, " 1", 2), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, "1 ", 2), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, "--1", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, "1.0", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_varint(B, NULL, 0), CQL_EINVAL);
	/* only n bytes are read */
	CHECK_ENC(cql_encode_varint(B, "12x", 2), "\x0c");
}

/* ---------- decimal ---------- */

TEST(codec_decimal_fixtures)
{
	int32_t		scale;
	cql_slice	u;

	/* 6.6: <scale [int]><unscaled varint>: 123.45 = 12345 E-2 */
	CHECK_ENC(cql_encode_decimal(B, 2, "12345", 5), "\x00\x00\x00\x02\x30\x39");
	CHECK_ENC(cql_encode_decimal(B, 2, "-12345", 6), "\x00\x00\x00\x02\xcf\xc7");
	/* negative scale: 12 E+3 */
	CHECK_ENC(cql_encode_decimal(B, -3, "12", 2), "\xff\xff\xff\xfd\x0c");
	CHECK_ENC(cql_encode_decimal(B, INT32_MIN, "1", 1), "\x80\x00\x00\x00\x01");
	CHECK_ENC(cql_encode_decimal(B, INT32_MAX, "-128", 4), "\x7f\xff\xff\xff\x80");
	CHECK_ENC(cql_encode_decimal(B, 0, "0", 1), "\x00\x00\x00\x00\x00");

	CHECK_ENC(cql_encode_decimal_text(B, "123.45", 6), "\x00\x00\x00\x02\x30\x39");
	CHECK_ENC(cql_encode_decimal_text(B, "-123.45", 7), "\x00\x00\x00\x02\xcf\xc7");
	CHECK_ENC(cql_encode_decimal_text(B, "1.50", 4), "\x00\x00\x00\x02\x00\x96");
	CHECK_ENC(cql_encode_decimal_text(B, "12E3", 4), "\xff\xff\xff\xfd\x0c");
	CHECK_ENC(cql_encode_decimal_text(B, "1.5e+3", 6), "\xff\xff\xff\xfe\x0f");
	CHECK_ENC(cql_encode_decimal_text(B, "1e-5", 4), "\x00\x00\x00\x05\x01");
	CHECK_ENC(cql_encode_decimal_text(B, ".5", 2), "\x00\x00\x00\x01\x05");
	CHECK_ENC(cql_encode_decimal_text(B, "5.", 2), "\x00\x00\x00\x00\x05");
	CHECK_ENC(cql_encode_decimal_text(B, "0.000", 5), "\x00\x00\x00\x03\x00");
	CHECK_ENC(cql_encode_decimal_text(B, "-0.0", 4), "\x00\x00\x00\x01\x00");
	CHECK_ENC(cql_encode_decimal_text(B, "+7", 2), "\x00\x00\x00\x00\x07");
	CHECK_ENC(cql_encode_decimal_text(B, "1E-2147483647", 13), "\x7f\xff\xff\xff\x01");
	CHECK_ENC(cql_encode_decimal_text(B, "1E+2147483648", 13), "\x80\x00\x00\x00\x01");

	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1E+2147483649", 13), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1E-2147483648", 13), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1e99999999999999999999", 22), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "NaN", 3), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "-Infinity", 9), CQL_ERANGE);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "", 0), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, ".", 1), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "e5", 2), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1e", 2), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1e+", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1.2.3", 5), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal_text(B, "1,5", 3), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal(B, 0, "", 0), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_decimal(B, 0, "1.5", 3), CQL_EINVAL);

	CHECK_INT(DECL(cql_decode_decimal, "\xff\xff\xff\xfd\x0c", &scale, &u), CQL_OK);
	CHECK_INT(scale, -3);
	CHECK_INT(DECL(cql_decode_decimal, "\x00\x00\x00\x02", &scale, &u), CQL_EPROTO);
	CHECK_INT(DECL(cql_decode_decimal, "", &scale, &u), CQL_EMPTY);
}

TEST(codec_decimal_text)
{
	/* Java's BigDecimal.toString() of unscaled E -scale */
	static const struct
	{
		const char *unscaled;
		int32_t		scale;
		const char *text;
	}			tab[] = {
		{"12345", 2, "123.45"},
		{"-12345", 2, "-123.45"},
		{"150", 2, "1.50"},
		{"1", 5, "0.00001"},
		{"1", 6, "0.000001"},
		{"1", 7, "1E-7"},
		{"-12345", 10, "-0.0000012345"},
		{"12345", 11, "1.2345E-7"},
		{"123", -5, "1.23E+7"},
		{"1", -1, "1E+1"},
		{"-7", 0, "-7"},
		{"0", 0, "0"},
		{"0", 2, "0.00"},
		{"0", 10, "0E-10"},
		{"0", -2, "0E+2"},
		{"1", INT32_MAX, "1E-2147483647"},
		{"1", INT32_MIN, "1E+2147483648"},
		{"-99", INT32_MIN, "-9.9E+2147483649"},
		{"123456789012345678901234567890", 20, "1234567890.12345678901234567890"},
		{"123456789012345678901234567890", -20, "1.23456789012345678901234567890E+49"},
	};
	cql_buf    *b = cql_buf_new();

	REQUIRE(b != NULL);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		cql_slice	s;
		char	   *txt;
		size_t		size;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_decimal(b, tab[i].scale, tab[i].unscaled,
									 strlen(tab[i].unscaled)), CQL_OK);
		s = buf_copy(b);
		size = cql_decimal_text_size(s);
		txt = malloc(size);
		REQUIRE(txt != NULL);
		CHECK_INT(cql_decimal_to_text(s, txt, size), CQL_OK);
		CHECK_STR(txt, tab[i].text);
		CHECK_INT(cql_decimal_to_text(s, txt, size - 1), CQL_EINVAL);
		/* and back from the text */
		cql_buf_reset(b);
		CHECK_INT(cql_encode_decimal_text(b, tab[i].text, strlen(tab[i].text)), CQL_OK);
		CHECK_BUF(b, s.data, (size_t) s.len);
		free(txt);
		free_slice(s);
	}
	cql_buf_free(b);
}

/* ---------- duration ---------- */

TEST(codec_duration_fixtures)
{
	int32_t		m,
				d;
	int64_t		ns;

	/* zig-zag: 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3 ... one byte below 64 */
	CHECK_ENC(cql_encode_duration(B, 0, 0, 0), "\x00\x00\x00");
	CHECK_ENC(cql_encode_duration(B, 1, 2, 3), "\x02\x04\x06");
	CHECK_ENC(cql_encode_duration(B, -1, -2, -3), "\x01\x03\x05");
	CHECK_ENC(cql_encode_duration(B, 63, 0, 0), "\x7e\x00\x00");
	CHECK_ENC(cql_encode_duration(B, -32, 0, -64), "\x3f\x00\x7f");
	/* 64 -> 128: [10]000000 10000000 */
	CHECK_ENC(cql_encode_duration(B, 64, 0, 0), "\x80\x80\x00\x00");
	/* v5 spec 3: 256000 is [110]00011 11101000 00000000; zig-zag of 128000 */
	CHECK_ENC(cql_encode_duration(B, 128000, 0, 0), "\xc3\xe8\x00\x00\x00");
	/* one hour: 3.6e12 ns, zig-zag 7.2e12 = 0x68C61714000, 43 bits: 7 bytes */
	CHECK_ENC(cql_encode_duration(B, 0, 0, 3600000000000LL),
			  "\x00\x00\xfc\x06\x8c\x61\x71\x40\x00");
	/* INT32_MIN: zig-zag 0xFFFFFFFF, 32 bits: [11110]000 + 4 bytes */
	CHECK_ENC(cql_encode_duration(B, INT32_MIN, 0, 0), "\xf0\xff\xff\xff\xff\x00\x00");
	/* INT64_MIN and INT64_MAX nanoseconds: 9 bytes, the first 0xFF */
	CHECK_ENC(cql_encode_duration(B, 0, 0, INT64_MIN),
			  "\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff");
	CHECK_ENC(cql_encode_duration(B, 0, 0, INT64_MAX),
			  "\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe");

	/* every part has one sign */
	CHECK_ENC_FAILS(cql_encode_duration(B, 1, -1, 0), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_duration(B, 0, 1, -1), CQL_EINVAL);
	CHECK_ENC_FAILS(cql_encode_duration(B, -1, 0, 1), CQL_EINVAL);

	CHECK_INT(DECL(cql_decode_duration, "\xc3\xe8\x00\x00\x00", &m, &d, &ns), CQL_OK);
	CHECK_INT(m, 128000);
	CHECK_INT(d, 0);
	CHECK_INT(ns, 0);
	CHECK_INT(DECL(cql_decode_duration, "\x01\x03\xfc\x06\x8c\x61\x71\x40\x00", &m, &d, &ns), CQL_OK);
	CHECK_INT(m, -1);
	CHECK_INT(d, -2);
	CHECK_INT(ns, 3600000000000LL);
	/* a months vint over 32 bits */
	CHECK_INT(DECL(cql_decode_duration, "\xf8\x02\x00\x00\x00\x00\x00\x00", &m, &d, &ns), CQL_EPROTO);
	CHECK_INT(DECL(cql_decode_duration, "\x02\x04\x06\x00", &m, &d, &ns), CQL_EPROTO);
	CHECK_INT(DECL(cql_decode_duration, "", &m, &d, &ns), CQL_EMPTY);
	CHECK_INT(cql_decode_duration((cql_slice) {NULL, CQL_NULL}, &m, &d, &ns), CQL_EPROTO);
}

TEST(codec_duration_round_trip)
{
	static const struct
	{
		int32_t		m,
					d;
		int64_t		ns;
	}			tab[] = {
		{0, 0, 0}, {1, 1, 1}, {-1, -1, -1}, {INT32_MAX, INT32_MAX, INT64_MAX},
		{INT32_MIN, INT32_MIN, INT64_MIN}, {0, 0, -1}, {-14, 0, -3600000000000LL},
		{12, 30, 0}, {0, -7, 0}, {0, 0, 1LL << 62}, {0, 0, -(1LL << 56)},
	};
	cql_type   *dur = ty(CQL_TYPE_DURATION);
	cql_buf    *b = cql_buf_new();

	REQUIRE(b != NULL);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		int32_t		m,
					d;
		int64_t		ns;
		cql_slice	s;

		cql_buf_reset(b);
		CHECK_INT(cql_encode_duration(b, tab[i].m, tab[i].d, tab[i].ns), CQL_OK);
		s = buf_copy(b);
		CHECK_INT(cql_decode_duration(s, &m, &d, &ns), CQL_OK);
		CHECK_INT(m, tab[i].m);
		CHECK_INT(d, tab[i].d);
		CHECK_INT(ns, tab[i].ns);
		CHECK_INT(cql_value_validate(s, dur), CQL_OK);
		/* every truncation is malformed */
		for (int32_t n = 1; n < s.len; n++)
		{
			cql_slice	t = dup_slice(s.data, (size_t) n);

			if (cql_decode_duration(t, &m, &d, &ns) != CQL_EPROTO)
				test_fail(__FILE__, __LINE__, "duration %zu cut to %d bytes decoded", i, n);
			free_slice(t);
		}
		free_slice(s);
	}
	/* mixed signs decode (the decoder is lenient) but do not validate */
	CHECK_INT(DECL(cql_value_validate, "\x02\x03\x00", dur), CQL_EPROTO);
	cql_buf_free(b);
}

/* ---------- collections ---------- */

/* list<int> [1, 2, 3], set<text> {'a', 'bc'}, map<text, int> {'k': 7} */
TEST(iter_simple_collections)
{
	cql_type   *li = T_LIST(ty(CQL_TYPE_INT));
	cql_type   *st = T_SET(ty(CQL_TYPE_VARCHAR));
	cql_type   *mti = T_MAP(ty(CQL_TYPE_VARCHAR), ty(CQL_TYPE_INT));
	cql_iter	it;
	cql_slice	e,
				s;
	int32_t		v;

	s = dup_slice(LIT("\x00\x00\x00\x03"
					  "\x00\x00\x00\x04\x00\x00\x00\x01"
					  "\x00\x00\x00\x04\x00\x00\x00\x02"
					  "\x00\x00\x00\x04\xff\xff\xff\xfd"));
	CHECK_INT(cql_iter_begin(s, li, &it), CQL_OK);
	CHECK_INT(cql_iter_size(&it), 3);
	for (int i = 0; i < 3; i++)
	{
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK(cql_iter_elem_type(&it) == li->sub[0]);
		CHECK_INT(cql_decode_int(e, &v), CQL_OK);
		CHECK_INT(v, i < 2 ? i + 1 : -3);
	}
	CHECK_INT(cql_iter_next(&it, &e), 0);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	CHECK_INT(cql_value_validate(s, li), CQL_OK);
	free_slice(s);

	s = dup_slice(LIT("\x00\x00\x00\x02" "\x00\x00\x00\x01" "a" "\x00\x00\x00\x02" "bc"));
	CHECK_INT(cql_iter_begin(s, st, &it), CQL_OK);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_MEM(e.data, (size_t) e.len, "a", 1);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_MEM(e.data, (size_t) e.len, "bc", 2);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);

	s = dup_slice(LIT("\x00\x00\x00\x01" "\x00\x00\x00\x01" "k" "\x00\x00\x00\x04\x00\x00\x00\x07"));
	CHECK_INT(cql_iter_begin(s, mti, &it), CQL_OK);
	CHECK_INT(cql_iter_size(&it), 1);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK(cql_iter_elem_type(&it) == mti->sub[0]);
	CHECK_MEM(e.data, (size_t) e.len, "k", 1);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK(cql_iter_elem_type(&it) == mti->sub[1]);
	CHECK_INT(cql_decode_int(e, &v), CQL_OK);
	CHECK_INT(v, 7);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	CHECK_INT(cql_value_validate(s, mti), CQL_OK);
	free_slice(s);

	/* an empty list, a zero-length value, a null element, an empty element */
	s = dup_slice(LIT("\x00\x00\x00\x00"));
	CHECK_INT(cql_iter_begin(s, li, &it), CQL_OK);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);
	s = dup_slice("", 0);
	CHECK_INT(cql_iter_begin(s, li, &it), CQL_EMPTY);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	CHECK_INT(cql_value_validate(s, li), CQL_OK);
	free_slice(s);
	s = dup_slice(LIT("\x00\x00\x00\x02" "\xff\xff\xff\xff" "\x00\x00\x00\x00"));
	CHECK_INT(cql_iter_begin(s, li, &it), CQL_OK);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(e.len, CQL_NULL);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(e.len, 0);
	CHECK_INT(cql_decode_int(e, &v), CQL_EMPTY);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	CHECK_INT(cql_value_validate(s, li), CQL_OK);
	free_slice(s);

	/* not a container, or a null value */
	CHECK_INT(cql_iter_begin((cql_slice) {(const uint8_t *) "\0\0\0\0", 4}, ty(CQL_TYPE_INT), &it), CQL_EINVAL);
	CHECK_INT(cql_iter_begin((cql_slice) {NULL, CQL_NULL}, li, &it), CQL_EINVAL);
}

/* counts and lengths that lie */
TEST(iter_hostile_headers)
{
	cql_type   *li = T_LIST(ty(CQL_TYPE_INT));
	cql_type   *mii = T_MAP(ty(CQL_TYPE_INT), ty(CQL_TYPE_INT));
	cql_iter	it;
	cql_slice	e;

	/* a count past what the bytes can hold */
	CHECK_INT(DECL(cql_iter_begin, "\x7f\xff\xff\xff", li, &it), CQL_EPROTO);
	CHECK_INT(DECL(cql_iter_begin, "\x00\x00\x00\x02" "\x00\x00\x00\x00", li, &it), CQL_EPROTO);
	CHECK_INT(DECL(cql_iter_begin, "\x80\x00\x00\x00", li, &it), CQL_EPROTO);
	CHECK_INT(DECL(cql_iter_begin, "\xff\xff\xff\xff", li, &it), CQL_EPROTO);
	CHECK_INT(DECL(cql_iter_begin, "\x00\x00\x00", li, &it), CQL_EPROTO);
	/* a map of one entry needs 8 bytes after the count */
	CHECK_INT(DECL(cql_iter_begin, "\x00\x00\x00\x01" "\x00\x00\x00\x00", mii, &it), CQL_EPROTO);
	CHECK_INT(DECL(cql_iter_begin, "\x00\x00\x00\x01" "\x00\x00\x00\x00\x00\x00\x00\x00", mii, &it), CQL_OK);

	/* an element length past the end */
	{
		cql_slice	s = dup_slice(LIT("\x00\x00\x00\x01" "\x00\x00\x00\x05" "\x00\x00\x00\x01"));

		CHECK_INT(cql_iter_begin(s, li, &it), CQL_OK);
		CHECK_INT(cql_iter_next(&it, &e), CQL_EPROTO);
		CHECK_INT(cql_value_validate(s, li), CQL_EPROTO);
		free_slice(s);
	}
	/* INT32_MAX element length */
	{
		cql_slice	s = dup_slice(LIT("\x00\x00\x00\x01" "\x7f\xff\xff\xff" "\x00\x00\x00\x01"));

		CHECK_INT(cql_iter_begin(s, li, &it), CQL_OK);
		CHECK_INT(cql_iter_next(&it, &e), CQL_EPROTO);
		free_slice(s);
	}
	/* bytes after the last element */
	{
		cql_slice	s = dup_slice(LIT("\x00\x00\x00\x01" "\x00\x00\x00\x04\x00\x00\x00\x01" "\x00"));

		CHECK_INT(cql_iter_begin(s, li, &it), CQL_OK);
		CHECK_INT(cql_iter_next(&it, &e), 1);
		CHECK_INT(cql_iter_next(&it, &e), CQL_EPROTO);
		CHECK_INT(cql_value_validate(s, li), CQL_EPROTO);
		free_slice(s);
	}
	/* an element of the wrong size for its type */
	CHECK_INT(DECL(cql_value_validate, "\x00\x00\x00\x01" "\x00\x00\x00\x03\x00\x00\x01", li), CQL_EPROTO);
}

/*
 * list<map<text, frozen<list<int>>>> [{'a': [1, 2], 'bc': []}, {}], from
 * the spec: a list is [int] n then n [bytes]; a map [int] n then n pairs.
 */
static void
nested_fixture(fx *v)
{
	fx			inner,
				map;

	fx_init(&inner);
	fx_i32(&inner, 2);
	fx_cell_i32(&inner, 1);
	fx_cell_i32(&inner, 2);
	fx_init(&map);
	fx_i32(&map, 2);
	fx_bytes(&map, "a", 1);
	fx_bytes(&map, inner.data, (int32_t) inner.len);
	fx_bytes(&map, "bc", 2);
	fx_bytes(&map, "\x00\x00\x00\x00", 4);
	fx_init(v);
	fx_i32(v, 2);
	fx_bytes(v, map.data, (int32_t) map.len);
	fx_bytes(v, "\x00\x00\x00\x00", 4);
	fx_free(&inner);
	fx_free(&map);
}

static cql_type *
nested_type(void)
{
	return T_LIST(T_MAP(ty(CQL_TYPE_VARCHAR), T_LIST(ty(CQL_TYPE_INT))));
}

TEST(iter_nested_collections)
{
	cql_type   *t = nested_type();
	fx			v;
	cql_slice	s;
	cql_iter	outer,
				map,
				inner;
	cql_slice	e,
				k,
				mv,
				x;
	int32_t		i32;

	nested_fixture(&v);
	REQUIRE(v.len == 63);
	s = dup_slice(v.data, v.len);
	CHECK_INT(cql_value_validate(s, t), CQL_OK);

	CHECK_INT(cql_iter_begin(s, t, &outer), CQL_OK);
	CHECK_INT(cql_iter_size(&outer), 2);
	REQUIRE(cql_iter_next(&outer, &e) == 1);
	CHECK_INT(cql_iter_begin(e, cql_iter_elem_type(&outer), &map), CQL_OK);
	CHECK_INT(cql_iter_size(&map), 2);
	REQUIRE(cql_iter_next(&map, &k) == 1);
	CHECK_MEM(k.data, (size_t) k.len, "a", 1);
	REQUIRE(cql_iter_next(&map, &mv) == 1);
	CHECK_INT(cql_iter_begin(mv, cql_iter_elem_type(&map), &inner), CQL_OK);
	for (int i = 1; i <= 2; i++)
	{
		REQUIRE(cql_iter_next(&inner, &x) == 1);
		CHECK_INT(cql_decode_int(x, &i32), CQL_OK);
		CHECK_INT(i32, i);
	}
	CHECK_INT(cql_iter_next(&inner, &x), 0);
	REQUIRE(cql_iter_next(&map, &k) == 1);
	CHECK_MEM(k.data, (size_t) k.len, "bc", 2);
	REQUIRE(cql_iter_next(&map, &mv) == 1);
	CHECK_INT(cql_iter_begin(mv, cql_iter_elem_type(&map), &inner), CQL_OK);
	CHECK_INT(cql_iter_size(&inner), 0);
	CHECK_INT(cql_iter_next(&inner, &x), 0);
	CHECK_INT(cql_iter_next(&map, &k), 0);
	REQUIRE(cql_iter_next(&outer, &e) == 1);
	CHECK_INT(cql_iter_begin(e, cql_iter_elem_type(&outer), &map), CQL_OK);
	CHECK_INT(cql_iter_size(&map), 0);
	CHECK_INT(cql_iter_next(&map, &k), 0);
	CHECK_INT(cql_iter_next(&outer, &e), 0);

	free_slice(s);
	fx_free(&v);
}

/* the nested value, built with the builders, is the hand-made fixture */
TEST(builder_nested_collections)
{
	cql_type   *t = nested_type();
	const cql_type *mt = t->sub[0];
	cql_buf    *b = cql_buf_new();
	cql_builder lb,
				mb,
				ib;
	fx			v;

	REQUIRE(b != NULL);
	nested_fixture(&v);
	CHECK_INT(cql_encode_blob(b, "pre", 3), CQL_OK);	/* not at offset 0 */
	CHECK_INT(cql_builder_begin(&lb, b, t), CQL_OK);
	CHECK(cql_builder_elem_type(&lb) == mt);
	CHECK_INT(cql_builder_elem_begin(&lb), CQL_OK);
	{
		CHECK_INT(cql_builder_begin(&mb, b, mt), CQL_OK);
		CHECK(cql_builder_elem_type(&mb) == mt->sub[0]);
		CHECK_INT(cql_builder_elem_begin(&mb), CQL_OK);
		CHECK_INT(cql_encode_text(b, "a", 1), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&mb), CQL_OK);
		CHECK(cql_builder_elem_type(&mb) == mt->sub[1]);
		CHECK_INT(cql_builder_elem_begin(&mb), CQL_OK);
		{
			CHECK_INT(cql_builder_begin(&ib, b, mt->sub[1]), CQL_OK);
			for (int i = 1; i <= 2; i++)
			{
				CHECK_INT(cql_builder_elem_begin(&ib), CQL_OK);
				CHECK_INT(cql_encode_int(b, i), CQL_OK);
				CHECK_INT(cql_builder_elem_end(&ib), CQL_OK);
			}
			CHECK_INT(cql_builder_end(&ib), CQL_OK);
		}
		CHECK_INT(cql_builder_elem_end(&mb), CQL_OK);
		CHECK_INT(cql_builder_value(&mb, (cql_slice) {(const uint8_t *) "bc", 2}), CQL_OK);
		CHECK_INT(cql_builder_value(&mb, (cql_slice) {(const uint8_t *) "\0\0\0\0", 4}), CQL_OK);
		CHECK_INT(cql_builder_end(&mb), CQL_OK);
	}
	CHECK_INT(cql_builder_elem_end(&lb), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&lb), CQL_OK);
	CHECK_INT(cql_builder_begin(&mb, b, mt), CQL_OK);
	CHECK_INT(cql_builder_end(&mb), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&lb), CQL_OK);
	CHECK_INT(cql_builder_end(&lb), CQL_OK);
	CHECK_INT(lb.start, 3);
	CHECK_MEM(cql_buf_data(b), 3, "pre", 3);
	CHECK_MEM(cql_buf_data(b) + 3, cql_buf_len(b) - 3, v.data, v.len);
	{
		cql_slice	s = cql_buf_slice(b, lb.start);

		CHECK_INT(s.len, 63);
	}
	fx_free(&v);
	cql_buf_free(b);
}

/* depth lists around one int: the value, and its type */
static cql_type *
nested_lists(int depth, fx *v)
{
	cql_type   *t = ty(CQL_TYPE_INT);
	fx			w;

	fx_init(v);
	fx_raw(v, "\x00\x00\x00\x05", 4);
	for (int i = 0; i < depth; i++)
	{
		t = T_LIST(t);
		fx_init(&w);
		fx_i32(&w, 1);
		fx_bytes(&w, v->data, (int32_t) v->len);
		fx_free(v);
		*v = w;
	}
	return t;
}

/* values nested deeper than CQL_MAX_VALUE_DEPTH are refused, not recursed into */
TEST(iter_depth_bound)
{
	cql_type   *t,
			   *self;
	fx			v;
	cql_slice	s;

	t = nested_lists(CQL_MAX_VALUE_DEPTH, &v);
	s = dup_slice(v.data, v.len);
	CHECK_INT(cql_value_validate(s, t), CQL_OK);
	free_slice(s);
	fx_free(&v);

	t = nested_lists(CQL_MAX_VALUE_DEPTH + 1, &v);
	s = dup_slice(v.data, v.len);
	CHECK_INT(cql_value_validate(s, t), CQL_EPROTO);
	free_slice(s);
	fx_free(&v);

	/* a type that contains itself ends at the bound, not in a crash */
	nested_lists(200, &v);
	self = ty_n(CQL_TYPE_LIST, 1, NULL);
	self->sub[0] = self;
	s = dup_slice(v.data, v.len);
	CHECK_INT(cql_value_validate(s, self), CQL_EPROTO);
	free_slice(s);
	fx_free(&v);
	self = ty_n(CQL_TYPE_VECTOR, 1, NULL);
	self->sub[0] = self;
	self->dimension = 2;
	CHECK_INT(cql_type_fixed_size(self), -1);
	{
		cql_iter	it;

		CHECK_INT(DECL(cql_iter_begin, "\x00\x00", self, &it), CQL_EINVAL);
	}
}

/* ---------- tuples and UDTs ---------- */

TEST(iter_tuple_udt)
{
	cql_type   *tup = ty_n(CQL_TYPE_TUPLE, 3, ty(CQL_TYPE_INT), ty(CQL_TYPE_VARCHAR),
						   ty(CQL_TYPE_BOOLEAN));
	cql_type   *udt = ty_n(CQL_TYPE_UDT, 3, ty(CQL_TYPE_VARCHAR), ty(CQL_TYPE_INT),
						   T_LIST(ty(CQL_TYPE_INT)));
	cql_iter	it;
	cql_slice	e,
				s;
	int32_t		v;
	bool		bv;

	/* 6.20: (7, null, true) */
	s = dup_slice(LIT("\x00\x00\x00\x04\x00\x00\x00\x07" "\xff\xff\xff\xff" "\x00\x00\x00\x01\x01"));
	CHECK_INT(cql_value_validate(s, tup), CQL_OK);
	CHECK_INT(cql_iter_begin(s, tup, &it), CQL_OK);
	CHECK_INT(cql_iter_size(&it), 3);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK(cql_iter_elem_type(&it) == tup->sub[0]);
	CHECK_INT(cql_decode_int(e, &v), CQL_OK);
	CHECK_INT(v, 7);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK(cql_iter_elem_type(&it) == tup->sub[1]);
	CHECK_INT(e.len, CQL_NULL);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK(cql_iter_elem_type(&it) == tup->sub[2]);
	CHECK_INT(cql_decode_boolean(e, &bv), CQL_OK);
	CHECK(bv);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);

	/* 7: a UDT written before its last two fields were added */
	s = dup_slice(LIT("\x00\x00\x00\x03" "abc"));
	CHECK_INT(cql_value_validate(s, udt), CQL_OK);
	CHECK_INT(cql_iter_begin(s, udt, &it), CQL_OK);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_MEM(e.data, (size_t) e.len, "abc", 3);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(e.len, CQL_NULL);
	CHECK(cql_iter_elem_type(&it) == udt->sub[1]);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(e.len, CQL_NULL);
	CHECK(cql_iter_elem_type(&it) == udt->sub[2]);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);

	/* a zero-length UDT: every field missing */
	s = dup_slice("", 0);
	CHECK_INT(cql_iter_begin(s, udt, &it), CQL_EMPTY);
	for (int i = 0; i < 3; i++)
	{
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK_INT(e.len, CQL_NULL);
	}
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);

	/* more fields than the type has */
	s = dup_slice(LIT("\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\x00"));
	CHECK_INT(cql_value_validate(s, udt), CQL_EPROTO);
	CHECK_INT(cql_iter_begin(s, udt, &it), CQL_OK);
	for (int i = 0; i < 3; i++)
		CHECK_INT(cql_iter_next(&it, &e), 1);
	CHECK_INT(cql_iter_next(&it, &e), CQL_EPROTO);
	free_slice(s);

	/* a field cut short, a length cut short */
	CHECK_INT(DECL(cql_value_validate, "\x00\x00\x00\x05" "abc", udt), CQL_EPROTO);
	CHECK_INT(DECL(cql_value_validate, "\x00\x00\x00\x01" "a" "\x00\x00", udt), CQL_EPROTO);
	/* a nested field of the wrong size */
	CHECK_INT(DECL(cql_value_validate, "\x00\x00\x00\x00" "\x00\x00\x00\x02\x00\x01", udt), CQL_EPROTO);
}

TEST(builder_tuple_udt)
{
	cql_type   *tup = ty_n(CQL_TYPE_TUPLE, 3, ty(CQL_TYPE_INT), ty(CQL_TYPE_VARCHAR),
						   ty(CQL_TYPE_BOOLEAN));
	cql_type   *udt = ty_n(CQL_TYPE_UDT, 2, ty(CQL_TYPE_VARCHAR), ty(CQL_TYPE_INT));
	cql_buf    *b = cql_buf_new();
	cql_builder bld;

	REQUIRE(b != NULL);
	CHECK_INT(cql_builder_begin(&bld, b, tup), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
	CHECK_INT(cql_encode_int(b, 7), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	CHECK_INT(cql_builder_null(&bld), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
	CHECK_INT(cql_encode_boolean(b, true), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	CHECK(cql_builder_elem_type(&bld) == NULL);
	CHECK_INT(cql_builder_null(&bld), CQL_EINVAL);	/* a fourth field */
	CHECK_INT(cql_builder_end(&bld), CQL_EINVAL);	/* the error sticks */
	cql_builder_abort(&bld);
	CHECK_INT(cql_buf_len(b), 0);

	CHECK_INT(cql_builder_begin(&bld, b, tup), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "\0\0\0\7", 4}), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {NULL, CQL_NULL}), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "\1", 1}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	CHECK_BUF(b, "\x00\x00\x00\x04\x00\x00\x00\x07" "\xff\xff\xff\xff" "\x00\x00\x00\x01\x01", 17);

	/* a UDT given only its first field: the rest written as null */
	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, udt), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "abc", 3}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	CHECK_BUF(b, "\x00\x00\x00\x03" "abc" "\xff\xff\xff\xff", 11);
	/* unset is never a field */
	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, udt), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {NULL, CQL_UNSET}), CQL_EINVAL);
	cql_buf_free(b);
}

TEST(builder_collections)
{
	cql_type   *li = T_LIST(ty(CQL_TYPE_INT));
	cql_type   *mii = T_MAP(ty(CQL_TYPE_INT), ty(CQL_TYPE_INT));
	cql_buf    *b = cql_buf_new();
	cql_builder bld;

	REQUIRE(b != NULL);
	/* an empty list */
	CHECK_INT(cql_builder_begin(&bld, b, li), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	CHECK_BUF(b, "\x00\x00\x00\x00", 4);

	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, li), CQL_OK);
	for (int i = 1; i <= 3; i++)
	{
		CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
		CHECK_INT(cql_encode_int(b, i), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	}
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	CHECK_BUF(b, "\x00\x00\x00\x03"
			  "\x00\x00\x00\x04\x00\x00\x00\x01"
			  "\x00\x00\x00\x04\x00\x00\x00\x02"
			  "\x00\x00\x00\x04\x00\x00\x00\x03", 28);

	/* no nulls in a list; an element left open; end twice */
	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, li), CQL_OK);
	CHECK_INT(cql_builder_null(&bld), CQL_EINVAL);
	cql_builder_abort(&bld);
	CHECK_INT(cql_buf_len(b), 0);
	CHECK_INT(cql_builder_begin(&bld, b, li), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_EINVAL);
	CHECK_INT(cql_builder_end(&bld), CQL_EINVAL);
	cql_builder_abort(&bld);
	CHECK_INT(cql_buf_len(b), 0);
	CHECK_INT(cql_builder_begin(&bld, b, li), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&bld), CQL_EINVAL);
	cql_builder_abort(&bld);

	/* a map: key, value pairs; half an entry is refused */
	CHECK_INT(cql_builder_begin(&bld, b, mii), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "\0\0\0\1", 4}), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "\0\0\0\2", 4}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	CHECK_BUF(b, "\x00\x00\x00\x01" "\x00\x00\x00\x04\x00\x00\x00\x01" "\x00\x00\x00\x04\x00\x00\x00\x02", 20);
	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, mii), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "\0\0\0\1", 4}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_EINVAL);
	cql_builder_abort(&bld);

	/* not a container */
	CHECK_INT(cql_builder_begin(&bld, b, ty(CQL_TYPE_INT)), CQL_EINVAL);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_EINVAL);
	cql_buf_free(b);
}

/* ---------- vectors ---------- */

TEST(iter_vector_fixed)
{
	cql_type   *vf = T_VEC(ty(CQL_TYPE_FLOAT), 3);
	cql_type   *vv = T_VEC(T_VEC(ty(CQL_TYPE_INT), 2), 2);
	cql_iter	it,
				in;
	cql_slice	e,
				x,
				s;
	float		f;
	int32_t		v;

	/* vector<float, 3> [1, 2, 3]: 12 bytes, no count, no lengths */
	s = dup_slice(LIT("\x3f\x80\x00\x00" "\x40\x00\x00\x00" "\x40\x40\x00\x00"));
	CHECK_INT(cql_value_validate(s, vf), CQL_OK);
	CHECK_INT(cql_iter_begin(s, vf, &it), CQL_OK);
	CHECK_INT(cql_iter_size(&it), 3);
	for (int i = 1; i <= 3; i++)
	{
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK_INT(e.len, 4);
		CHECK_INT(cql_decode_float(e, &f), CQL_OK);
		CHECK(f == (float) i);
	}
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);
	/* any other length */
	for (size_t n = 1; n <= 16; n++)
	{
		static const uint8_t z[16];

		if (n != 12)
			CHECK_INT(DEC(cql_iter_begin, z, n, vf, &it), CQL_EPROTO);
	}
	CHECK_INT(DEC(cql_iter_begin, "", 0, vf, &it), CQL_EMPTY);

	/* vector<vector<int, 2>, 2>: 16 bytes */
	CHECK_INT(cql_type_fixed_size(vv), 16);
	s = dup_slice(LIT("\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x04"));
	CHECK_INT(cql_value_validate(s, vv), CQL_OK);
	CHECK_INT(cql_iter_begin(s, vv, &it), CQL_OK);
	for (int i = 0; i < 2; i++)
	{
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK_INT(e.len, 8);
		CHECK_INT(cql_iter_begin(e, cql_iter_elem_type(&it), &in), CQL_OK);
		for (int j = 0; j < 2; j++)
		{
			REQUIRE(cql_iter_next(&in, &x) == 1);
			CHECK_INT(cql_decode_int(x, &v), CQL_OK);
			CHECK_INT(v, 2 * i + j + 1);
		}
		CHECK_INT(cql_iter_next(&in, &x), 0);
	}
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);
}

TEST(iter_vector_variable)
{
	cql_type   *vt = T_VEC(ty(CQL_TYPE_VARCHAR), 2);
	cql_type   *vs = T_VEC(ty(CQL_TYPE_SMALLINT), 2);
	cql_type   *vl = T_VEC(T_LIST(ty(CQL_TYPE_INT)), 1);
	cql_iter	it;
	cql_slice	e,
				s;
	int16_t		sv;

	/* vector<text, 2> ['a', 'bc']: an unsigned vint length before each */
	s = dup_slice(LIT("\x01" "a" "\x02" "bc"));
	CHECK_INT(cql_value_validate(s, vt), CQL_OK);
	CHECK_INT(cql_iter_begin(s, vt, &it), CQL_OK);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_MEM(e.data, (size_t) e.len, "a", 1);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_MEM(e.data, (size_t) e.len, "bc", 2);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	/* every truncation fails, at begin, next or the end */
	for (int32_t n = 1; n < s.len; n++)
	{
		cql_slice	t = dup_slice(s.data, (size_t) n);

		CHECK_INT(cql_value_validate(t, vt), CQL_EPROTO);
		free_slice(t);
	}
	free_slice(s);
	/* an empty string element, a two-byte vint length (200 = [10]000000 11001000) */
	{
		uint8_t		big[203];

		big[0] = 0x00;
		big[1] = 0x80;
		big[2] = 0xc8;
		memset(big + 3, 'x', 200);
		s = dup_slice(big, sizeof(big));
		CHECK_INT(cql_iter_begin(s, vt, &it), CQL_OK);
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK_INT(e.len, 0);
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK_INT(e.len, 200);
		CHECK(e.data == s.data + 3);
		CHECK_INT(cql_iter_next(&it, &e), 0);
		free_slice(s);
	}
	/* trailing bytes; a length past the end; a 9-byte vint length */
	CHECK_INT(DECL(cql_value_validate, "\x01" "a" "\x01" "b" "c", vt), CQL_EPROTO);
	CHECK_INT(DECL(cql_value_validate, "\x01" "a" "\x05" "b", vt), CQL_EPROTO);
	CHECK_INT(DECL(cql_value_validate, "\x01" "a" "\xff\xff\xff\xff\xff\xff\xff\xff\xff", vt), CQL_EPROTO);
	CHECK_INT(DECL(cql_value_validate, "\x01" "a" "\xc0", vt), CQL_EPROTO);
	/* smallint is variable-size in a vector (Cassandra's ShortType) */
	CHECK_INT(cql_type_fixed_size(vs->sub[0]), -1);
	s = dup_slice(LIT("\x02\x00\x01" "\x02\xff\xfe"));
	CHECK_INT(cql_iter_begin(s, vs, &it), CQL_OK);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(cql_decode_smallint(e, &sv), CQL_OK);
	CHECK_INT(sv, 1);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(cql_decode_smallint(e, &sv), CQL_OK);
	CHECK_INT(sv, -2);
	CHECK_INT(cql_iter_next(&it, &e), 0);
	free_slice(s);
	/* vector<list<int>, 1> [[5]] */
	CHECK_INT(DECL(cql_value_validate, "\x0c" "\x00\x00\x00\x01" "\x00\x00\x00\x04\x00\x00\x00\x05", vl), CQL_OK);
	/* a dimension the bytes cannot hold: refused before any element */
	CHECK_INT(DECL(cql_iter_begin, "\x00\x00\x00", T_VEC(ty(CQL_TYPE_VARCHAR), 1000), &it), CQL_EPROTO);
}

TEST(builder_vectors)
{
	cql_type   *vf = T_VEC(ty(CQL_TYPE_FLOAT), 3);
	cql_type   *vt = T_VEC(ty(CQL_TYPE_VARCHAR), 2);
	cql_buf    *b = cql_buf_new();
	cql_builder bld;
	char		s200[200];

	REQUIRE(b != NULL);
	CHECK_INT(cql_builder_begin(&bld, b, vf), CQL_OK);
	for (int i = 1; i <= 3; i++)
	{
		CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
		CHECK_INT(cql_encode_float(b, (float) i), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	}
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_EINVAL);	/* a fourth */
	cql_builder_abort(&bld);
	CHECK_INT(cql_builder_begin(&bld, b, vf), CQL_OK);
	for (int i = 1; i <= 3; i++)
	{
		CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
		CHECK_INT(cql_encode_float(b, (float) i), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	}
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	CHECK_BUF(b, "\x3f\x80\x00\x00" "\x40\x00\x00\x00" "\x40\x40\x00\x00", 12);

	/* too few; a null; an element of the wrong size */
	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, vf), CQL_OK);
	CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) "\0\0\0\0", 4}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_EINVAL);
	cql_builder_abort(&bld);
	CHECK_INT(cql_builder_begin(&bld, b, vf), CQL_OK);
	CHECK_INT(cql_builder_null(&bld), CQL_EINVAL);
	cql_builder_abort(&bld);
	CHECK_INT(cql_builder_begin(&bld, b, vf), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
	CHECK_INT(cql_encode_double(b, 1.0), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&bld), CQL_ETYPE);
	cql_builder_abort(&bld);
	CHECK_INT(cql_buf_len(b), 0);

	/* vector<text, 2> ['a', 200 x 'x']: the lengths go in front */
	memset(s200, 'x', sizeof(s200));
	CHECK_INT(cql_builder_begin(&bld, b, vt), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
	CHECK_INT(cql_encode_text(b, "a", 1), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
	CHECK_INT(cql_encode_text(b, s200, 200), CQL_OK);
	CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(cql_buf_len(b) == 2 + 2 + 200);
	CHECK_MEM(cql_buf_data(b), 4, "\x01" "a" "\x80\xc8", 4);
	CHECK(memcmp(cql_buf_data(b) + 4, s200, 200) == 0);
	{
		cql_slice	s = buf_copy(b);

		CHECK_INT(cql_value_validate(s, vt), CQL_OK);
		free_slice(s);
	}
	cql_buf_free(b);
}

TEST(codec_fixed_sizes)
{
	static const struct
	{
		int			id;
		int			size;
	}			tab[] = {
		{CQL_TYPE_BOOLEAN, 1}, {CQL_TYPE_INT, 4}, {CQL_TYPE_FLOAT, 4},
		{CQL_TYPE_BIGINT, 8}, {CQL_TYPE_COUNTER, 8}, {CQL_TYPE_DOUBLE, 8},
		{CQL_TYPE_TIMESTAMP, 8}, {CQL_TYPE_UUID, 16}, {CQL_TYPE_TIMEUUID, 16},
		{CQL_TYPE_TINYINT, -1}, {CQL_TYPE_SMALLINT, -1}, {CQL_TYPE_DATE, -1},
		{CQL_TYPE_TIME, -1}, {CQL_TYPE_VARCHAR, -1}, {CQL_TYPE_ASCII, -1},
		{CQL_TYPE_BLOB, -1}, {CQL_TYPE_DECIMAL, -1}, {CQL_TYPE_VARINT, -1},
		{CQL_TYPE_INET, -1}, {CQL_TYPE_DURATION, -1}, {CQL_TYPE_CUSTOM, -1},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		int			got = cql_type_fixed_size(ty(tab[i].id));

		if (got != tab[i].size)
			test_fail(__FILE__, __LINE__, "fixed size of %s is %d, expected %d",
					  cql_type_name(tab[i].id), got, tab[i].size);
	}
	CHECK_INT(cql_type_fixed_size(T_LIST(ty(CQL_TYPE_INT))), -1);
	CHECK_INT(cql_type_fixed_size(T_VEC(ty(CQL_TYPE_DOUBLE), 1000)), 8000);
	CHECK_INT(cql_type_fixed_size(T_VEC(ty(CQL_TYPE_VARCHAR), 2)), -1);
	CHECK_INT(cql_type_fixed_size(T_VEC(T_VEC(ty(CQL_TYPE_UUID), 999999999), 999999999)), INT32_MAX);
	CHECK_INT(cql_type_fixed_size(NULL), -1);
}

/* ---------- every type through validate, and cut at every length ---------- */

/* how many prefixes of v validate; each prefix is an exact copy */
static int
valid_prefixes(const uint8_t *v, size_t n, const cql_type *t)
{
	int			valid = 0;

	for (size_t k = 0; k < n; k++)
	{
		cql_slice	s = dup_slice(v, k);

		if (cql_value_validate(s, t) == CQL_OK)
			valid++;
		free_slice(s);
	}
	return valid;
}

TEST(codec_truncated_every_length)
{
	fx			v;
	cql_type   *udt = ty_n(CQL_TYPE_UDT, 3, ty(CQL_TYPE_VARCHAR), ty(CQL_TYPE_INT),
						   T_LIST(ty(CQL_TYPE_INT)));

	/* the nested list: only the empty prefix (a zero-length value) passes */
	nested_fixture(&v);
	CHECK_INT(valid_prefixes(v.data, v.len, nested_type()), 1);
	fx_free(&v);
	/* vector<text, 2>, vector<float, 3> */
	CHECK_INT(valid_prefixes(LIT("\x01" "a" "\x02" "bc"), T_VEC(ty(CQL_TYPE_VARCHAR), 2)), 1);
	CHECK_INT(valid_prefixes(LIT("\x3f\x80\x00\x00\x40\x00\x00\x00\x40\x40\x00\x00"),
							 T_VEC(ty(CQL_TYPE_FLOAT), 3)), 1);
	/* a decimal: empty, then 5.. bytes (any varint) */
	CHECK_INT(valid_prefixes(LIT("\x00\x00\x00\x02\x30\x39"), ty(CQL_TYPE_DECIMAL)), 2);
	/* a UDT: the empty value and the two field boundaries */
	fx_init(&v);
	fx_bytes(&v, "abc", 3);
	fx_cell_i32(&v, 9);
	fx_bytes(&v, "\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x00\x05", 12);
	CHECK_INT(valid_prefixes(v.data, v.len, udt), 3);
	{
		cql_slice	s = dup_slice(v.data, v.len);

		CHECK_INT(cql_value_validate(s, udt), CQL_OK);
		free_slice(s);
	}
	fx_free(&v);
}

/* every single-byte corruption of a few values: no crash, no over-read */
TEST(codec_corrupt_bytes)
{
	fx			v;
	cql_type   *types[4];
	int			checked = 0;

	types[0] = nested_type();
	types[1] = ty_n(CQL_TYPE_UDT, 3, ty(CQL_TYPE_VARCHAR), ty(CQL_TYPE_INT),
					T_LIST(ty(CQL_TYPE_INT)));
	types[2] = T_VEC(ty(CQL_TYPE_VARCHAR), 2);
	types[3] = T_MAP(ty(CQL_TYPE_DURATION), T_VEC(ty(CQL_TYPE_FLOAT), 2));
	nested_fixture(&v);
	for (int t = 0; t < 4; t++)
	{
		for (size_t i = 0; i < v.len; i++)
		{
			static const uint8_t repl[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};

			for (size_t r = 0; r < sizeof(repl); r++)
			{
				uint8_t    *m = fx_dup(v.data, v.len);
				cql_slice	s = {m, (int32_t) v.len};
				int			rc;

				m[i] = repl[r];
				rc = cql_value_validate(s, types[t]);
				CHECK(rc == CQL_OK || rc == CQL_EPROTO);
				free(m);
				checked++;
			}
		}
	}
	CHECK(checked > 1000);
	fx_free(&v);
}

/* every type's extremes, encoded, then validated as their type */
TEST(codec_validate_scalars)
{
	struct
	{
		int			id;
		const char *bytes;
		int			n;
		int			rc;
	}			tab[] = {
		{CQL_TYPE_BOOLEAN, "\x01", 1, CQL_OK},
		{CQL_TYPE_BOOLEAN, "\x01\x00", 2, CQL_EPROTO},
		{CQL_TYPE_TINYINT, "\x80", 1, CQL_OK},
		{CQL_TYPE_SMALLINT, "\x80", 1, CQL_EPROTO},
		{CQL_TYPE_INT, "\x00\x00\x00", 3, CQL_EPROTO},
		{CQL_TYPE_DATE, "\xff\xff\xff\xff", 4, CQL_OK},
		{CQL_TYPE_TIME, "\x00\x00\x4e\x94\x91\x4e\xff\xff", 8, CQL_OK},
		{CQL_TYPE_TIMESTAMP, "\x80\x00\x00\x00\x00\x00\x00\x00", 8, CQL_OK},
		{CQL_TYPE_COUNTER, "\x80", 1, CQL_EPROTO},
		{CQL_TYPE_UUID, "0123456789abcdef", 16, CQL_OK},
		{CQL_TYPE_TIMEUUID, "0123456789abcde", 15, CQL_EPROTO},
		{CQL_TYPE_INET, "\x7f\x00\x00\x01", 4, CQL_OK},
		{CQL_TYPE_INET, "\x7f\x00\x00\x01\x00", 5, CQL_EPROTO},
		{CQL_TYPE_VARINT, "\x00\x80", 2, CQL_OK},
		{CQL_TYPE_DECIMAL, "\x00\x00\x00\x01", 4, CQL_EPROTO},
		{CQL_TYPE_DURATION, "\x00\x00\x00", 3, CQL_OK},
		{CQL_TYPE_DURATION, "\x00\x00", 2, CQL_EPROTO},
		{CQL_TYPE_BLOB, "\xff", 1, CQL_OK},
		{CQL_TYPE_CUSTOM, "\xff", 1, CQL_OK},
		{CQL_TYPE_INT, "", 0, CQL_OK},	/* empty: valid (read as null) */
		{CQL_TYPE_DOUBLE, "", 0, CQL_OK},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		int			rc = DEC(cql_value_validate, tab[i].bytes, (size_t) tab[i].n, ty(tab[i].id));

		if (rc != tab[i].rc)
			test_fail(__FILE__, __LINE__, "%s of %d bytes: rc %d, expected %d",
					  cql_type_name(tab[i].id), tab[i].n, rc, tab[i].rc);
	}
	CHECK_INT(cql_value_validate((cql_slice) {NULL, CQL_NULL}, ty(CQL_TYPE_INT)), CQL_OK);
	CHECK_INT(cql_value_validate((cql_slice) {NULL, 0}, NULL), CQL_EINVAL);
}

/* ---------- the public buffer ---------- */

TEST(codec_buffer)
{
	cql_buf    *b = cql_buf_new();
	cql_slice	s;

	REQUIRE(b != NULL);
	CHECK_INT(cql_buf_len(b), 0);
	s = cql_buf_slice(b, 0);
	CHECK_INT(s.len, 0);
	CHECK(s.data != NULL);
	CHECK_INT(cql_encode_blob(b, "abcdef", 6), CQL_OK);
	s = cql_buf_slice(b, 2);
	CHECK_MEM(s.data, (size_t) s.len, "cdef", 4);
	CHECK_INT(cql_buf_slice(b, 7).len, CQL_NULL);
	cql_buf_truncate(b, 3);
	CHECK_BUF(b, "abc", 3);
	cql_buf_truncate(b, 10);
	CHECK_INT(cql_buf_len(b), 3);
	CHECK(!cql_buf_failed(b));
	cql_buf_reset(b);
	CHECK_INT(cql_buf_len(b), 0);
	/* growth past the first allocation */
	for (int i = 0; i < 10000; i++)
		CHECK_INT(cql_encode_int(b, i), CQL_OK);
	CHECK_INT(cql_buf_len(b), 40000);
	CHECK_MEM(cql_buf_data(b) + 39996, 4, "\x00\x00\x27\x0f", 4);
	cql_buf_free(b);
	cql_buf_free(NULL);
}

/* ---------- from a real Rows frame ---------- */

/*
 * A Rows result whose columns are a custom VectorType, a UDT and a custom
 * DurationType (as Cassandra sends them under v4): the types frame.c
 * decodes drive the iterators.
 */
TEST(codec_rows_custom_types)
{
	fx			body,
				udt;
	cql_frame_header h = {0x84, 0, 0, CQL_OP_RESULT, 0};
	cql_response resp;
	cql_error	err;
	uint8_t    *copy;
	cql_row_cursor cur;
	cql_slice	cells[3],
				e;
	cql_iter	it;
	float		f;
	int32_t		m,
				d;
	int64_t		ns;

	fx_init(&body);
	fx_i32(&body, CQL_RESULT_ROWS);
	fx_i32(&body, 0x0001);		/* global tables spec */
	fx_i32(&body, 3);
	fx_str(&body, "ks");
	fx_str(&body, "t");
	fx_str(&body, "v");
	fx_u16(&body, 0x0000);
	fx_str(&body, "org.apache.cassandra.db.marshal.VectorType("
		   "org.apache.cassandra.db.marshal.FloatType , 3)");
	fx_str(&body, "u");
	fx_u16(&body, 0x0030);
	fx_str(&body, "ks");
	fx_str(&body, "addr");
	fx_u16(&body, 2);
	fx_str(&body, "street");
	fx_u16(&body, 0x000D);
	fx_str(&body, "zip");
	fx_u16(&body, 0x0009);
	fx_str(&body, "d");
	fx_u16(&body, 0x0000);
	fx_str(&body, "org.apache.cassandra.db.marshal.DurationType");
	fx_i32(&body, 1);			/* one row */
	fx_bytes(&body, "\x3f\x80\x00\x00\x40\x00\x00\x00\x40\x40\x00\x00", 12);
	fx_init(&udt);
	fx_bytes(&udt, "Main St", 7);	/* zip missing */
	fx_bytes(&body, udt.data, (int32_t) udt.len);
	fx_bytes(&body, "\x02\x04\x06", 3);
	h.length = (uint32_t) body.len;
	copy = fx_dup(body.data, body.len);

	cql_error_clear(&err);
	REQUIRE(cql__response_decode(&resp, &h, copy, &err) == CQL_OK);
	REQUIRE(resp.ncolumns == 3);
	CHECK_INT(resp.columns[0].type->id, CQL_TYPE_VECTOR);
	CHECK_INT(resp.columns[1].type->id, CQL_TYPE_UDT);
	CHECK_INT(resp.columns[2].type->id, CQL_TYPE_DURATION);
	cql_result_rows(&resp, &cur);
	REQUIRE(cql_row_next(&cur, cells) == 1);
	for (int c = 0; c < 3; c++)
		CHECK_INT(cql_value_validate(cells[c], resp.columns[c].type), CQL_OK);

	CHECK_INT(cql_iter_begin(cells[0], resp.columns[0].type, &it), CQL_OK);
	for (int i = 1; i <= 3; i++)
	{
		REQUIRE(cql_iter_next(&it, &e) == 1);
		CHECK_INT(cql_iter_elem_type(&it)->id, CQL_TYPE_FLOAT);
		CHECK_INT(cql_decode_float(e, &f), CQL_OK);
		CHECK(f == (float) i);
	}
	CHECK_INT(cql_iter_next(&it, &e), 0);

	CHECK_INT(cql_iter_begin(cells[1], resp.columns[1].type, &it), CQL_OK);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_MEM(e.data, (size_t) e.len, "Main St", 7);
	REQUIRE(cql_iter_next(&it, &e) == 1);
	CHECK_INT(e.len, CQL_NULL);
	CHECK_STR(resp.columns[1].type->field_names[1], "zip");
	CHECK_INT(cql_iter_next(&it, &e), 0);

	CHECK_INT(cql_decode_duration(cells[2], &m, &d, &ns), CQL_OK);
	CHECK_INT(m, 1);
	CHECK_INT(d, 2);
	CHECK_INT(ns, 3);
	CHECK_INT(cql_row_next(&cur, cells), 0);

	cql__response_free(&resp);
	fx_free(&udt);
	fx_free(&body);
}

/* ---------- sets and maps in Cassandra's order ---------- */

/* the ints of a set<int> or the keys of a map<int, int> built at b's start */
static int
collection_ints(cql_buf *b, int32_t *out, int max, bool map)
{
	cql_slice	s = cql_buf_slice(b, 0);
	cql_type   *t = map ? T_MAP(ty(CQL_TYPE_INT), ty(CQL_TYPE_INT)) : T_SET(ty(CQL_TYPE_INT));
	cql_iter	it;
	cql_slice	e;
	int			n = 0;

	if (cql_iter_begin(s, t, &it) != CQL_OK)
		return -1;
	while (cql_iter_next(&it, &e) == 1 && n < max)
	{
		if (cql_decode_int(e, &out[n]) != CQL_OK)
			return -1;
		n++;
		if (map && cql_iter_next(&it, &e) != 1)
			return -1;
		if (map && n <= max && cql_decode_int(e, &out[max + n - 1]) != CQL_OK)
			return -1;
	}
	return n;
}

/*
 * A set is sent sorted by its element type's order without duplicates, a
 * map by its keys with the last value of a repeated key: Cassandra stores a
 * set nested in a UDT or another collection as sent, so equal sets must be
 * sent alike.
 */
TEST(builder_set_sorted_and_unique)
{
	cql_type   *t = T_SET(ty(CQL_TYPE_INT));
	cql_buf    *b = cql_buf_new();
	cql_builder bld;
	const int32_t in[] = {5, -1, 300, 5, INT32_MIN, 0, -1, INT32_MAX};
	int32_t		got[16];

	REQUIRE(b != NULL);
	CHECK_INT(cql_builder_begin(&bld, b, t), CQL_OK);
	for (int i = 0; i < 8; i++)
	{
		CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
		CHECK_INT(cql_encode_int(b, in[i]), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	}
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(collection_ints(b, got, 8, false) == 6);
	CHECK_INT(got[0], INT32_MIN);
	CHECK_INT(got[1], -1);
	CHECK_INT(got[2], 0);
	CHECK_INT(got[3], 5);
	CHECK_INT(got[4], 300);
	CHECK_INT(got[5], INT32_MAX);
	cql_buf_free(b);
}

TEST(builder_map_sorted_last_value_wins)
{
	cql_type   *t = T_MAP(ty(CQL_TYPE_INT), ty(CQL_TYPE_INT));
	cql_buf    *b = cql_buf_new();
	cql_builder bld;
	const int32_t kv[][2] = {{3, 30}, {-7, 70}, {3, 31}, {1, 10}};
	int32_t		got[16];

	REQUIRE(b != NULL);
	CHECK_INT(cql_builder_begin(&bld, b, t), CQL_OK);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
		{
			CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
			CHECK_INT(cql_encode_int(b, kv[i][j]), CQL_OK);
			CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
		}
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(collection_ints(b, got, 8, true) == 3);
	CHECK_INT(got[0], -7);
	CHECK_INT(got[1], 1);
	CHECK_INT(got[2], 3);
	CHECK_INT(got[8], 70);
	CHECK_INT(got[9], 10);
	CHECK_INT(got[10], 31);
	cql_buf_free(b);
}

/* text by its UTF-8 bytes, doubles as Java compares them, varints by value */
TEST(builder_set_orders_text_double_varint)
{
	cql_buf    *b = cql_buf_new();
	cql_builder bld;
	cql_iter	it;
	cql_slice	e;
	const char *words[] = {"b", "\xc3\xa9", "B", "", "ab", "b"};
	const double dv[] = {1.5, -0.0, 0.0, -2.0, 1e300, -1e-300};
	const double dwant[] = {-2.0, -1e-300, -0.0, 0.0, 1.5, 1e300};
	/* 256, -1, 0, -129 (FF7F), 1 sent with a redundant sign byte (0001) */
	const char *vi[] = {"\x01\x00", "\xff", "\x00", "\xff\x7f", "\x00\x01"};
	const int	vlen[] = {2, 1, 1, 2, 2};
	const char *vwant[] = {"\xff\x7f", "\xff", "\x00", "\x00\x01", "\x01\x00"};
	const int	vwlen[] = {2, 1, 1, 2, 2};
	cql_type   *st = T_SET(ty(CQL_TYPE_VARCHAR));
	cql_type   *dt = T_SET(ty(CQL_TYPE_DOUBLE));
	cql_type   *vt = T_SET(ty(CQL_TYPE_VARINT));
	int			n;

	REQUIRE(b != NULL);
	CHECK_INT(cql_builder_begin(&bld, b, st), CQL_OK);
	for (int i = 0; i < 6; i++)
		CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) words[i], (int32_t) strlen(words[i])}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(cql_iter_begin(cql_buf_slice(b, 0), st, &it) == CQL_OK);
	{
		const char *want[] = {"", "B", "ab", "b", "\xc3\xa9"};

		n = 0;
		while (cql_iter_next(&it, &e) == 1)
		{
			REQUIRE(n < 5);
			CHECK_MEM(e.data, (size_t) e.len, want[n], strlen(want[n]));
			n++;
		}
		CHECK_INT(n, 5);
	}

	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, dt), CQL_OK);
	for (int i = 0; i < 6; i++)
	{
		CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
		CHECK_INT(cql_encode_double(b, dv[i]), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	}
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(cql_iter_begin(cql_buf_slice(b, 0), dt, &it) == CQL_OK);
	n = 0;
	while (cql_iter_next(&it, &e) == 1)
	{
		double		d;

		REQUIRE(n < 6);
		CHECK_INT(cql_decode_double(e, &d), CQL_OK);
		CHECK(memcmp(&d, &dwant[n], sizeof(double)) == 0);
		n++;
	}
	CHECK_INT(n, 6);

	cql_buf_reset(b);
	CHECK_INT(cql_builder_begin(&bld, b, vt), CQL_OK);
	for (int i = 0; i < 5; i++)
		CHECK_INT(cql_builder_value(&bld, (cql_slice) {(const uint8_t *) vi[i], vlen[i]}), CQL_OK);
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(cql_iter_begin(cql_buf_slice(b, 0), vt, &it) == CQL_OK);
	n = 0;
	while (cql_iter_next(&it, &e) == 1)
	{
		REQUIRE(n < 5);
		CHECK_MEM(e.data, (size_t) e.len, vwant[n], (size_t) vwlen[n]);
		n++;
	}
	CHECK_INT(n, 5);
	cql_buf_free(b);
}

/* a list keeps its order and its duplicates */
TEST(builder_list_order_kept)
{
	cql_type   *t = T_LIST(ty(CQL_TYPE_INT));
	cql_buf    *b = cql_buf_new();
	cql_builder bld;
	cql_iter	it;
	cql_slice	e;
	const int32_t in[] = {3, 1, 3};
	int			n = 0;

	REQUIRE(b != NULL);
	CHECK_INT(cql_builder_begin(&bld, b, t), CQL_OK);
	for (int i = 0; i < 3; i++)
	{
		CHECK_INT(cql_builder_elem_begin(&bld), CQL_OK);
		CHECK_INT(cql_encode_int(b, in[i]), CQL_OK);
		CHECK_INT(cql_builder_elem_end(&bld), CQL_OK);
	}
	CHECK_INT(cql_builder_end(&bld), CQL_OK);
	REQUIRE(cql_iter_begin(cql_buf_slice(b, 0), t, &it) == CQL_OK);
	while (cql_iter_next(&it, &e) == 1)
	{
		int32_t		v;

		REQUIRE(n < 3);
		CHECK_INT(cql_decode_int(e, &v), CQL_OK);
		CHECK_INT(v, in[n]);
		n++;
	}
	CHECK_INT(n, 3);
	cql_buf_free(b);
}
