/*-------------------------------------------------------------------------
 *
 * decode_bench.c
 *		  How fast a Rows page is decoded, and how often that allocates.
 *
 * Builds in memory the body of a RESULT Rows frame of 5,000 rows x 10
 * columns (int, bigint, text of ~20 bytes, double, uuid, timestamp,
 * boolean, blob of ~32 bytes, list<int> of 4, decimal), then times, best
 * of N runs: cql__response_decode() (metadata, and the walk that checks
 * every cell length), then every row with cql_row_next() and every cell
 * with the value decoders (the list iterated, the decimal turned to text).
 * malloc, calloc and realloc are counted (ld --wrap) inside the timed part.
 *
 * Usage: decode_bench [runs]
 *
 * IDENTIFICATION
 *		  test/bench/decode_bench.c
 *
 *-------------------------------------------------------------------------
 */
#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NROWS	5000
#define NCOLS	10

/* ---------- allocation counting ---------- */

extern void *__real_malloc(size_t n);
extern void *__real_calloc(size_t n, size_t m);
extern void *__real_realloc(void *p, size_t n);

static volatile int counting;
static long nallocs;

void	   *__wrap_malloc(size_t n);
void	   *__wrap_calloc(size_t n, size_t m);
void	   *__wrap_realloc(void *p, size_t n);

void *
__wrap_malloc(size_t n)
{
	if (counting)
		nallocs++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
	if (counting)
		nallocs++;
	return __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (counting)
		nallocs++;
	return __real_realloc(p, n);
}

/* ---------- the page ---------- */

static void
put_str(cql_buf *b, const char *s)
{
	uint8_t		n[2] = {(uint8_t) (strlen(s) >> 8), (uint8_t) strlen(s)};

	cql_encode_blob(b, n, 2);
	cql_encode_blob(b, s, strlen(s));
}

static void
put_u16(cql_buf *b, uint16_t v)
{
	uint8_t		x[2] = {(uint8_t) (v >> 8), (uint8_t) v};

	cql_encode_blob(b, x, 2);
}

/* a [bytes] cell: its length, patched once the value is written */
static size_t
cell_begin(cql_buf *b)
{
	size_t		at = cql_buf_len(b);

	cql_encode_int(b, 0);
	return at;
}

static void
cell_end(cql_buf *b, size_t at)
{
	uint32_t	n = (uint32_t) (cql_buf_len(b) - at - 4);
	uint8_t    *p = (uint8_t *) cql_buf_data(b) + at;

	p[0] = (uint8_t) (n >> 24);
	p[1] = (uint8_t) (n >> 16);
	p[2] = (uint8_t) (n >> 8);
	p[3] = (uint8_t) n;
}

static uint8_t *
build_page(size_t *len)
{
	static const uint16_t ids[NCOLS] = {0x0009, 0x0002, 0x000D, 0x0007, 0x000C,
	0x000B, 0x0004, 0x0003, 0x0020, 0x0006};
	static const char *names[NCOLS] = {"i", "b", "t", "d", "u", "ts", "f",
	"bl", "li", "dec"};
	cql_buf    *b = cql_buf_new();
	cql_type	int_type = {.id = CQL_TYPE_INT};
	const cql_type *subs[1] = {&int_type};
	cql_type	list_type = {.id = CQL_TYPE_LIST, .nsub = 1, .sub = subs};
	uint8_t    *out;

	cql_encode_int(b, CQL_RESULT_ROWS);
	cql_encode_int(b, CQL_RF_GLOBAL_TABLES);
	cql_encode_int(b, NCOLS);
	put_str(b, "bench");
	put_str(b, "t");
	for (int c = 0; c < NCOLS; c++)
	{
		put_str(b, names[c]);
		put_u16(b, ids[c]);
		if (ids[c] == 0x0020)
			put_u16(b, 0x0009);
	}
	cql_encode_int(b, NROWS);
	for (int r = 0; r < NROWS; r++)
	{
		size_t		at;
		char		text[32];
		uint8_t		uuid[16];
		uint8_t		blob[32];
		cql_builder lb;
		char		dec[32];

		at = cell_begin(b);
		cql_encode_int(b, r * 7 - 10000);
		cell_end(b, at);
		at = cell_begin(b);
		cql_encode_bigint(b, (int64_t) r * 1000003 * 1000003);
		cell_end(b, at);
		at = cell_begin(b);
		snprintf(text, sizeof(text), "row %06d text value", r);	/* 20 bytes */
		cql_encode_text(b, text, strlen(text));
		cell_end(b, at);
		at = cell_begin(b);
		cql_encode_double(b, r * 1.25 + 0.001);
		cell_end(b, at);
		for (int i = 0; i < 16; i++)
			uuid[i] = (uint8_t) (r * 31 + i);
		uuid[6] = 0x41;
		at = cell_begin(b);
		cql_encode_uuid(b, uuid);
		cell_end(b, at);
		at = cell_begin(b);
		cql_encode_timestamp(b, 1700000000000LL + r * 1000LL);
		cell_end(b, at);
		at = cell_begin(b);
		cql_encode_boolean(b, r % 2);
		cell_end(b, at);
		for (int i = 0; i < 32; i++)
			blob[i] = (uint8_t) (r + i);
		at = cell_begin(b);
		cql_encode_blob(b, blob, sizeof(blob));
		cell_end(b, at);
		at = cell_begin(b);
		cql_builder_begin(&lb, b, &list_type);
		for (int i = 0; i < 4; i++)
		{
			cql_builder_elem_begin(&lb);
			cql_encode_int(b, r + i);
			cql_builder_elem_end(&lb);
		}
		cql_builder_end(&lb);
		cell_end(b, at);
		at = cell_begin(b);
		snprintf(dec, sizeof(dec), "%d.%04d", r * 13, r % 10000);
		cql_encode_decimal_text(b, dec, strlen(dec));
		cell_end(b, at);
	}
	if (cql_buf_failed(b))
	{
		fprintf(stderr, "decode_bench: out of memory building the page\n");
		exit(1);
	}
	*len = cql_buf_len(b);
	out = malloc(*len);
	memcpy(out, cql_buf_data(b), *len);
	cql_buf_free(b);
	return out;
}

