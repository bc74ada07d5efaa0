/*-------------------------------------------------------------------------
 *
 * test_wire.c
 *		  wire.c: output buffer, bounds-checked reader, arena.
 *
 * Reader fixtures are exactly sized malloc'd copies (fx_dup), so a read one
 * byte past the end is an ASan / valgrind error, not a silent pass.
 *
 * IDENTIFICATION
 *		  test/unit/test_wire.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "wire.h"

#include <stdalign.h>
#include <stdlib.h>
#include <unistd.h>

#define MEMEQ(buf, lit) CHECK_MEM((buf).data, (buf).len, lit, sizeof(lit) - 1)

/* ---------- output buffer ---------- */

TEST(wire_buf_growth)
{
	cql__buf	b;
	uint8_t		big[5000];

	cql__buf_init(&b);
	CHECK(b.data == NULL);
	CHECK_UINT(b.len, 0);
	CHECK_UINT(b.cap, 0);
	CHECK(!b.failed);

	/* grow one byte at a time across several reallocations */
	for (int i = 0; i < 3000; i++)
	{
		cql__buf_u8(&b, (uint8_t) (i * 7));
		REQUIRE(b.len == (size_t) i + 1);
		REQUIRE(b.cap >= b.len);
	}
	for (int i = 0; i < 3000; i++)
		if (b.data[i] != (uint8_t) (i * 7))
		{
			CHECK_UINT(b.data[i], (uint8_t) (i * 7));
			break;
		}

	/* one put larger than double the capacity */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t) (i ^ 0x5a);
	cql__buf_put(&b, big, sizeof(big));
	CHECK_UINT(b.len, 3000 + sizeof(big));
	CHECK(b.cap >= b.len);
	CHECK_MEM(b.data + 3000, sizeof(big), big, sizeof(big));
	CHECK(!b.failed);

	/* reserve keeps the contents and leaves len alone */
	CHECK(cql__buf_reserve(&b, 100000));
	CHECK(b.cap >= b.len + 100000);
	CHECK_UINT(b.len, 3000 + sizeof(big));
	CHECK_UINT(b.data[2999], (uint8_t) (2999 * 7));

	/* a zero-length put changes nothing */
	cql__buf_put(&b, NULL, 0);
	CHECK_UINT(b.len, 3000 + sizeof(big));

	/* reset keeps the memory */
	cql__buf_reset(&b);
	CHECK_UINT(b.len, 0);
	CHECK(b.cap >= 100000);
	cql__buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_UINT(b.cap, 0);
}

TEST(wire_buf_failure)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__buf_u8(&b, 1);
	/* a reservation that cannot fit in size_t fails and poisons the buffer */
	CHECK(!cql__buf_reserve(&b, SIZE_MAX));
	CHECK(b.failed);
	/* puts after a failure are ignored */
	cql__buf_u32(&b, 0x01020304);
	CHECK_UINT(b.len, 1);
	CHECK(!cql__buf_reserve(&b, 1));
	/* reset clears the failure */
	cql__buf_reset(&b);
	CHECK(!b.failed);
	cql__buf_u8(&b, 9);
	MEMEQ(b, "\x09");
	/* an allocation too large for malloc fails cleanly */
	CHECK(!cql__buf_reserve(&b, SIZE_MAX / 2));
	CHECK(b.failed);
	cql__buf_free(&b);
	CHECK(!b.failed);
}

TEST(wire_put_integers)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__buf_u8(&b, 0xAB);
	MEMEQ(b, "\xab");
	cql__buf_reset(&b);
	cql__buf_u16(&b, 0x1234);
	cql__buf_u16(&b, 0xFFFE);
	MEMEQ(b, "\x12\x34\xff\xfe");
	cql__buf_reset(&b);
	cql__buf_u32(&b, 0x01020304);
	cql__buf_u32(&b, 0xFFFFFFFF);
	MEMEQ(b, "\x01\x02\x03\x04\xff\xff\xff\xff");
	cql__buf_reset(&b);
	cql__buf_u64(&b, 0x0102030405060708ULL);
	cql__buf_u64(&b, (uint64_t) INT64_MIN);
	MEMEQ(b, "\x01\x02\x03\x04\x05\x06\x07\x08\x80\x00\x00\x00\x00\x00\x00\x00");
	cql__buf_free(&b);
}

