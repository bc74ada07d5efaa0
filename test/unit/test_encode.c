/*-------------------------------------------------------------------------
 *
 * test_encode.c
 *		  frame.c request encoders, compared byte for byte with frames
 *		  written from native_protocol_v4.spec sections 2 and 4.1.
 *
 * IDENTIFICATION
 *		  test/unit/test_encode.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "frame.h"

#include <stdlib.h>

#define CHECK_FRAME(buf, lit) \
	do { \
		CHECK(!(buf).failed); \
		CHECK_MEM((buf).data, (buf).len, lit, sizeof(lit) - 1); \
	} while (0)

TEST(encode_startup)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_startup(&b, 1, NULL);
	/* header: version 0x04 (request), flags 0, stream 1, opcode 0x01,
	 * length 22; body: [string map] {"CQL_VERSION": "3.0.0"} */
	CHECK_FRAME(b,
				"\x04\x00\x00\x01\x01\x00\x00\x00\x16"
				"\x00\x01"
				"\x00\x0b" "CQL_VERSION"
				"\x00\x05" "3.0.0");
	cql__buf_free(&b);
}

TEST(encode_startup_compression)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_startup(&b, 0x0102, "lz4");
	CHECK_FRAME(b,
				"\x04\x00\x01\x02\x01\x00\x00\x00\x28"
				"\x00\x02"
				"\x00\x0b" "CQL_VERSION"
				"\x00\x05" "3.0.0"
				"\x00\x0b" "COMPRESSION"
				"\x00\x03" "lz4");
	cql__buf_reset(&b);
	cql__encode_startup(&b, 0, "snappy");
	CHECK_FRAME(b,
				"\x04\x00\x00\x00\x01\x00\x00\x00\x2b"
				"\x00\x02"
				"\x00\x0b" "CQL_VERSION"
				"\x00\x05" "3.0.0"
				"\x00\x0b" "COMPRESSION"
				"\x00\x06" "snappy");
	cql__buf_free(&b);
}

TEST(encode_options)
{
	cql__buf	b;

	cql__buf_init(&b);
	/* 4.1.3: an empty body */
	cql__encode_options(&b, 0x1234);
	CHECK_FRAME(b, "\x04\x00\x12\x34\x05\x00\x00\x00\x00");
	cql__buf_reset(&b);
	cql__encode_options(&b, 0x7FFF);
	CHECK_FRAME(b, "\x04\x00\x7f\xff\x05\x00\x00\x00\x00");
	cql__buf_free(&b);
}

TEST(encode_auth_response)
{
	cql__buf	b;

	cql__buf_init(&b);
	/* 4.1.2: a single [bytes] token; SASL PLAIN "\0user\0pass" */
	cql__encode_auth_response(&b, 0, (const uint8_t *) "\0user\0pass", 10);
	CHECK_FRAME(b,
				"\x04\x00\x00\x00\x0f\x00\x00\x00\x0e"
				"\x00\x00\x00\x0a" "\x00" "user" "\x00" "pass");
	cql__buf_reset(&b);
	cql__encode_auth_response(&b, 3, (const uint8_t *) "", 0);
	CHECK_FRAME(b, "\x04\x00\x00\x03\x0f\x00\x00\x00\x04" "\x00\x00\x00\x00");
	cql__buf_free(&b);
}

TEST(encode_query_plain)
{
	cql__buf	b;
	cql_query_params p;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	cql__buf_init(&b);
	cql__encode_query(&b, 2, "SELECT * FROM t", &p);
	/* 4.1.4: <query> [long string], <consistency> [short], <flags> [byte] */
	CHECK_FRAME(b,
				"\x04\x00\x00\x02\x07\x00\x00\x00\x16"
				"\x00\x00\x00\x0f" "SELECT * FROM t"
				"\x00\x01"
				"\x00");
	cql__buf_free(&b);
}

