/*-------------------------------------------------------------------------
 *
 * test_requests.c
 *		  frame.c encoders of PREPARE, EXECUTE, BATCH and REGISTER, compared
 *		  byte for byte with frames written from native_protocol_v4.spec
 *		  sections 4.1.5 to 4.1.8 (literal bytes, or the fixture builder,
 *		  which shares no code with the driver).
 *
 * IDENTIFICATION
 *		  test/unit/test_requests.c
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

#define CHECK_FX(buf, want) \
	do { \
		CHECK(!(buf).failed); \
		CHECK_MEM((buf).data, (buf).len, (want).data, (want).len); \
	} while (0)

static const uint8_t ID4[4] = {0xca, 0xfe, 0xba, 0xbe};

/* ---------- PREPARE (4.1.5): the query as a [long string] ---------- */

TEST(encode_prepare)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_prepare(&b, 5, "SELECT 1");
	CHECK_FRAME(b,
				"\x04\x00\x00\x05\x09\x00\x00\x00\x0c"
				"\x00\x00\x00\x08" "SELECT 1");
	cql__buf_reset(&b);
	/* an empty query is still a [long string] of length 0 */
	cql__encode_prepare(&b, 0x7fff, "");
	CHECK_FRAME(b, "\x04\x00\x7f\xff\x09\x00\x00\x00\x04" "\x00\x00\x00\x00");
	cql__buf_free(&b);
}

TEST(encode_prepare_utf8_and_long)
{
	cql__buf	b;
	size_t		n = 70000;
	char	   *q = malloc(n + 1);
	fx			body;
	fx			want;

	REQUIRE(q != NULL);
	cql__buf_init(&b);
	/* the length counts bytes, not characters: "é" is 2 bytes */
	cql__encode_prepare(&b, 1, "SELECT '\xc3\xa9'");
	CHECK_FRAME(b,
				"\x04\x00\x00\x01\x09\x00\x00\x00\x0f"
				"\x00\x00\x00\x0b" "SELECT '\xc3\xa9'");
	cql__buf_reset(&b);
	/* longer than a [string] could hold */
	memset(q, 'x', n);
	q[n] = '\0';
	fx_init(&body);
	fx_lstr(&body, q);
	fx_init(&want);
	fx_frame(&want, 0x04, 0, 2, 0x09, body.data, body.len);
	cql__encode_prepare(&b, 2, q);
	CHECK_FX(b, want);
	fx_free(&body);
	fx_free(&want);
	cql__buf_free(&b);
	free(q);
}

/* ---------- EXECUTE (4.1.6): <id><query_parameters> ---------- */

TEST(encode_execute_plain)
{
	cql__buf	b;
	cql_query_params p;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	cql__buf_init(&b);
	cql__encode_execute(&b, 3, (cql_slice) {ID4, 4}, &p);
	/* <id> [short bytes], <consistency> [short], <flags> [byte] */
	CHECK_FRAME(b,
				"\x04\x00\x00\x03\x0a\x00\x00\x00\x09"
				"\x00\x04" "\xca\xfe\xba\xbe"
				"\x00\x01"
				"\x00");
	cql__buf_free(&b);
}

/* what cql_session_execute_prepared sends: values, skip_metadata, paging */
TEST(encode_execute_skip_metadata_values_paging)
{
	cql__buf	b;
	cql_query_params p;
	const cql_slice values[3] = {
		{(const uint8_t *) "\x00\x00\x00\x07", 4},
		{NULL, CQL_NULL},
		{NULL, CQL_UNSET}
	};
	static const uint8_t id16[16] = {
		0x8a, 0x2c, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f
	};

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_LOCAL_QUORUM;
	p.values = values;
	p.nvalues = 3;
	p.skip_metadata = true;
	p.page_size = 100;
	p.paging_state = (cql_slice) {(const uint8_t *) "\xde\xad\xbe\xef\x00\x01", 6};
	cql__buf_init(&b);
	cql__encode_execute(&b, 0x0100, (cql_slice) {id16, 16}, &p);
	CHECK_FRAME(b,
				"\x04\x00\x01\x00\x0a\x00\x00\x00\x35"
				"\x00\x10" "\x8a\x2c\x11\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f"
				"\x00\x06"		/* LOCAL_QUORUM */
				"\x0f"			/* values | skip_metadata | page_size | paging_state */
				"\x00\x03"
				"\x00\x00\x00\x04" "\x00\x00\x00\x07"
				"\xff\xff\xff\xff"	/* null */
				"\xff\xff\xff\xfe"	/* not set */
				"\x00\x00\x00\x64"	/* 100 */
				"\x00\x00\x00\x06" "\xde\xad\xbe\xef\x00\x01");
	cql__buf_reset(&b);

	/* skip_metadata alone, then with serial consistency and a timestamp */
	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_QUORUM;
	p.skip_metadata = true;
	cql__encode_execute(&b, 1, (cql_slice) {ID4, 4}, &p);
	CHECK_FRAME(b,
				"\x04\x00\x00\x01\x0a\x00\x00\x00\x09"
				"\x00\x04" "\xca\xfe\xba\xbe" "\x00\x04" "\x02");
	cql__buf_reset(&b);
	p.serial_consistency = CQL_CONSISTENCY_SERIAL;
	p.has_timestamp = true;
	p.timestamp = 1700000000000000LL;
	cql__encode_execute(&b, 1, (cql_slice) {ID4, 4}, &p);
	CHECK_FRAME(b,
				"\x04\x00\x00\x01\x0a\x00\x00\x00\x13"
				"\x00\x04" "\xca\xfe\xba\xbe" "\x00\x04" "\x32"
				"\x00\x08"
				"\x00\x06\x0a\x24\x18\x1e\x40\x00");
	cql__buf_free(&b);
}