TEST(wire_put_strings)
{
	cql__buf	b;
	char	   *huge;

	cql__buf_init(&b);
	/* [string]: [short] n then n bytes */
	cql__buf_string(&b, "abc");
	MEMEQ(b, "\x00\x03" "abc");
	cql__buf_reset(&b);
	cql__buf_string(&b, "");
	MEMEQ(b, "\x00\x00");
	cql__buf_reset(&b);
	cql__buf_string_n(&b, "abcdef", 2);
	MEMEQ(b, "\x00\x02" "ab");
	cql__buf_reset(&b);
	/* [long string]: [int] n then n bytes */
	cql__buf_long_string(&b, "SELECT", 6);
	MEMEQ(b, "\x00\x00\x00\x06" "SELECT");
	cql__buf_reset(&b);
	/* [short bytes] */
	cql__buf_short_bytes(&b, (const uint8_t *) "\x00\xff", 2);
	MEMEQ(b, "\x00\x02\x00\xff");
	cql__buf_reset(&b);

	/* a [string] or [short bytes] longer than 65535 cannot be encoded */
	huge = malloc(70000);
	REQUIRE(huge != NULL);
	memset(huge, 'x', 70000);
	cql__buf_string_n(&b, huge, 65535);
	CHECK(!b.failed);
	CHECK_UINT(b.len, 65537);
	CHECK_UINT(b.data[0], 0xFF);
	CHECK_UINT(b.data[1], 0xFF);
	cql__buf_reset(&b);
	cql__buf_string_n(&b, huge, 65536);
	CHECK(b.failed);
	cql__buf_reset(&b);
	cql__buf_short_bytes(&b, (const uint8_t *) huge, 65536);
	CHECK(b.failed);
	cql__buf_reset(&b);
	cql__buf_long_string(&b, huge, 70000);
	CHECK(!b.failed);
	CHECK_UINT(b.len, 70004);
	CHECK_MEM(b.data, 4, "\x00\x01\x11\x70", 4);
	cql__buf_reset(&b);
	cql__buf_long_string(&b, huge, (size_t) INT32_MAX + 1);
	CHECK(b.failed);
	free(huge);
	cql__buf_free(&b);
}

TEST(wire_put_bytes)
{
	cql__buf	b;

	cql__buf_init(&b);
	/* [bytes] / [value]: [int] n then n bytes; -1 null, -2 unset */
	cql__buf_bytes(&b, (cql_slice) {(const uint8_t *) "xyz", 3});
	MEMEQ(b, "\x00\x00\x00\x03" "xyz");
	cql__buf_reset(&b);
	cql__buf_bytes(&b, (cql_slice) {(const uint8_t *) "", 0});
	MEMEQ(b, "\x00\x00\x00\x00");
	cql__buf_reset(&b);
	cql__buf_bytes(&b, (cql_slice) {NULL, CQL_NULL});
	MEMEQ(b, "\xff\xff\xff\xff");
	cql__buf_reset(&b);
	cql__buf_bytes(&b, (cql_slice) {NULL, CQL_UNSET});
	MEMEQ(b, "\xff\xff\xff\xfe");
	cql__buf_free(&b);
}

TEST(wire_patch_u32)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__buf_put(&b, "\x00\x00\x00\x00\x00\x00", 6);
	cql__buf_patch_u32(&b, 1, 0xA1B2C3D4);
	MEMEQ(b, "\x00\xa1\xb2\xc3\xd4\x00");
	cql__buf_patch_u32(&b, 2, 0x01020304);
	MEMEQ(b, "\x00\xa1\x01\x02\x03\x04");
	/* out of range: ignored */
	cql__buf_patch_u32(&b, 3, 0xFFFFFFFF);
	MEMEQ(b, "\x00\xa1\x01\x02\x03\x04");
	cql__buf_patch_u32(&b, 6, 0xFFFFFFFF);
	MEMEQ(b, "\x00\xa1\x01\x02\x03\x04");
	cql__buf_free(&b);
}

/*
 * An offset so large that at + 4 wraps around must be ignored too, not
 * written before the buffer.  Run in a child with the buffer inside a
 * guarded block, so that the unfixed bug is reported, not a heap crash.
 */
static void
patch_wrapping_offset(void *arg)
{
	uint8_t    *block = malloc(32);
	cql__buf	b;

	(void) arg;
	if (block == NULL)
		_exit(2);
	memset(block, 0xAA, 32);
	b.data = block + 16;
	b.len = 6;
	b.cap = 16;
	b.failed = false;
	cql__buf_patch_u32(&b, SIZE_MAX - 1, 0x01020304);
	for (int i = 0; i < 32; i++)
		if (block[i] != 0xAA)
			_exit(1);
	free(block);
}

