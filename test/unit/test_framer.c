/*-------------------------------------------------------------------------
 *
 * test_framer.c
 *		  frame.c: header decoding and the framer (cql__framer_*), fed
 *		  whole frames, byte by byte, split at every point, several frames
 *		  at once, bad headers, and the direct-read path.
 *
 * Every piece fed is its own exactly sized malloc'd block.
 *
 * IDENTIFICATION
 *		  test/unit/test_framer.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "frame.h"

#include <stdlib.h>

/* a response frame (version 0x84) around a fixture body */
static void
response_frame(fx *out, const char *fixture_name, int16_t stream)
{
	const fixture *f = fixture_find(fixture_name);
	fx			body;

	fx_init(&body);
	f->build(&body);
	fx_init(out);
	fx_frame(out, 0x84, f->flags, stream, f->opcode, body.data, body.len);
	fx_free(&body);
}

/* feed a copy of p[0..n) */
static int
feed(cql__framer *f, const uint8_t *p, size_t n, size_t *used)
{
	uint8_t    *copy = fx_dup(p, n);
	int			rc = cql__framer_feed(f, copy, n, used);

	free(copy);
	return rc;
}

/* take the complete frame and compare it with the one fed */
static void
check_taken(cql__framer *f, const fx *frame, const char *what)
{
	cql_frame_header h;
	uint8_t    *body = NULL;
	uint32_t	len = ((uint32_t) frame->data[5] << 24) | ((uint32_t) frame->data[6] << 16) |
		((uint32_t) frame->data[7] << 8) | frame->data[8];

	cql__framer_take(f, &h, &body);
	if (h.version != frame->data[0] || h.flags != frame->data[1] ||
		h.stream != (int16_t) ((frame->data[2] << 8) | frame->data[3]) ||
		h.opcode != frame->data[4] || h.length != len)
		test_fail(__FILE__, __LINE__, "%s: header %02x %02x %d %02x %u differs",
				  what, h.version, h.flags, h.stream, h.opcode, h.length);
	CHECK(body != NULL);
	if (body)
		CHECK_MEM(body, h.length, frame->data + 9, len);
	free(body);
}

TEST(header_decode)
{
	cql_frame_header h;
	uint8_t    *p = fx_dup("\x84\x0e\xff\xff\x0c\x00\x00\x01\x10", 9);

	CHECK_INT(cql__header_decode(p, 9, 1 << 20, &h), CQL_OK);
	CHECK_UINT(h.version, 0x84);
	CHECK_UINT(h.flags, 0x0e);
	CHECK_INT(h.stream, -1);
	CHECK_UINT(h.opcode, 0x0c);
	CHECK_UINT(h.length, 0x110);
	/* fewer than 9 bytes: wait for more */
	for (size_t n = 0; n < 9; n++)
		CHECK_INT(cql__header_decode(p, n, 1 << 20, &h), CQL_EAGAIN);
	/* the limit is inclusive */
	CHECK_INT(cql__header_decode(p, 9, 0x110, &h), CQL_OK);
	CHECK_INT(cql__header_decode(p, 9, 0x10f, &h), CQL_ETOOBIG);
	free(p);

	p = fx_dup("\x84\x00\x7f\xff\x08\xff\xff\xff\xff", 9);
	CHECK_INT(cql__header_decode(p, 9, SIZE_MAX, &h), CQL_OK);
	CHECK_INT(h.stream, 32767);
	CHECK_UINT(h.length, 0xFFFFFFFFu);
	CHECK_INT(cql__header_decode(p, 9, CQL_MAX_FRAME_BODY, &h), CQL_ETOOBIG);
	free(p);
}

TEST(header_decode_wrong_version)
{
	static const uint8_t versions[] = {0x04, 0x03, 0x83, 0x85, 0x05, 0x00, 0xff, 0x44};
	cql_frame_header h;

	for (size_t i = 0; i < sizeof(versions); i++)
	{
		uint8_t    *p = fx_dup("\x84\x00\x00\x00\x02\x00\x00\x00\x00", 9);

		p[0] = versions[i];
		if (cql__header_decode(p, 9, 1024, &h) != CQL_EPROTO)
			test_fail(__FILE__, __LINE__, "version byte 0x%02x was not rejected", versions[i]);
		free(p);
	}
}

TEST(framer_one_piece)
{
	cql__framer f;
	fx			frame;
	size_t		used = 12345;

	response_frame(&frame, "rows_global", 5);
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	CHECK_INT(feed(&f, frame.data, frame.len, &used), CQL_OK);
	CHECK_UINT(used, frame.len);
	check_taken(&f, &frame, "one piece");
	/* ready for the next frame */
	CHECK_INT(feed(&f, frame.data, frame.len, &used), CQL_OK);
	check_taken(&f, &frame, "again");
	cql__framer_reset(&f);
	fx_free(&frame);
}