/* every combination of the seven options, as for QUERY */
TEST(encode_execute_every_combination)
{
	const cql_slice values[2] = {
		{(const uint8_t *) "\x00\x00\x00\x2a", 4},
		{(const uint8_t *) "", 0}
	};
	const char *const names[2] = {"k", "v"};

	for (int mask = 0; mask < 128; mask++)
	{
		cql_query_params p;
		cql__buf	b;
		fx			body;
		fx			frame;
		uint8_t		flags = 0;

		memset(&p, 0, sizeof(p));
		p.consistency = CQL_CONSISTENCY_EACH_QUORUM;
		if (mask & 0x01)
		{
			p.values = values;
			p.nvalues = 2;
			flags |= 0x01;
		}
		if (mask & 0x40)
		{
			p.names = names;
			if (mask & 0x01)
				flags |= 0x40;
		}
		if (mask & 0x02)
		{
			p.skip_metadata = true;
			flags |= 0x02;
		}
		if (mask & 0x04)
		{
			p.page_size = 0x12345;
			flags |= 0x04;
		}
		if (mask & 0x08)
		{
			p.paging_state = (cql_slice) {(const uint8_t *) "\x00", 1};
			flags |= 0x08;
		}
		if (mask & 0x10)
		{
			p.serial_consistency = CQL_CONSISTENCY_LOCAL_SERIAL;
			flags |= 0x10;
		}
		if (mask & 0x20)
		{
			p.has_timestamp = true;
			p.timestamp = -2;
			flags |= 0x20;
		}

		fx_init(&body);
		fx_sbytes(&body, ID4, 4);
		fx_u16(&body, 0x0007);
		fx_u8(&body, flags);
		if (flags & 0x01)
		{
			fx_u16(&body, 2);
			for (int i = 0; i < 2; i++)
			{
				if (flags & 0x40)
					fx_str(&body, names[i]);
				fx_bytes(&body, values[i].data, values[i].len);
			}
		}
		if (flags & 0x04)
			fx_i32(&body, 0x12345);
		if (flags & 0x08)
			fx_bytes(&body, "\x00", 1);
		if (flags & 0x10)
			fx_u16(&body, 0x0009);
		if (flags & 0x20)
			fx_i64(&body, -2);
		fx_init(&frame);
		fx_frame(&frame, 0x04, 0, (int16_t) (mask + 1), 0x0A, body.data, body.len);

		cql__buf_init(&b);
		cql__encode_execute(&b, (int16_t) (mask + 1), (cql_slice) {ID4, 4}, &p);
		CHECK(!b.failed);
		if (b.len != frame.len || memcmp(b.data, frame.data, b.len) != 0)
		{
			test_fail(__FILE__, __LINE__, "EXECUTE with option mask 0x%02x differs:", mask);
			CHECK_MEM(b.data, b.len, frame.data, frame.len);
		}
		cql__buf_free(&b);
		fx_free(&body);
		fx_free(&frame);
	}
}

/* an id is never empty (the decoder refuses one, the encoder too) */
TEST(encode_execute_bad_id)
{
	cql__buf	b;
	cql_query_params p;

	memset(&p, 0, sizeof(p));
	cql__buf_init(&b);
	cql__encode_execute(&b, 0, (cql_slice) {ID4, 0}, &p);
	CHECK(b.failed);
	cql__buf_free(&b);
	cql__buf_init(&b);
	cql__encode_execute(&b, 0, (cql_slice) {NULL, CQL_NULL}, &p);
	CHECK(b.failed);
	cql__buf_free(&b);
}