TEST(wire_patch_u32_wrapping_offset)
{
	int			status = test_in_child(patch_wrapping_offset, NULL);

	if (status != 0)
		test_fail(__FILE__, __LINE__,
				  "cql__buf_patch_u32(b, SIZE_MAX - 1, v) wrote outside the buffer "
				  "(child status %d; 'at + 4 > len' wraps)", status);
}

/* ---------- reader ---------- */

/* a reader over an exactly sized copy of a literal */
#define READER(r, mem, lit) \
	uint8_t *mem = fx_dup(lit, sizeof(lit) - 1); \
	cql__reader r; \
	cql__reader_init(&r, mem, sizeof(lit) - 1)

TEST(wire_read_integers)
{
	READER(r, m, "\x7f" "\x80\x01" "\xff\xff\xff\xfe" "\x80\x00\x00\x00\x00\x00\x00\x01" "\x00");
	uint8_t		u8;
	uint16_t	u16;
	int32_t		i32;
	int64_t		i64;

	CHECK_INT(cql__read_u8(&r, &u8), CQL_OK);
	CHECK_UINT(u8, 0x7f);
	CHECK_INT(cql__read_u16(&r, &u16), CQL_OK);
	CHECK_UINT(u16, 0x8001);
	CHECK_INT(cql__read_i32(&r, &i32), CQL_OK);
	CHECK_INT(i32, -2);
	CHECK_INT(cql__read_i64(&r, &i64), CQL_OK);
	CHECK_INT(i64, INT64_MIN + 1);
	CHECK_UINT(r.left, 1);
	/* one byte left: every wider read fails and consumes nothing */
	CHECK_INT(cql__read_u16(&r, &u16), CQL_EPROTO);
	CHECK_INT(cql__read_i32(&r, &i32), CQL_EPROTO);
	CHECK_INT(cql__read_i64(&r, &i64), CQL_EPROTO);
	CHECK_UINT(r.left, 1);
	CHECK(r.p == m + 15);
	CHECK_INT(cql__read_u8(&r, &u8), CQL_OK);
	CHECK_UINT(u8, 0);
	CHECK_INT(cql__read_u8(&r, &u8), CQL_EPROTO);
	CHECK_UINT(r.left, 0);
	free(m);
}

TEST(wire_read_extremes)
{
	READER(r, m, "\x80\x00\x00\x00" "\x7f\xff\xff\xff"
		   "\x7f\xff\xff\xff\xff\xff\xff\xff" "\xff\xff");
	int32_t		i32;
	int64_t		i64;
	uint16_t	u16;

	CHECK_INT(cql__read_i32(&r, &i32), CQL_OK);
	CHECK_INT(i32, INT32_MIN);
	CHECK_INT(cql__read_i32(&r, &i32), CQL_OK);
	CHECK_INT(i32, INT32_MAX);
	CHECK_INT(cql__read_i64(&r, &i64), CQL_OK);
	CHECK_INT(i64, INT64_MAX);
	CHECK_INT(cql__read_u16(&r, &u16), CQL_OK);
	CHECK_UINT(u16, 0xFFFF);
	free(m);
}

TEST(wire_read_empty_input)
{
	uint8_t    *m = fx_dup("", 0);
	cql__reader r;
	uint8_t		u8;
	uint16_t	u16;
	int32_t		i32;
	int64_t		i64;
	const uint8_t *p;
	cql_slice	s;

	cql__reader_init(&r, m, 0);
	CHECK_INT(cql__read_u8(&r, &u8), CQL_EPROTO);
	CHECK_INT(cql__read_u16(&r, &u16), CQL_EPROTO);
	CHECK_INT(cql__read_i32(&r, &i32), CQL_EPROTO);
	CHECK_INT(cql__read_i64(&r, &i64), CQL_EPROTO);
	CHECK_INT(cql__read_raw(&r, 1, &p), CQL_EPROTO);
	CHECK_INT(cql__read_string(&r, &p, &u16), CQL_EPROTO);
	CHECK_INT(cql__read_long_string(&r, &p, &i32), CQL_EPROTO);
	CHECK_INT(cql__read_bytes(&r, &s), CQL_EPROTO);
	CHECK_INT(cql__read_value(&r, &s), CQL_EPROTO);
	CHECK_INT(cql__read_short_bytes(&r, &s), CQL_EPROTO);
	/* zero bytes can always be read */
	CHECK_INT(cql__read_raw(&r, 0, &p), CQL_OK);
	free(m);
}

