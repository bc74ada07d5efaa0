/*-------------------------------------------------------------------------
 *
 * wire.c
 *		  Output buffer, bounds-checked reader and arena of the driver.
 *
 * IDENTIFICATION
 *		  src/driver/wire.c
 *
 *-------------------------------------------------------------------------
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

/* ---------- output buffer ---------- */

void
cql__buf_init(cql__buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void
cql__buf_free(cql__buf *b)
{
	free(b->data);
	cql__buf_init(b);
}

void
cql__buf_reset(cql__buf *b)
{
	b->len = 0;
	b->failed = false;
}

bool
cql__buf_reserve(cql__buf *b, size_t extra)
{
	size_t		need;
	size_t		cap;
	uint8_t    *p;

	if (b->failed)
		return false;
	if (extra > SIZE_MAX - b->len)
	{
		b->failed = true;
		return false;
	}
	need = b->len + extra;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL)
	{
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
cql__buf_put(cql__buf *b, const void *p, size_t n)
{
	if (n == 0 || !cql__buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
cql__buf_u8(cql__buf *b, uint8_t v)
{
	cql__buf_put(b, &v, 1);
}

void
cql__buf_u16(cql__buf *b, uint16_t v)
{
	uint8_t		x[2] = {(uint8_t) (v >> 8), (uint8_t) v};

	cql__buf_put(b, x, 2);
}

void
cql__buf_u32(cql__buf *b, uint32_t v)
{
	uint8_t		x[4] = {(uint8_t) (v >> 24), (uint8_t) (v >> 16),
	(uint8_t) (v >> 8), (uint8_t) v};

	cql__buf_put(b, x, 4);
}

void
cql__buf_u64(cql__buf *b, uint64_t v)
{
	cql__buf_u32(b, (uint32_t) (v >> 32));
	cql__buf_u32(b, (uint32_t) v);
}

void
cql__buf_string_n(cql__buf *b, const char *s, size_t n)
{
	if (n > UINT16_MAX)
	{
		b->failed = true;
		return;
	}
	cql__buf_u16(b, (uint16_t) n);
	cql__buf_put(b, s, n);
}

void
cql__buf_string(cql__buf *b, const char *s)
{
	cql__buf_string_n(b, s, strlen(s));
}

void
cql__buf_long_string(cql__buf *b, const char *s, size_t n)
{
	if (n > INT32_MAX)
	{
		b->failed = true;
		return;
	}
	cql__buf_u32(b, (uint32_t) n);
	cql__buf_put(b, s, n);
}

void
cql__buf_bytes(cql__buf *b, cql_slice v)
{
	cql__buf_u32(b, (uint32_t) v.len);
	if (v.len > 0)
		cql__buf_put(b, v.data, (size_t) v.len);
}

void
cql__buf_short_bytes(cql__buf *b, const uint8_t *p, size_t n)
{
	if (n > UINT16_MAX)
	{
		b->failed = true;
		return;
	}
	cql__buf_u16(b, (uint16_t) n);
	cql__buf_put(b, p, n);
}

void
cql__buf_patch_u32(cql__buf *b, size_t at, uint32_t v)
{
	if (b->failed || at > b->len || b->len - at < 4)
		return;
	b->data[at] = (uint8_t) (v >> 24);
	b->data[at + 1] = (uint8_t) (v >> 16);
	b->data[at + 2] = (uint8_t) (v >> 8);
	b->data[at + 3] = (uint8_t) v;
}

/* ---------- reader ---------- */

int
cql__read_u8(cql__reader *r, uint8_t *v)
{
	if (r->left < 1)
		return CQL_EPROTO;
	*v = r->p[0];
	r->p++;
	r->left--;
	return CQL_OK;
}

int
cql__read_u16(cql__reader *r, uint16_t *v)
{
	if (r->left < 2)
		return CQL_EPROTO;
	*v = (uint16_t) ((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return CQL_OK;
}

int
cql__read_i32(cql__reader *r, int32_t *v)
{
	if (r->left < 4)
		return CQL_EPROTO;
	*v = (int32_t) (((uint32_t) r->p[0] << 24) | ((uint32_t) r->p[1] << 16) |
					((uint32_t) r->p[2] << 8) | (uint32_t) r->p[3]);
	r->p += 4;
	r->left -= 4;
	return CQL_OK;
}

int
cql__read_i64(cql__reader *r, int64_t *v)
{
	uint64_t	x = 0;

	if (r->left < 8)
		return CQL_EPROTO;
	for (int i = 0; i < 8; i++)
		x = (x << 8) | r->p[i];
	*v = (int64_t) x;
	r->p += 8;
	r->left -= 8;
	return CQL_OK;
}

int
cql__read_raw(cql__reader *r, size_t n, const uint8_t **p)
{
	if (r->left < n)
		return CQL_EPROTO;
	*p = r->p;
	r->p += n;
	r->left -= n;
	return CQL_OK;
}

int
cql__read_string(cql__reader *r, const uint8_t **p, uint16_t *n)
{
	int			rc;

	if ((rc = cql__read_u16(r, n)) != CQL_OK)
		return rc;
	return cql__read_raw(r, *n, p);
}

int
cql__read_long_string(cql__reader *r, const uint8_t **p, int32_t *n)
{
	int			rc;

	if ((rc = cql__read_i32(r, n)) != CQL_OK)
		return rc;
	if (*n < 0)
		return CQL_EPROTO;
	return cql__read_raw(r, (size_t) *n, p);
}

int
cql__read_bytes(cql__reader *r, cql_slice *v)
{
	int			rc;

	if ((rc = cql__read_i32(r, &v->len)) != CQL_OK)
		return rc;
	if (v->len < 0)
	{
		/* every negative length means null in a [bytes] */
		v->len = CQL_NULL;
		v->data = NULL;
		return CQL_OK;
	}
	return cql__read_raw(r, (size_t) v->len, &v->data);
}

int
cql__read_value(cql__reader *r, cql_slice *v)
{
	int			rc;

	if ((rc = cql__read_i32(r, &v->len)) != CQL_OK)
		return rc;
	if (v->len == CQL_NULL || v->len == CQL_UNSET)
	{
		v->data = NULL;
		return CQL_OK;
	}
	if (v->len < 0)
		return CQL_EPROTO;
	return cql__read_raw(r, (size_t) v->len, &v->data);
}

int
cql__read_short_bytes(cql__reader *r, cql_slice *v)
{
	uint16_t	n;
	int			rc;

	if ((rc = cql__read_u16(r, &n)) != CQL_OK)
		return rc;
	v->len = n;
	return cql__read_raw(r, n, &v->data);
}

/* ---------- arena ---------- */

struct cql__arena_chunk
{
	cql__arena_chunk *next;
	max_align_t data[];
};

#define ARENA_CHUNK 4096

void
cql__arena_init(cql__arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->size = 0;
}

void
cql__arena_free(cql__arena *a)
{
	cql__arena_chunk *c = a->head;

	while (c)
	{
		cql__arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	cql__arena_init(a);
}

void *
cql__arena_alloc(cql__arena *a, size_t n)
{
	size_t		align = sizeof(max_align_t);
	void	   *p;

	if (n > SIZE_MAX / 2)
		return NULL;			/* no arena serves that; and no overflow below */
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (a->head == NULL || a->size - a->used < n)
	{
		size_t		size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		cql__arena_chunk *c = malloc(sizeof(cql__arena_chunk) + size);

		if (c == NULL)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->size = size;
		a->used = 0;
	}
	p = (char *) a->head->data + a->used;
	a->used += n;
	return p;
}

char *
cql__arena_strndup(cql__arena *a, const uint8_t *p, size_t n)
{
	char	   *s = cql__arena_alloc(a, n + 1);

	if (s == NULL)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}