/* ---------- BATCH (4.1.7) ---------- */

TEST(encode_batch_logged_one_statement)
{
	cql__buf	b;
	cql_query_params p;
	cql_batch_statement st;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_QUORUM;
	memset(&st, 0, sizeof(st));
	st.cql = "INSERT INTO ks.t (k) VALUES (1)";
	cql__buf_init(&b);
	cql__encode_batch(&b, 9, CQL_BATCH_LOGGED, &st, 1, &p);
	/* <type><n> <kind><string_or_id><n> <consistency><flags> */
	CHECK_FRAME(b,
				"\x04\x00\x00\x09\x0d\x00\x00\x00\x2c"
				"\x00"			/* logged */
				"\x00\x01"		/* one query */
				"\x00"			/* kind 0: CQL text */
				"\x00\x00\x00\x1f" "INSERT INTO ks.t (k) VALUES (1)"
				"\x00\x00"		/* no values */
				"\x00\x04"		/* QUORUM */
				"\x00");		/* no flags */
	cql__buf_free(&b);
}

/* CQL text and prepared ids mixed, with values, serial consistency and timestamp */
TEST(encode_batch_mixed_unlogged)
{
	cql__buf	b;
	cql_query_params p;
	const cql_slice v1[2] = {
		{(const uint8_t *) "\x00\x00\x00\x01", 4},
		{(const uint8_t *) "ab", 2}
	};
	const cql_slice v2[3] = {
		{(const uint8_t *) "\x00\x00\x00\x02", 4},
		{NULL, CQL_NULL},
		{NULL, CQL_UNSET}
	};
	cql_batch_statement st[3];

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	p.serial_consistency = CQL_CONSISTENCY_LOCAL_SERIAL;
	p.has_timestamp = true;
	p.timestamp = 1700000000000000LL;
	memset(st, 0, sizeof(st));
	st[0].cql = "INSERT INTO t (k, v) VALUES (?, ?)";
	st[0].values = v1;
	st[0].nvalues = 2;
	st[1].id = (cql_slice) {ID4, 4};
	st[1].values = v2;
	st[1].nvalues = 3;
	/* an id wins over text; no values at all */
	st[2].cql = "ignored";
	st[2].id = (cql_slice) {(const uint8_t *) "\x01", 1};
	cql__buf_init(&b);
	cql__encode_batch(&b, 0x0a0b, CQL_BATCH_UNLOGGED, st, 3, &p);
	CHECK_FRAME(b,
				"\x04\x00\x0a\x0b\x0d\x00\x00\x00\x66"
				"\x01"			/* unlogged */
				"\x00\x03"
				/* query 1: text, two values */
				"\x00"
				"\x00\x00\x00\x22" "INSERT INTO t (k, v) VALUES (?, ?)"
				"\x00\x02"
				"\x00\x00\x00\x04" "\x00\x00\x00\x01"
				"\x00\x00\x00\x02" "ab"
				/* query 2: prepared id, three values */
				"\x01"
				"\x00\x04" "\xca\xfe\xba\xbe"
				"\x00\x03"
				"\x00\x00\x00\x04" "\x00\x00\x00\x02"
				"\xff\xff\xff\xff"
				"\xff\xff\xff\xfe"
				/* query 3: prepared id, no values */
				"\x01"
				"\x00\x01" "\x01"
				"\x00\x00"
				"\x00\x0a"		/* LOCAL_ONE */
				"\x30"			/* serial consistency | timestamp */
				"\x00\x09"		/* LOCAL_SERIAL */
				"\x00\x06\x0a\x24\x18\x1e\x40\x00");
	cql__buf_free(&b);
}