TEST(wire_read_raw)
{
	READER(r, m, "abcdef");
	const uint8_t *p;

	CHECK_INT(cql__read_raw(&r, 7, &p), CQL_EPROTO);
	CHECK_UINT(r.left, 6);
	CHECK_INT(cql__read_raw(&r, SIZE_MAX, &p), CQL_EPROTO);
	CHECK_INT(cql__read_raw(&r, 2, &p), CQL_OK);
	CHECK(p == m);
	CHECK_INT(cql__read_raw(&r, 4, &p), CQL_OK);
	CHECK(p == m + 2);
	CHECK_UINT(r.left, 0);
	free(m);
}

TEST(wire_read_string)
{
	const uint8_t *p;
	uint16_t	n;
	int32_t		ln;

	{
		READER(r, m, "\x00\x03" "abc" "\x00\x00");

		CHECK_INT(cql__read_string(&r, &p, &n), CQL_OK);
		CHECK_UINT(n, 3);
		CHECK_MEM(p, n, "abc", 3);
		CHECK_INT(cql__read_string(&r, &p, &n), CQL_OK);
		CHECK_UINT(n, 0);
		CHECK_UINT(r.left, 0);
		free(m);
	}
	{
		/* the length says 4, three bytes follow */
		READER(r, m, "\x00\x04" "abc");

		CHECK_INT(cql__read_string(&r, &p, &n), CQL_EPROTO);
		free(m);
	}
	{
		/* the largest length, nothing behind it */
		READER(r, m, "\xff\xff" "a");

		CHECK_INT(cql__read_string(&r, &p, &n), CQL_EPROTO);
		free(m);
	}
	{
		READER(r, m, "\x00\x00\x00\x02" "hi" "\x00\x00\x00\x00");

		CHECK_INT(cql__read_long_string(&r, &p, &ln), CQL_OK);
		CHECK_INT(ln, 2);
		CHECK_MEM(p, 2, "hi", 2);
		CHECK_INT(cql__read_long_string(&r, &p, &ln), CQL_OK);
		CHECK_INT(ln, 0);
		free(m);
	}
	{
		/* a negative [long string] length is corrupt */
		READER(r, m, "\xff\xff\xff\xff" "xxxx");

		CHECK_INT(cql__read_long_string(&r, &p, &ln), CQL_EPROTO);
		free(m);
	}
	{
		READER(r, m, "\x7f\xff\xff\xff" "xx");

		CHECK_INT(cql__read_long_string(&r, &p, &ln), CQL_EPROTO);
		free(m);
	}
}

TEST(wire_read_bytes)
{
	cql_slice	s;

	{
		READER(r, m, "\x00\x00\x00\x03" "xyz" "\x00\x00\x00\x00");

		CHECK_INT(cql__read_bytes(&r, &s), CQL_OK);
		CHECK_INT(s.len, 3);
		CHECK(s.data == m + 4);
		CHECK_INT(cql__read_bytes(&r, &s), CQL_OK);
		CHECK_INT(s.len, 0);
		CHECK_UINT(r.left, 0);
		free(m);
	}
	{
		/* [bytes]: "If n < 0, no byte should follow and the value
		 * represented is null" -- -1, -2 and every other negative length */
		READER(r, m, "\xff\xff\xff\xff" "\xff\xff\xff\xfe" "\xff\xff\xff\x9c"
			   "\x80\x00\x00\x00" "\x00\x00\x00\x01" "Z");

		for (int i = 0; i < 4; i++)
		{
			s.data = (const uint8_t *) "junk";
			s.len = 12345;
			CHECK_INT(cql__read_bytes(&r, &s), CQL_OK);
			CHECK_INT(s.len, CQL_NULL);
			CHECK(s.data == NULL);
		}
		CHECK_INT(cql__read_bytes(&r, &s), CQL_OK);
		CHECK_INT(s.len, 1);
		CHECK_UINT(s.data[0], 'Z');
		free(m);
	}
	{
		/* longer than what is left */
		READER(r, m, "\x00\x00\x00\x05" "abcd");

		CHECK_INT(cql__read_bytes(&r, &s), CQL_EPROTO);
		free(m);
	}
	{
		READER(r, m, "\x7f\xff\xff\xff" "abcd");

		CHECK_INT(cql__read_bytes(&r, &s), CQL_EPROTO);
		free(m);
	}
	{
		/* the length itself cut short */
		READER(r, m, "\x00\x00\x00");

		CHECK_INT(cql__read_bytes(&r, &s), CQL_EPROTO);
		free(m);
	}
}