TEST(encode_query_all_flags)
{
	cql__buf	b;
	cql_query_params p;
	const cql_slice values[2] = {
		{(const uint8_t *) "\x00\x00\x00\x2a", 4},
		{NULL, CQL_NULL}
	};
	const char *const names[2] = {"k", "v"};

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_LOCAL_QUORUM;
	p.values = values;
	p.nvalues = 2;
	p.names = names;
	p.skip_metadata = true;
	p.page_size = 5000;
	p.paging_state = (cql_slice) {(const uint8_t *) "\x01\x02\x03", 3};
	p.serial_consistency = CQL_CONSISTENCY_LOCAL_SERIAL;
	p.has_timestamp = true;
	p.timestamp = 1700000000000000LL;
	cql__buf_init(&b);
	cql__encode_query(&b, 0x0203, "Q", &p);
	CHECK_FRAME(b,
				"\x04\x00\x02\x03\x07\x00\x00\x00\x31"
				"\x00\x00\x00\x01" "Q"
				"\x00\x06"		/* LOCAL_QUORUM */
				"\x7f"			/* 0x01|0x02|0x04|0x08|0x10|0x20|0x40 */
				"\x00\x02"
				"\x00\x01" "k" "\x00\x00\x00\x04" "\x00\x00\x00\x2a"
				"\x00\x01" "v" "\xff\xff\xff\xff"
				"\x00\x00\x13\x88"	/* page size 5000 */
				"\x00\x00\x00\x03" "\x01\x02\x03"	/* paging state */
				"\x00\x09"		/* LOCAL_SERIAL */
				"\x00\x06\x0a\x24\x18\x1e\x40\x00");	/* 1700000000000000 */
	cql__buf_free(&b);
}

TEST(encode_query_values)
{
	cql__buf	b;
	cql_query_params p;
	/* [value]: n bytes, -1 null, -2 not set, 0 empty */
	const cql_slice values[4] = {
		{(const uint8_t *) "ab", 2},
		{NULL, CQL_NULL},
		{NULL, CQL_UNSET},
		{(const uint8_t *) "", 0}
	};

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_QUORUM;
	p.values = values;
	p.nvalues = 4;
	cql__buf_init(&b);
	cql__encode_query(&b, 0, "I", &p);
	CHECK_FRAME(b,
				"\x04\x00\x00\x00\x07\x00\x00\x00\x1c"
				"\x00\x00\x00\x01" "I"
				"\x00\x04"
				"\x01"
				"\x00\x04"
				"\x00\x00\x00\x02" "ab"
				"\xff\xff\xff\xff"
				"\xff\xff\xff\xfe"
				"\x00\x00\x00\x00");
	cql__buf_free(&b);
}

/* options that are off send nothing */
TEST(encode_query_defaults_not_sent)
{
	cql__buf	b;
	cql_query_params p;
	const char *const names[1] = {"x"};

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ALL;
	p.names = names;			/* no values: no names flag */
	p.page_size = -1;
	p.paging_state = (cql_slice) {NULL, CQL_NULL};
	cql__buf_init(&b);
	cql__encode_query(&b, 0, "S", &p);
	CHECK_FRAME(b,
				"\x04\x00\x00\x00\x07\x00\x00\x00\x08"
				"\x00\x00\x00\x01" "S" "\x00\x05" "\x00");
	cql__buf_reset(&b);
	p.paging_state = (cql_slice) {(const uint8_t *) "", 0};
	p.page_size = 0;
	cql__encode_query(&b, 0, "S", &p);
	CHECK_FRAME(b,
				"\x04\x00\x00\x00\x07\x00\x00\x00\x08"
				"\x00\x00\x00\x01" "S" "\x00\x05" "\x00");
	cql__buf_free(&b);
}

/*
 * Every combination of the seven options, against a body built field by
 * field in the order of 4.1.4:
 * <consistency><flags>[<n>[name_1]<value_1>...][<result_page_size>]
 * [<paging_state>][<serial_consistency>][<timestamp>]
 */
