/*-------------------------------------------------------------------------
 *
 * gen_corpus.c
 *		  Writes the fuzzers' seed corpora from the unit test fixtures:
 *		  fuzz_frame gets each response fixture as a whole frame (and a
 *		  few streams of several frames); fuzz_value gets valid rows for
 *		  each metadata shape of fuzz_value.c and some scalar values.
 *
 *		  Usage: gen_corpus DIR   (writes DIR/fuzz_frame, DIR/fuzz_value)
 *
 * IDENTIFICATION
 *		  test/unit/fuzz/gen_corpus.c
 *
 *-------------------------------------------------------------------------
 */
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;

static void
write_seed(const char *target, const char *name, const fx *b)
{
	char		path[512];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
	{
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0)
	{
		perror(path);
		exit(1);
	}
}

static void
frame_of(fx *out, const fixture *fxt, int16_t stream)
{
	fx			body;

	fx_init(&body);
	fxt->build(&body);
	fx_frame(out, 0x84, fxt->flags, stream, fxt->opcode, body.data, body.len);
	fx_free(&body);
}

static void
value_seed(const char *name, uint8_t shape, void (*rows) (fx *))
{
	fx			b;

	fx_init(&b);
	fx_u8(&b, shape);
	rows(&b);
	write_seed("fuzz_value", name, &b);
	fx_free(&b);
}

static void
rows0(fx *b)
{
	fx_i32(b, 3);
	fx_cell_i32(b, 1);
	fx_cell_i32(b, INT32_MIN);
	fx_bytes(b, NULL, -1);
}

static void
rows1(fx *b)
{
	fx_i32(b, 2);
	fx_bytes(b, "\x00\x00\x00\x00\x00\x00\x00\x2a", 8);
	fx_bytes(b, "caf\xc3\xa9", 5);
	fx_bytes(b, "\x01", 1);
	fx_bytes(b, "", 0);
	fx_bytes(b, NULL, -1);
	fx_bytes(b, "\x00", 1);
}

static void
rows2(fx *b)
{
	fx_i32(b, 1);
	fx_cell_i32(b, 5);
	fx_bytes(b, "xyz", 3);
}

static void
rows3(fx *b)
{
	fx_i32(b, 1);
	fx_bytes(b, "\x3f\xc0\x00\x00", 4);
	fx_bytes(b, "\x7f\xf8\x00\x00\x00\x00\x00\x00", 8);
	fx_bytes(b, "\x55\x0e\x84\x00\xe2\x9b\x41\xd4\xa7\x16\x44\x66\x55\x44\x00\x00", 16);
	fx_bytes(b, "\x80\x00\x00\x00", 4);
	fx_bytes(b, "\x80\x00", 2);
	fx_bytes(b, "\xff", 1);
	fx_bytes(b, "\x00\x00\x01\x8b\xcf\xe5\x68\x00", 8);
	fx_bytes(b, "", 0);
	fx_bytes(b, NULL, -1);
}

static void
rows4(fx *b)
{
	fx			l;
	fx			m;

	fx_init(&l);
	fx_i32(&l, 2);
	fx_cell_i32(&l, 1);
	fx_cell_i32(&l, 2);
	fx_init(&m);
	fx_i32(&m, 1);
	fx_bytes(&m, "k", 1);
	fx_cell_i32(&m, 9);
	fx_i32(b, 1);
	fx_bytes(b, l.data, (int32_t) l.len);
	fx_bytes(b, m.data, (int32_t) m.len);
	fx_free(&l);
	fx_free(&m);
}

static void
rows5(fx *b)
{
	fx_i32(b, 1);
	fx_bytes(b, "\x3f\x80\x00\x00\x40\x00\x00\x00\x40\x40\x00\x00", 12);
	fx_bytes(b, "\x02\x04\x06", 3);
}

static void
scalar8(fx *b)
{
	fx_raw(b, "\x80\x00\x00\x00\x00\x00\x00\x00", 8);
}

static void
scalar16(fx *b)
{
	fx_raw(b, "\x55\x0e\x84\x00\xe2\x9b\x41\xd4\xa7\x16\x44\x66\x55\x44\x00\x00", 16);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	root = argv[1];

	for (int i = 0; i < nfixtures; i++)
	{
		fx			frame;

		fx_init(&frame);
		frame_of(&frame, &fixtures[i], (int16_t) i);
		write_seed("fuzz_frame", fixtures[i].name, &frame);
		fx_free(&frame);
	}
	/* several frames in one stream, an event among them */
	{
		fx			s;
		fx			ev;

		fx_init(&s);
		frame_of(&s, fixture_find("ready"), 0);
		frame_of(&s, fixture_find("rows_nested"), 1);
		fx_init(&ev);
		fx_str(&ev, "SCHEMA_CHANGE");
		fx_str(&ev, "CREATED");
		fx_str(&ev, "KEYSPACE");
		fx_str(&ev, "ks9");
		fx_frame(&s, 0x84, 0, -1, 0x0C, ev.data, ev.len);
		frame_of(&s, fixture_find("error_unavailable"), 2);
		write_seed("fuzz_frame", "stream_of_four", &s);
		fx_free(&s);
		fx_free(&ev);
	}
	{
		fx			body;
		fx			s;

		fx_init(&body);
		fixture_rows_nested_lists(&body, 8);
		fx_init(&s);
		fx_frame(&s, 0x84, 0, 3, 0x08, body.data, body.len);
		write_seed("fuzz_frame", "rows_nested_lists_8", &s);
		fx_free(&body);
		fx_free(&s);
	}

	value_seed("shape0_int", 0, rows0);
	value_seed("shape1_bigint_text_boolean", 1, rows1);
	value_seed("shape2_no_metadata", 2, rows2);
	value_seed("shape3_fixed_size", 3, rows3);
	value_seed("shape4_list_map", 4, rows4);
	value_seed("shape5_vector_duration", 5, rows5);
	value_seed("scalar_8_bytes", 0, scalar8);
	value_seed("scalar_16_bytes", 3, scalar16);
	return 0;
}