TEST(wire_read_value)
{
	cql_slice	s;

	{
		/* [value]: -1 null, -2 unset, n < -2 invalid */
		READER(r, m, "\xff\xff\xff\xff" "\xff\xff\xff\xfe" "\x00\x00\x00\x01" "q");

		CHECK_INT(cql__read_value(&r, &s), CQL_OK);
		CHECK_INT(s.len, CQL_NULL);
		CHECK(s.data == NULL);
		CHECK_INT(cql__read_value(&r, &s), CQL_OK);
		CHECK_INT(s.len, CQL_UNSET);
		CHECK(s.data == NULL);
		CHECK_INT(cql__read_value(&r, &s), CQL_OK);
		CHECK_INT(s.len, 1);
		CHECK_UINT(s.data[0], 'q');
		free(m);
	}
	{
		READER(r, m, "\xff\xff\xff\xfd");

		CHECK_INT(cql__read_value(&r, &s), CQL_EPROTO);
		free(m);
	}
	{
		READER(r, m, "\x80\x00\x00\x00");

		CHECK_INT(cql__read_value(&r, &s), CQL_EPROTO);
		free(m);
	}
	{
		READER(r, m, "\x00\x00\x00\x02" "q");

		CHECK_INT(cql__read_value(&r, &s), CQL_EPROTO);
		free(m);
	}
}

TEST(wire_read_short_bytes)
{
	cql_slice	s;

	{
		READER(r, m, "\x00\x02\xca\xfe" "\x00\x00");

		CHECK_INT(cql__read_short_bytes(&r, &s), CQL_OK);
		CHECK_INT(s.len, 2);
		CHECK_MEM(s.data, 2, "\xca\xfe", 2);
		CHECK_INT(cql__read_short_bytes(&r, &s), CQL_OK);
		CHECK_INT(s.len, 0);
		free(m);
	}
	{
		READER(r, m, "\x00\x03\xca\xfe");

		CHECK_INT(cql__read_short_bytes(&r, &s), CQL_EPROTO);
		free(m);
	}
	{
		READER(r, m, "\x00");

		CHECK_INT(cql__read_short_bytes(&r, &s), CQL_EPROTO);
		free(m);
	}
}

/* Every prefix of a sequence of reads: each read either succeeds within
 * the prefix or fails, never reading past it (ASan). */
TEST(wire_read_every_prefix)
{
	static const char seq[] =
		"\x05" "\x00\x07" "\x00\x00\x00\x2a" "\x00\x00\x00\x00\x00\x00\x00\x63"
		"\x00\x02" "hi" "\x00\x00\x00\x03" "abc" "\x00\x00\x00\x02" "xy"
		"\xff\xff\xff\xfe" "\x00\x01" "z";
	size_t		n = sizeof(seq) - 1;

	for (size_t len = 0; len <= n; len++)
	{
		uint8_t    *m = fx_dup(seq, len);
		cql__reader r;
		uint8_t		u8;
		uint16_t	u16;
		int32_t		i32;
		int64_t		i64;
		const uint8_t *p;
		cql_slice	s;
		int			ok = 0;

		cql__reader_init(&r, m, len);
		if (cql__read_u8(&r, &u8) == CQL_OK &&
			cql__read_u16(&r, &u16) == CQL_OK &&
			cql__read_i32(&r, &i32) == CQL_OK &&
			cql__read_i64(&r, &i64) == CQL_OK &&
			cql__read_string(&r, &p, &u16) == CQL_OK &&
			cql__read_long_string(&r, &p, &i32) == CQL_OK &&
			cql__read_bytes(&r, &s) == CQL_OK &&
			cql__read_value(&r, &s) == CQL_OK &&
			cql__read_short_bytes(&r, &s) == CQL_OK)
			ok = 1;
		if (len == n)
		{
			CHECK_INT(ok, 1);
			CHECK_UINT(r.left, 0);
		}
		else if (ok)
			test_fail(__FILE__, __LINE__, "a prefix of %zu of %zu bytes read completely", len, n);
		free(m);
	}
}

/* ---------- arena ---------- */