TEST(encode_query_every_combination)
{
	const cql_slice values[3] = {
		{(const uint8_t *) "\x00\x00\x00\x07", 4},
		{NULL, CQL_NULL},
		{(const uint8_t *) "text", 4}
	};
	const char *const names[3] = {"a", "bb", "ccc"};
	const char *query = "SELECT v FROM ks.t WHERE k = ?";

	for (int mask = 0; mask < 128; mask++)
	{
		bool		has_values = mask & 0x01;
		bool		has_names = mask & 0x40;
		cql_query_params p;
		cql__buf	b;
		fx			body;
		fx			frame;
		uint8_t		flags = 0;

		memset(&p, 0, sizeof(p));
		p.consistency = CQL_CONSISTENCY_LOCAL_ONE;
		if (has_values)
		{
			p.values = values;
			p.nvalues = 3;
			flags |= 0x01;
		}
		if (has_names)
		{
			p.names = names;
			if (has_values)
				flags |= 0x40;
		}
		if (mask & 0x02)
		{
			p.skip_metadata = true;
			flags |= 0x02;
		}
		if (mask & 0x04)
		{
			p.page_size = 100;
			flags |= 0x04;
		}
		if (mask & 0x08)
		{
			p.paging_state = (cql_slice) {(const uint8_t *) "\xff\x00\xfe", 3};
			flags |= 0x08;
		}
		if (mask & 0x10)
		{
			p.serial_consistency = CQL_CONSISTENCY_SERIAL;
			flags |= 0x10;
		}
		if (mask & 0x20)
		{
			p.has_timestamp = true;
			p.timestamp = 0x0102030405060708LL;
			flags |= 0x20;
		}

		fx_init(&body);
		fx_lstr(&body, query);
		fx_u16(&body, 0x000A);
		fx_u8(&body, flags);
		if (flags & 0x01)
		{
			fx_u16(&body, 3);
			for (int i = 0; i < 3; i++)
			{
				if (flags & 0x40)
					fx_str(&body, names[i]);
				fx_bytes(&body, values[i].data, values[i].len);
			}
		}
		if (flags & 0x04)
			fx_i32(&body, 100);
		if (flags & 0x08)
			fx_bytes(&body, "\xff\x00\xfe", 3);
		if (flags & 0x10)
			fx_u16(&body, 0x0008);
		if (flags & 0x20)
			fx_i64(&body, 0x0102030405060708LL);
		fx_init(&frame);
		fx_frame(&frame, 0x04, 0, (int16_t) mask, 0x07, body.data, body.len);

		cql__buf_init(&b);
		cql__encode_query(&b, (int16_t) mask, query, &p);
		CHECK(!b.failed);
		if (b.len != frame.len || memcmp(b.data, frame.data, b.len) != 0)
		{
			test_fail(__FILE__, __LINE__, "QUERY with option mask 0x%02x differs:", mask);
			CHECK_MEM(b.data, b.len, frame.data, frame.len);
		}
		cql__buf_free(&b);
		fx_free(&body);
		fx_free(&frame);
	}
}

/* encoders append: two frames in one buffer, each with its own length */
TEST(encode_appends)
{
	cql__buf	b;
	cql_query_params p;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	cql__buf_init(&b);
	cql__encode_options(&b, 1);
	cql__encode_query(&b, 2, "USE ks", &p);
	cql__encode_options(&b, 3);
	CHECK_FRAME(b,
				"\x04\x00\x00\x01\x05\x00\x00\x00\x00"
				"\x04\x00\x00\x02\x07\x00\x00\x00\x0d"
				"\x00\x00\x00\x06" "USE ks" "\x00\x01" "\x00"
				"\x04\x00\x00\x03\x05\x00\x00\x00\x00");
	cql__buf_free(&b);
}

TEST(encode_long_query)
{
	size_t		n = 100000;
	char	   *q = malloc(n + 1);
	cql__buf	b;
	cql_query_params p;

	REQUIRE(q != NULL);
	memset(q, 'a', n);
	q[n] = '\0';
	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	cql__buf_init(&b);
	cql__encode_query(&b, 0, q, &p);
	CHECK(!b.failed);
	REQUIRE(b.len == 9 + 4 + n + 3);
	/* length 100007 = 0x000186a7; query length 100000 = 0x000186a0 */
	CHECK_MEM(b.data, 13, "\x04\x00\x00\x00\x07\x00\x01\x86\xa7\x00\x01\x86\xa0", 13);
	CHECK_UINT(b.data[9 + 4 + n - 1], 'a');
	free(q);
	cql__buf_free(&b);
}

/* more bound values than a [short] can count cannot be encoded */
TEST(encode_too_many_values)
{
	int			n = 65536;
	cql_slice  *values = calloc((size_t) n, sizeof(cql_slice));
	cql__buf	b;
	cql_query_params p;

	REQUIRE(values != NULL);
	for (int i = 0; i < n; i++)
		values[i].len = CQL_NULL;
	memset(&p, 0, sizeof(p));
	p.values = values;
	p.nvalues = n;
	cql__buf_init(&b);
	cql__encode_query(&b, 0, "Q", &p);
	CHECK(b.failed);
	cql__buf_free(&b);
	/* 65535 is fine */
	p.nvalues = 65535;
	cql__buf_init(&b);
	cql__encode_query(&b, 0, "Q", &p);
	CHECK(!b.failed);
	CHECK_UINT(b.len, 9 + 5 + 2 + 1 + 2 + 65535u * 4);
	cql__buf_free(&b);
	free(values);
}