TEST(framer_byte_by_byte)
{
	cql__framer f;
	fx			frame;

	response_frame(&frame, "rows_nested", 300);
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	for (size_t i = 0; i < frame.len; i++)
	{
		size_t		used = 0;
		int			rc = feed(&f, frame.data + i, 1, &used);

		if (i + 1 < frame.len && rc != CQL_EAGAIN)
		{
			test_fail(__FILE__, __LINE__, "byte %zu of %zu: rc %d, expected CQL_EAGAIN", i, frame.len, rc);
			break;
		}
		if (i + 1 == frame.len)
			CHECK_INT(rc, CQL_OK);
		CHECK_UINT(used, 1);
	}
	check_taken(&f, &frame, "byte by byte");
	cql__framer_reset(&f);
	fx_free(&frame);
}

TEST(framer_every_split)
{
	fx			frame;

	response_frame(&frame, "rows_global", 1);
	for (size_t k = 0; k <= frame.len; k++)
	{
		cql__framer f;
		size_t		used = 0;
		int			rc;

		cql__framer_init(&f, CQL_MAX_FRAME_BODY);
		rc = feed(&f, frame.data, k, &used);
		if (k < frame.len)
		{
			if (rc != CQL_EAGAIN || used != k)
				test_fail(__FILE__, __LINE__, "split at %zu: first rc %d used %zu", k, rc, used);
			rc = feed(&f, frame.data + k, frame.len - k, &used);
			if (rc != CQL_OK || used != frame.len - k)
				test_fail(__FILE__, __LINE__, "split at %zu: second rc %d used %zu", k, rc, used);
		}
		else
			CHECK_INT(rc, CQL_OK);
		if (rc == CQL_OK)
			check_taken(&f, &frame, "split");
		cql__framer_reset(&f);
	}
	/* three pieces: every pair of split points inside the header and just after */
	for (size_t a = 0; a <= 12; a++)
		for (size_t b = a; b <= 14; b++)
		{
			cql__framer f;
			size_t		used;
			int			rc;

			cql__framer_init(&f, CQL_MAX_FRAME_BODY);
			rc = feed(&f, frame.data, a, &used);
			rc = feed(&f, frame.data + a, b - a, &used);
			rc = feed(&f, frame.data + b, frame.len - b, &used);
			if (rc != CQL_OK)
				test_fail(__FILE__, __LINE__, "splits at %zu, %zu: rc %d", a, b, rc);
			else
				check_taken(&f, &frame, "three pieces");
			cql__framer_reset(&f);
		}
	fx_free(&frame);
}

TEST(framer_two_frames_one_buffer)
{
	fx			ready;
	fx			rows;
	fx			both;
	cql__framer f;
	size_t		used;
	uint8_t    *copy;

	response_frame(&ready, "ready", 7);
	response_frame(&rows, "rows_paging", 8);
	fx_init(&both);
	fx_raw(&both, rows.data, rows.len);
	fx_raw(&both, ready.data, ready.len);
	fx_raw(&both, rows.data, rows.len);

	copy = fx_dup(both.data, both.len);
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	CHECK_INT(cql__framer_feed(&f, copy, both.len, &used), CQL_OK);
	CHECK_UINT(used, rows.len);
	/* not taken yet: feeding more consumes nothing */
	{
		size_t		used2 = 99;

		CHECK_INT(cql__framer_feed(&f, copy + used, both.len - used, &used2), CQL_OK);
		CHECK_UINT(used2, 0);
	}
	check_taken(&f, &rows, "first");
	{
		size_t		off = used;

		CHECK_INT(cql__framer_feed(&f, copy + off, both.len - off, &used), CQL_OK);
		CHECK_UINT(used, ready.len);
		check_taken(&f, &ready, "second (empty body)");
		off += used;
		CHECK_INT(cql__framer_feed(&f, copy + off, both.len - off, &used), CQL_OK);
		CHECK_UINT(used, rows.len);
		check_taken(&f, &rows, "third");
	}
	free(copy);
	cql__framer_reset(&f);
	fx_free(&ready);
	fx_free(&rows);
	fx_free(&both);
}

TEST(framer_zero_length_body)
{
	cql__framer f;
	fx			ready;
	size_t		used;

	response_frame(&ready, "ready", 0);
	CHECK_UINT(ready.len, 9);
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	/* complete as soon as the header is */
	CHECK_INT(feed(&f, ready.data, 4, &used), CQL_EAGAIN);
	CHECK_INT(feed(&f, ready.data + 4, 5, &used), CQL_OK);
	CHECK_UINT(used, 5);
	check_taken(&f, &ready, "empty body");
	/* twice in a row in one buffer */
	{
		fx			two;
		uint8_t    *copy;

		fx_init(&two);
		fx_raw(&two, ready.data, 9);
		fx_raw(&two, ready.data, 9);
		copy = fx_dup(two.data, two.len);
		CHECK_INT(cql__framer_feed(&f, copy, 18, &used), CQL_OK);
		CHECK_UINT(used, 9);
		check_taken(&f, &ready, "empty 1");
		CHECK_INT(cql__framer_feed(&f, copy + 9, 9, &used), CQL_OK);
		CHECK_UINT(used, 9);
		check_taken(&f, &ready, "empty 2");
		free(copy);
		fx_free(&two);
	}
	cql__framer_reset(&f);
	fx_free(&ready);
}