TEST(wire_arena_alignment)
{
	cql__arena	a;
	uint8_t    *prev[64];
	size_t		sizes[64];
	int			n = 0;

	cql__arena_init(&a);
	for (size_t sz = 1; sz <= 200 && n < 64; sz += 7)
	{
		uint8_t    *p = cql__arena_alloc(&a, sz);

		REQUIRE(p != NULL);
		CHECK_UINT((uintptr_t) p % alignof(max_align_t), 0);
		/* the whole size is writable (ASan) and no block overlaps another */
		memset(p, (int) sz, sz);
		for (int i = 0; i < n; i++)
			if (p < prev[i] + sizes[i] && prev[i] < p + sz)
				test_fail(__FILE__, __LINE__, "blocks of %zu and %zu bytes overlap", sizes[i], sz);
		prev[n] = p;
		sizes[n] = sz;
		n++;
	}
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			if (prev[i][j] != (uint8_t) sizes[i])
			{
				test_fail(__FILE__, __LINE__, "block %d was overwritten", i);
				break;
			}

	/* zero bytes: a valid, distinct, aligned pointer */
	{
		void	   *z1 = cql__arena_alloc(&a, 0);
		void	   *z2 = cql__arena_alloc(&a, 0);

		CHECK(z1 != NULL);
		CHECK(z2 != NULL);
		CHECK(z1 != z2);
		CHECK_UINT((uintptr_t) z1 % alignof(max_align_t), 0);
	}
	cql__arena_free(&a);
	CHECK(a.head == NULL);
	/* an arena is reusable after free */
	CHECK(cql__arena_alloc(&a, 10) != NULL);
	cql__arena_free(&a);
}

TEST(wire_arena_large)
{
	cql__arena	a;
	uint8_t    *small1;
	uint8_t    *big;
	uint8_t    *small2;
	uint8_t    *chunkish;

	cql__arena_init(&a);
	small1 = cql__arena_alloc(&a, 16);
	REQUIRE(small1 != NULL);
	memset(small1, 1, 16);
	/* larger than a chunk: a block of its own, entirely writable */
	big = cql__arena_alloc(&a, 1 << 20);
	REQUIRE(big != NULL);
	CHECK_UINT((uintptr_t) big % alignof(max_align_t), 0);
	memset(big, 2, 1 << 20);
	chunkish = cql__arena_alloc(&a, 4096);
	REQUIRE(chunkish != NULL);
	memset(chunkish, 3, 4096);
	small2 = cql__arena_alloc(&a, 24);
	REQUIRE(small2 != NULL);
	memset(small2, 4, 24);
	CHECK_UINT(small1[15], 1);
	CHECK_UINT(big[0], 2);
	CHECK_UINT(big[(1 << 20) - 1], 2);
	CHECK_UINT(chunkish[4095], 3);
	/* many allocations across many chunks, all freed by arena_free (leaks) */
	for (int i = 0; i < 2000; i++)
	{
		uint8_t    *p = cql__arena_alloc(&a, (size_t) (i % 300) + 1);

		REQUIRE(p != NULL);
		p[i % 300] = 0xEE;
	}
	cql__arena_free(&a);
}

/*
 * Sizes that cannot be allocated must fail with NULL.  Rounding SIZE_MAX
 * up to the alignment wraps to a tiny size: the arena must not hand out a
 * small block for a huge request.
 */
TEST(wire_arena_huge_fails)
{
	cql__arena	a;

	cql__arena_init(&a);
	CHECK(cql__arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(cql__arena_alloc(&a, SIZE_MAX - 10) == NULL);
	CHECK(cql__arena_alloc(&a, SIZE_MAX / 2) == NULL);
	CHECK(cql__arena_alloc(&a, SIZE_MAX - 4096) == NULL);
	/* still usable */
	CHECK(cql__arena_alloc(&a, 8) != NULL);
	cql__arena_free(&a);
}

TEST(wire_arena_strndup)
{
	cql__arena	a;
	uint8_t    *src = fx_dup("keyspace\0zz", 11);
	char	   *s;

	cql__arena_init(&a);
	s = cql__arena_strndup(&a, src, 8);
	REQUIRE(s != NULL);
	CHECK_STR(s, "keyspace");
	/* embedded NULs are copied; the copy ends in one more */
	s = cql__arena_strndup(&a, src, 11);
	REQUIRE(s != NULL);
	CHECK_MEM(s, 12, "keyspace\0zz\0", 12);
	s = cql__arena_strndup(&a, src, 0);
	REQUIRE(s != NULL);
	CHECK_STR(s, "");
	free(src);
	cql__arena_free(&a);
}