/* ---------- the timed part ---------- */

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uint64_t sink;

/* decode every cell by its column type; returns cells decoded */
static long
decode_rows(cql_response *resp)
{
	cql_row_cursor cur;
	cql_slice	cells[NCOLS];
	uint64_t	acc = 0;
	long		ncells = 0;

	cql_result_rows(resp, &cur);
	while (cql_row_next(&cur, cells) == 1)
	{
		for (int c = 0; c < NCOLS; c++)
		{
			const cql_type *t = resp->columns[c].type;
			cql_slice	v = cells[c];

			ncells++;
			if (v.len < 0)
				continue;
			switch (t->id)
			{
				case CQL_TYPE_INT:
					{
						int32_t		x;

						if (cql_decode_int(v, &x) == CQL_OK)
							acc += (uint64_t) x;
						break;
					}
				case CQL_TYPE_BIGINT:
				case CQL_TYPE_TIMESTAMP:
					{
						int64_t		x;

						if (cql_decode_bigint(v, &x) == CQL_OK)
							acc += (uint64_t) x;
						break;
					}
				case CQL_TYPE_DOUBLE:
					{
						double		x;

						if (cql_decode_double(v, &x) == CQL_OK)
							acc += (uint64_t) x;
						break;
					}
				case CQL_TYPE_BOOLEAN:
					{
						bool		x;

						if (cql_decode_boolean(v, &x) == CQL_OK)
							acc += x;
						break;
					}
				case CQL_TYPE_UUID:
					{
						uint8_t		u[16];

						if (cql_decode_uuid(v, u) == CQL_OK)
							acc += u[15];
						break;
					}
				case CQL_TYPE_VARCHAR:
				case CQL_TYPE_BLOB:
					acc += (uint64_t) v.len + v.data[0];
					break;
				case CQL_TYPE_LIST:
					{
						cql_iter	it;
						cql_slice	e;
						int32_t		x;

						if (cql_iter_begin(v, t, &it) != CQL_OK)
							break;
						while (cql_iter_next(&it, &e) == 1)
							if (cql_decode_int(e, &x) == CQL_OK)
								acc += (uint64_t) x;
						break;
					}
				case CQL_TYPE_DECIMAL:
					{
						char		txt[64];

						if (cql_decimal_text_size(v) <= sizeof(txt) &&
							cql_decimal_to_text(v, txt, sizeof(txt)) == CQL_OK)
							acc += (uint64_t) txt[0];
						break;
					}
			}
		}
	}
	sink += acc;
	return ncells;
}

int
main(int argc, char **argv)
{
	int			runs = argc > 1 ? atoi(argv[1]) : 20;
	size_t		len;
	uint8_t    *page = build_page(&len);
	double		best_total = 1e30,
				best_decode = 1e30;
	long		allocs_decode = 0,
				allocs_total = 0;
	long		ncells = 0;

	if (runs < 1)
		runs = 1;
	for (int run = 0; run < runs; run++)
	{
		cql_frame_header h = {CQL_VERSION_RESPONSE, 0, 0, CQL_OP_RESULT, (uint32_t) len};
		cql_response resp;
		cql_error	err;
		uint8_t    *body = malloc(len);
		double		t0,
					t1,
					t2;
		long		a1;

		/* what the framer hands over: a malloc'd body */
		memcpy(body, page, len);
		cql_error_clear(&err);

		nallocs = 0;
		counting = 1;
		t0 = now_ns();
		if (cql__response_decode(&resp, &h, body, &err) != CQL_OK)
		{
			counting = 0;
			fprintf(stderr, "decode_bench: decode failed: %s\n", err.message);
			return 1;
		}
		t1 = now_ns();
		a1 = nallocs;
		ncells = decode_rows(&resp);
		t2 = now_ns();
		counting = 0;

		if (resp.nrows != NROWS || ncells != (long) NROWS * NCOLS)
		{
			fprintf(stderr, "decode_bench: %d rows, %ld cells\n", (int) resp.nrows, ncells);
			return 1;
		}
		if (t2 - t0 < best_total)
			best_total = t2 - t0;
		if (t1 - t0 < best_decode)
			best_decode = t1 - t0;
		allocs_decode = a1;
		allocs_total = nallocs;
		cql__response_free(&resp);
	}
	printf("decode_bench: %d rows x %d columns, %zu-byte body, best of %d runs (-O2)\n",
		   NROWS, NCOLS, len, runs);
	printf("  response decode (metadata, cell-length walk): %9.0f ns  %7.1f ns/row\n",
		   best_decode, best_decode / NROWS);
	printf("  decode + every row + every cell:              %9.0f ns  %7.1f ns/row  %6.1f ns/cell\n",
		   best_total, best_total / NROWS, best_total / ((double) NROWS * NCOLS));
	printf("  allocations: %ld in the response decode, %ld in all (%.4f per row)\n",
		   allocs_decode, allocs_total, (double) allocs_total / NROWS);
	free(page);
	return 0;
}