TEST(framer_wrong_version)
{
	cql__framer f;
	size_t		used;

	/* a request frame coming back */
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	CHECK_INT(feed(&f, (const uint8_t *) "\x04\x00\x00\x01\x02\x00\x00\x00\x00", 9, &used), CQL_EPROTO);
	CHECK_UINT(used, 9);
	cql__framer_reset(&f);
	/* a v3 response, split inside the header */
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	CHECK_INT(feed(&f, (const uint8_t *) "\x83\x00\x00", 3, &used), CQL_EAGAIN);
	CHECK_INT(feed(&f, (const uint8_t *) "\x01\x08\x00\x00\x00\x04" "abcd", 10, &used), CQL_EPROTO);
	CHECK_UINT(used, 6);
	cql__framer_reset(&f);
}

TEST(framer_too_big)
{
	cql__framer f;
	size_t		used;

	cql__framer_init(&f, 100);
	CHECK_INT(feed(&f, (const uint8_t *) "\x84\x00\x00\x01\x08\x00\x00\x00\x65", 9, &used), CQL_ETOOBIG);
	CHECK_UINT(used, 9);
	CHECK_UINT(f.cur.length, 101);
	cql__framer_reset(&f);

	/* exactly the limit is accepted */
	{
		fx			frame;
		uint8_t		body[100];

		memset(body, 0x11, sizeof(body));
		fx_init(&frame);
		fx_frame(&frame, 0x84, 0, 1, 0x08, body, sizeof(body));
		cql__framer_init(&f, 100);
		CHECK_INT(feed(&f, frame.data, frame.len, &used), CQL_OK);
		check_taken(&f, &frame, "at the limit");
		cql__framer_reset(&f);
		fx_free(&frame);
	}

	/* the protocol's 256 MB limit: refused before any allocation */
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	CHECK_INT(feed(&f, (const uint8_t *) "\x84\x00\x00\x01\x08\x10\x00\x00\x01", 9, &used), CQL_ETOOBIG);
	CHECK(f.body == NULL);
	cql__framer_reset(&f);
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);
	CHECK_INT(feed(&f, (const uint8_t *) "\x84\x00\x00\x01\x08\xff\xff\xff\xff", 9, &used), CQL_ETOOBIG);
	cql__framer_reset(&f);
}

TEST(framer_direct_read)
{
	cql__framer f;
	fx			frame;
	uint8_t		body[100];
	uint8_t    *p;
	size_t		n;
	size_t		used;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t) (i * 3);
	fx_init(&frame);
	fx_frame(&frame, 0x84, 0, 9, 0x08, body, sizeof(body));
	cql__framer_init(&f, CQL_MAX_FRAME_BODY);

	/* no frame yet, or only part of a header: nothing to read into */
	CHECK(!cql__framer_direct(&f, 0, &p, &n));
	CHECK_INT(feed(&f, frame.data, 5, &used), CQL_EAGAIN);
	CHECK(!cql__framer_direct(&f, 0, &p, &n));

	/* header and 10 body bytes: 90 missing */
	CHECK_INT(feed(&f, frame.data + 5, 14, &used), CQL_EAGAIN);
	CHECK(!cql__framer_direct(&f, 91, &p, &n));
	REQUIRE(cql__framer_direct(&f, 90, &p, &n));
	CHECK_UINT(n, 90);
	/* read part of it in place */
	memcpy(p, body + 10, 40);
	CHECK(!cql__framer_direct_done(&f, 40));
	REQUIRE(cql__framer_direct(&f, 1, &p, &n));
	CHECK_UINT(n, 50);
	memcpy(p, body + 50, 50);
	CHECK(cql__framer_direct_done(&f, 50));
	/* complete: no more direct reads */
	CHECK(!cql__framer_direct(&f, 0, &p, &n));
	check_taken(&f, &frame, "direct");

	/* direct read straight after the header, then a normal frame */
	CHECK_INT(feed(&f, frame.data, 9, &used), CQL_EAGAIN);
	REQUIRE(cql__framer_direct(&f, 100, &p, &n));
	CHECK_UINT(n, 100);
	memcpy(p, body, 100);
	CHECK(cql__framer_direct_done(&f, 100));
	check_taken(&f, &frame, "direct whole body");
	CHECK_INT(feed(&f, frame.data, frame.len, &used), CQL_OK);
	check_taken(&f, &frame, "after direct");
	cql__framer_reset(&f);
	fx_free(&frame);
}

/* reset frees a partial body (the leak checkers see it) and starts over */
TEST(framer_reset_partial)
{
	cql__framer f;
	fx			frame;
	size_t		used;

	response_frame(&frame, "rows_global", 3);
	cql__framer_init(&f, 4096);
	CHECK_INT(feed(&f, frame.data, 20, &used), CQL_EAGAIN);
	cql__framer_reset(&f);
	CHECK_UINT(f.max_body, 4096);
	CHECK(f.body == NULL);
	CHECK_INT(feed(&f, frame.data, frame.len, &used), CQL_OK);
	check_taken(&f, &frame, "after reset");
	cql__framer_reset(&f);
	fx_free(&frame);
}
