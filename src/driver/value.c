/*-------------------------------------------------------------------------
 *
 * value.c
 *		  Decoders of CQL scalar values, straight from a page's bytes.
 *
 * A zero-length value of a fixed-size type is legal in Cassandra (it is
 * what an empty blob cast to int stores).  Every decoder reports it as
 * CQL_EMPTY, and cql_fdw reads it as NULL everywhere: one rule.
 *
 * IDENTIFICATION
 *		  src/driver/value.c
 *
 *-------------------------------------------------------------------------
 */
#include "cql.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t
be64(const uint8_t *p)
{
	uint64_t	x = 0;

	for (int i = 0; i < 8; i++)
		x = (x << 8) | p[i];
	return x;
}

static inline uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

#define FIXED(v, size) \
	do { \
		if ((v).len == 0) \
			return CQL_EMPTY; \
		if ((v).len != (size)) \
			return CQL_EPROTO; \
	} while (0)

int
cql_decode_boolean(cql_slice v, bool *out)
{
	FIXED(v, 1);
	*out = v.data[0] != 0;
	return CQL_OK;
}

int
cql_decode_tinyint(cql_slice v, int8_t *out)
{
	FIXED(v, 1);
	*out = (int8_t) v.data[0];
	return CQL_OK;
}

int
cql_decode_smallint(cql_slice v, int16_t *out)
{
	FIXED(v, 2);
	*out = (int16_t) (uint16_t) ((v.data[0] << 8) | v.data[1]);
	return CQL_OK;
}

int
cql_decode_int(cql_slice v, int32_t *out)
{
	FIXED(v, 4);
	*out = (int32_t) be32(v.data);
	return CQL_OK;
}

int
cql_decode_bigint(cql_slice v, int64_t *out)
{
	FIXED(v, 8);
	*out = (int64_t) be64(v.data);
	return CQL_OK;
}

int
cql_decode_float(cql_slice v, float *out)
{
	uint32_t	bits;

	FIXED(v, 4);
	bits = be32(v.data);
	memcpy(out, &bits, sizeof(*out));
	return CQL_OK;
}

int
cql_decode_double(cql_slice v, double *out)
{
	uint64_t	bits;

	FIXED(v, 8);
	bits = be64(v.data);
	memcpy(out, &bits, sizeof(*out));
	return CQL_OK;
}

int
cql_decode_uuid(cql_slice v, uint8_t out[16])
{
	FIXED(v, 16);
	memcpy(out, v.data, 16);
	return CQL_OK;
}

int
cql_decode_date(cql_slice v, uint32_t *out)
{
	FIXED(v, 4);
	*out = be32(v.data);
	return CQL_OK;
}

/*
 * Cassandra's unsigned vint: the number of leading 1 bits of the first byte
 * is the number of bytes that follow; the remaining bits of the first byte
 * are the value's most significant bits.
 */
static int
read_uvint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint8_t		first;
	int			extra = 0;
	uint64_t	v;

	if (*p >= end)
		return CQL_EPROTO;
	first = *(*p)++;
	while (extra < 8 && (first & (0x80 >> extra)))
		extra++;
	if (end - *p < extra)
		return CQL_EPROTO;
	v = extra == 8 ? 0 : (uint64_t) (first & (0xFF >> extra));
	for (int i = 0; i < extra; i++)
		v = (v << 8) | *(*p)++;
	*out = v;
	return CQL_OK;
}

static int64_t
unzigzag(uint64_t v)
{
	return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}

int
cql_decode_duration(cql_slice v, int32_t *months, int32_t *days, int64_t *nanos)
{
	const uint8_t *p = v.data;
	const uint8_t *end = v.data + v.len;
	uint64_t	m,
				d,
				n;
	int64_t		sm,
				sd;

	if (v.len == 0)
		return CQL_EMPTY;
	if (read_uvint(&p, end, &m) != CQL_OK ||
		read_uvint(&p, end, &d) != CQL_OK ||
		read_uvint(&p, end, &n) != CQL_OK ||
		p != end)
		return CQL_EPROTO;
	sm = unzigzag(m);
	sd = unzigzag(d);
	if (sm < INT32_MIN || sm > INT32_MAX || sd < INT32_MIN || sd > INT32_MAX)
		return CQL_EPROTO;
	*months = (int32_t) sm;
	*days = (int32_t) sd;
	*nanos = unzigzag(n);
	return CQL_OK;
}

/*
 * Decimal text of a varint (big-endian two's complement of any length).
 * buf must hold cql_varint_text_size(v) bytes.  Repeated division of the
 * magnitude by 10^9: quadratic in the length, which is fine for the sizes
 * numbers come in.
 */
size_t
cql_varint_text_size(cql_slice v)
{
	/* log10(256) < 2.41; sign and NUL */
	return (size_t) v.len * 241 / 100 + 3;
}

int
cql_varint_to_text(cql_slice v, char *buf, size_t size)
{
	uint8_t		small[64];
	uint8_t    *mag;
	size_t		n = (size_t) v.len;
	bool		neg;
	size_t		start = 0;
	char	   *out;
	size_t		pos = 0;

	if (v.len <= 0)
		return v.len == 0 ? CQL_EMPTY : CQL_EINVAL;
	if (size < cql_varint_text_size(v))
		return CQL_EINVAL;
	mag = n <= sizeof(small) ? small : malloc(n);
	if (mag == NULL)
		return CQL_ENOMEM;
	neg = (v.data[0] & 0x80) != 0;
	memcpy(mag, v.data, n);
	if (neg)
	{
		/* magnitude = two's complement negation */
		int			carry = 1;

		for (size_t i = n; i-- > 0;)
		{
			int			x = (uint8_t) ~mag[i] + carry;

			mag[i] = (uint8_t) x;
			carry = x >> 8;
		}
	}
	/* digits come out least significant first, in groups of nine */
	out = buf + size - 1;
	*out = '\0';
	for (;;)
	{
		uint64_t	rem = 0;
		bool		zero = true;

		while (start < n && mag[start] == 0)
			start++;
		if (start == n)
			break;
		for (size_t i = start; i < n; i++)
		{
			uint64_t	cur = (rem << 8) | mag[i];

			mag[i] = (uint8_t) (cur / 1000000000u);
			rem = cur % 1000000000u;
			if (mag[i])
				zero = false;
		}
		for (int k = 0; k < 9; k++)
		{
			*--out = (char) ('0' + rem % 10);
			rem /= 10;
			pos++;
			if (zero && rem == 0)
				break;
		}
		if (zero)
			break;
	}
	if (mag != small)
		free(mag);
	if (pos == 0)
		*--out = '0';
	if (neg)
		*--out = '-';
	memmove(buf, out, strlen(out) + 1);
	return CQL_OK;
}

int
cql_decode_decimal(cql_slice v, int32_t *scale, cql_slice *unscaled)
{
	if (v.len == 0)
		return CQL_EMPTY;
	if (v.len < 5)
		return CQL_EPROTO;
	*scale = (int32_t) be32(v.data);
	unscaled->data = v.data + 4;
	unscaled->len = v.len - 4;
	return CQL_OK;
}

int
cql_decode_inet(cql_slice v, uint8_t addr[16], int *addrlen)
{
	if (v.len == 0)
		return CQL_EMPTY;
	if (v.len != 4 && v.len != 16)
		return CQL_EPROTO;
	memcpy(addr, v.data, (size_t) v.len);
	*addrlen = v.len;
	return CQL_OK;
}