TEST(encode_batch_counter_and_flags)
{
	cql_batch_statement st;
	const cql_slice v[1] = {{(const uint8_t *) "\x00\x00\x00\x00\x00\x00\x00\x05", 8}};
	const char *const names[1] = {"n"};

	memset(&st, 0, sizeof(st));
	st.cql = "UPDATE ks.c SET n = n + ? WHERE k = 1";
	st.values = v;
	st.nvalues = 1;
	for (int mask = 0; mask < 4; mask++)
	{
		cql_query_params p;
		cql__buf	b;
		fx			body;
		fx			frame;
		uint8_t		flags = 0;

		memset(&p, 0, sizeof(p));
		p.consistency = CQL_CONSISTENCY_ONE;
		/* QUERY-only options: the 4 rightmost bits stay 0 in BATCH, and
		 * names are never sent (0x40 does not work in v4) */
		p.skip_metadata = true;
		p.page_size = 10;
		p.paging_state = (cql_slice) {(const uint8_t *) "\x01", 1};
		p.values = v;
		p.nvalues = 1;
		p.names = names;
		if (mask & 1)
		{
			p.serial_consistency = CQL_CONSISTENCY_SERIAL;
			flags |= 0x10;
		}
		if (mask & 2)
		{
			p.has_timestamp = true;
			p.timestamp = INT64_MIN;
			flags |= 0x20;
		}
		fx_init(&body);
		fx_u8(&body, 2);		/* counter */
		fx_u16(&body, 1);
		fx_u8(&body, 0);
		fx_lstr(&body, st.cql);
		fx_u16(&body, 1);
		fx_bytes(&body, v[0].data, 8);
		fx_u16(&body, 0x0001);
		fx_u8(&body, flags);
		if (flags & 0x10)
			fx_u16(&body, 0x0008);
		if (flags & 0x20)
			fx_i64(&body, INT64_MIN);
		fx_init(&frame);
		fx_frame(&frame, 0x04, 0, 0, 0x0D, body.data, body.len);
		cql__buf_init(&b);
		cql__encode_batch(&b, 0, CQL_BATCH_COUNTER, &st, 1, &p);
		if (b.failed || b.len != frame.len || memcmp(b.data, frame.data, b.len) != 0)
		{
			test_fail(__FILE__, __LINE__, "counter BATCH with mask %d differs:", mask);
			CHECK(!b.failed);
			CHECK_MEM(b.data, b.len, frame.data, frame.len);
		}
		cql__buf_free(&b);
		fx_free(&body);
		fx_free(&frame);
	}
}

TEST(encode_batch_empty_and_invalid)
{
	cql__buf	b;
	cql_query_params p;
	cql_batch_statement st;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ALL;
	cql__buf_init(&b);
	/* no statements: still a well-formed body (the server refuses it) */
	cql__encode_batch(&b, 0, CQL_BATCH_LOGGED, NULL, 0, &p);
	CHECK_FRAME(b, "\x04\x00\x00\x00\x0d\x00\x00\x00\x06" "\x00" "\x00\x00" "\x00\x05" "\x00");
	cql__buf_free(&b);

	/* a batch type the protocol does not have */
	memset(&st, 0, sizeof(st));
	st.cql = "X";
	cql__buf_init(&b);
	cql__encode_batch(&b, 0, 3, &st, 1, &p);
	CHECK(b.failed);
	cql__buf_free(&b);
	cql__buf_init(&b);
	cql__encode_batch(&b, 0, -1, &st, 1, &p);
	CHECK(b.failed);
	cql__buf_free(&b);
	/* a statement with neither text nor id */
	st.cql = NULL;
	cql__buf_init(&b);
	cql__encode_batch(&b, 0, CQL_BATCH_LOGGED, &st, 1, &p);
	CHECK(b.failed);
	cql__buf_free(&b);
	/* too many values for a [short] */
	st.cql = "X";
	st.nvalues = 65536;
	cql__buf_init(&b);
	cql__encode_batch(&b, 0, CQL_BATCH_LOGGED, &st, 1, &p);
	CHECK(b.failed);
	cql__buf_free(&b);
}

/* ---------- REGISTER (4.1.8): a [string list] of event types ---------- */

TEST(encode_register)
{
	static const char *const events[] = {"TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"};
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_register(&b, 0, events, 3);
	CHECK_FRAME(b,
				"\x04\x00\x00\x00\x0b\x00\x00\x00\x31"
				"\x00\x03"
				"\x00\x0f" "TOPOLOGY_CHANGE"
				"\x00\x0d" "STATUS_CHANGE"
				"\x00\x0d" "SCHEMA_CHANGE");
	cql__buf_reset(&b);
	cql__encode_register(&b, 0x0042, events + 2, 1);
	CHECK_FRAME(b,
				"\x04\x00\x00\x42\x0b\x00\x00\x00\x11"
				"\x00\x01" "\x00\x0d" "SCHEMA_CHANGE");
	cql__buf_reset(&b);
	cql__encode_register(&b, 0, NULL, 0);
	CHECK_FRAME(b, "\x04\x00\x00\x00\x0b\x00\x00\x00\x02" "\x00\x00");
	cql__buf_reset(&b);
	cql__encode_register(&b, 0, events, -1);
	CHECK(b.failed);
	cql__buf_free(&b);
}
