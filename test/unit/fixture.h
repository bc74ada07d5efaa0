/*-------------------------------------------------------------------------
 *
 * fixture.h
 *		  Hand-built protocol bytes for the driver's unit tests and the
 *		  fuzzers' seed corpora.
 *
 * fx is a byte builder of the test's own, written from the notations of
 * native_protocol_v4.spec section 3 ([short], [int], [string], [bytes] ...).
 * It shares no code with the driver, so the expected bytes never come from
 * the code under test.
 *
 * IDENTIFICATION
 *		  test/unit/fixture.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UNIT_FIXTURE_H
#define UNIT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fx
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} fx;

extern void fx_init(fx *b);
extern void fx_free(fx *b);
extern void fx_raw(fx *b, const void *p, size_t n);
extern void fx_u8(fx *b, uint8_t v);		/* [byte] */
extern void fx_u16(fx *b, uint16_t v);		/* [short] */
extern void fx_i32(fx *b, int32_t v);		/* [int] */
extern void fx_i64(fx *b, int64_t v);		/* [long] */
extern void fx_f32(fx *b, uint32_t bits);
extern void fx_str(fx *b, const char *s);	/* [string] */
extern void fx_lstr(fx *b, const char *s);	/* [long string] */
extern void fx_bytes(fx *b, const void *p, int32_t n);	/* [bytes]: n < 0 writes only n */
extern void fx_sbytes(fx *b, const void *p, uint16_t n);	/* [short bytes] */
extern void fx_strlist(fx *b, int n,...);	/* [string list] of n const char * */
extern void fx_cell_i32(fx *b, int32_t v);	/* [bytes] holding an int */

/* An exactly sized malloc'd copy (malloc(0) for n == 0), so that ASan and
 * valgrind catch a read one byte past the end. */
extern uint8_t *fx_dup(const void *p, size_t n);

/* A whole frame: 9-byte header then body. */
extern void fx_frame(fx *out, uint8_t version, uint8_t flags, int16_t stream,
					 uint8_t opcode, const void *body, size_t n);

/* ---------- response fixtures ---------- */

typedef struct fixture
{
	const char *name;
	uint8_t		opcode;
	uint8_t		flags;
	void		(*build) (fx *body);
	bool		decodes;		/* the driver must accept the whole body */
	bool		every_byte;		/* every byte is needed: each truncation must fail */
} fixture;

extern const fixture fixtures[];
extern const int nfixtures;
extern const fixture *fixture_find(const char *name);

/* the native type ids of 4.2.5.2, in rows_all_types' column order */
extern const uint16_t fixture_simple_ids[];
extern const int fixture_nsimple;

/* a body of nested list<...<int>...> types, depth lists deep, 0 rows */
extern void fixture_rows_nested_lists(fx *body, int depth);

#endif							/* UNIT_FIXTURE_H */
