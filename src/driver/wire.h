/*-------------------------------------------------------------------------
 *
 * wire.h
 *		  Byte-level primitives of the native protocol: a growable output
 *		  buffer, a bounds-checked reader, and a chunk arena.
 *
 * Internal to the driver.  Readers never read past their end: every read
 * checks the remaining length first and returns CQL_EPROTO instead.
 *
 * IDENTIFICATION
 *		  src/driver/wire.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_WIRE_H
#define CQL_WIRE_H

#include "cql.h"

/* ---------- output buffer ---------- */

typedef struct cql__buf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	bool		failed;			/* an allocation failed; contents are garbage */
} cql__buf;

extern void cql__buf_init(cql__buf *b);
extern void cql__buf_free(cql__buf *b);
extern void cql__buf_reset(cql__buf *b);
extern bool cql__buf_reserve(cql__buf *b, size_t extra);
extern void cql__buf_put(cql__buf *b, const void *p, size_t n);
extern void cql__buf_u8(cql__buf *b, uint8_t v);
extern void cql__buf_u16(cql__buf *b, uint16_t v);
extern void cql__buf_u32(cql__buf *b, uint32_t v);
extern void cql__buf_u64(cql__buf *b, uint64_t v);
extern void cql__buf_string(cql__buf *b, const char *s);	/* [string] */
extern void cql__buf_string_n(cql__buf *b, const char *s, size_t n);
extern void cql__buf_long_string(cql__buf *b, const char *s, size_t n);
extern void cql__buf_bytes(cql__buf *b, cql_slice v);	/* [bytes] / [value] */
extern void cql__buf_short_bytes(cql__buf *b, const uint8_t *p, size_t n);
extern void cql__buf_patch_u32(cql__buf *b, size_t at, uint32_t v);

/* ---------- reader ---------- */

typedef struct cql__reader
{
	const uint8_t *p;
	size_t		left;
} cql__reader;

static inline void
cql__reader_init(cql__reader *r, const uint8_t *p, size_t n)
{
	r->p = p;
	r->left = n;
}

extern int	cql__read_u8(cql__reader *r, uint8_t *v);
extern int	cql__read_u16(cql__reader *r, uint16_t *v);
extern int	cql__read_i32(cql__reader *r, int32_t *v);
extern int	cql__read_i64(cql__reader *r, int64_t *v);
extern int	cql__read_raw(cql__reader *r, size_t n, const uint8_t **p);
/* [string]: n bytes, not NUL-terminated */
extern int	cql__read_string(cql__reader *r, const uint8_t **p, uint16_t *n);
extern int	cql__read_long_string(cql__reader *r, const uint8_t **p, int32_t *n);
/* [bytes]: len < 0 is null; [value] also allows -2 (unset) */
extern int	cql__read_bytes(cql__reader *r, cql_slice *v);
extern int	cql__read_value(cql__reader *r, cql_slice *v);
extern int	cql__read_short_bytes(cql__reader *r, cql_slice *v);

/* ---------- arena ---------- */

typedef struct cql__arena_chunk cql__arena_chunk;
typedef struct cql__arena
{
	cql__arena_chunk *head;
	size_t		used;			/* in head */
	size_t		size;			/* of head's data */
} cql__arena;

extern void cql__arena_init(cql__arena *a);
extern void cql__arena_free(cql__arena *a);
extern void *cql__arena_alloc(cql__arena *a, size_t n);
/* a NUL-terminated copy of n bytes */
extern char *cql__arena_strndup(cql__arena *a, const uint8_t *p, size_t n);

#endif							/* CQL_WIRE_H */
