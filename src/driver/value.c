/*-------------------------------------------------------------------------
 *
 * value.c
 *		  Decoders of CQL values, straight from a page's bytes: scalars,
 *		  iterators over collections, tuples, UDTs and vectors, and a
 *		  validator of whole values.  Nothing here allocates (but the text
 *		  of a varint over 256 bytes long).
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
	const uint8_t *end = v.data + (v.len > 0 ? v.len : 0);
	uint64_t	m,
				d,
				n;
	int64_t		sm,
				sd;

	if (v.len == 0)
		return CQL_EMPTY;
	if (v.len < 0)
		return CQL_EPROTO;
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
	uint8_t		small[256];
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

int
cql_decode_varint_int64(cql_slice v, int64_t *out)
{
	uint64_t	x;
	int			skip;

	if (v.len == 0)
		return CQL_EMPTY;
	if (v.len < 0)
		return CQL_EPROTO;
	/* bytes before the last eight must only extend the sign */
	skip = v.len > 8 ? v.len - 8 : 0;
	for (int i = 0; i < skip; i++)
	{
		uint8_t		ext = (v.data[skip] & 0x80) ? 0xFF : 0x00;

		if (v.data[i] != ext)
			return CQL_ERANGE;
	}
	x = (v.data[skip] & 0x80) ? UINT64_MAX : 0;
	for (int i = skip; i < v.len; i++)
		x = (x << 8) | v.data[i];
	*out = (int64_t) x;
	return CQL_OK;
}

/* ---------- decimal text ---------- */

size_t
cql_decimal_text_size(cql_slice v)
{
	cql_slice	u = {v.data, v.len > 4 ? v.len - 4 : 1};

	/* digits, sign and NUL; then ".", "0.00000" or "E-2147483648" */
	return cql_varint_text_size(u) + 24;
}

int
cql_decimal_to_text(cql_slice v, char *buf, size_t size)
{
	int32_t		scale;
	cql_slice	unscaled;
	int			rc;
	char	   *digits;
	size_t		ndigits;
	int64_t		adjusted;
	bool		neg;

	if ((rc = cql_decode_decimal(v, &scale, &unscaled)) != CQL_OK)
		return rc;
	if (size < cql_decimal_text_size(v))
		return CQL_EINVAL;
	if ((rc = cql_varint_to_text(unscaled, buf, size)) != CQL_OK)
		return rc;
	neg = buf[0] == '-';
	digits = buf + (neg ? 1 : 0);
	ndigits = strlen(digits);
	if (scale == 0)
		return CQL_OK;
	adjusted = -(int64_t) scale + (int64_t) ndigits - 1;
	if (scale > 0 && adjusted >= -6)
	{
		/* plain notation */
		if (ndigits > (size_t) scale)
		{
			size_t		point = ndigits - (size_t) scale;

			memmove(digits + point + 1, digits + point, (size_t) scale + 1);
			digits[point] = '.';
		}
		else
		{
			size_t		zeros = (size_t) scale - ndigits;

			memmove(digits + 2 + zeros, digits, ndigits + 1);
			digits[0] = '0';
			digits[1] = '.';
			memset(digits + 2, '0', zeros);
		}
		return CQL_OK;
	}
	/* scientific notation: d[.ddd]E[+-]n */
	if (ndigits > 1)
	{
		memmove(digits + 2, digits + 1, ndigits);	/* with the NUL */
		digits[1] = '.';
		ndigits++;
	}
	{
		char	   *e = digits + ndigits;
		int64_t		a = adjusted < 0 ? -adjusted : adjusted;
		char		tmp[24];
		int			k = 0;

		*e++ = 'E';
		*e++ = adjusted < 0 ? '-' : '+';
		do
		{
			tmp[k++] = (char) ('0' + a % 10);
			a /= 10;
		} while (a > 0);
		while (k > 0)
			*e++ = tmp[--k];
		*e = '\0';
	}
	return CQL_OK;
}

/* ---------- containers ---------- */

static inline int32_t
read_len(const uint8_t *p)
{
	return (int32_t) be32(p);
}

/* -1: variable; -2: not a type (too deep, a vector without dimension) */
static int64_t
fixed_size(const cql_type *t, int depth)
{
	int64_t		s;

	if (t == NULL || depth > CQL_MAX_VALUE_DEPTH)
		return -2;
	switch (t->id)
	{
		case CQL_TYPE_BOOLEAN:
			return 1;
		case CQL_TYPE_INT:
		case CQL_TYPE_FLOAT:
			return 4;
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
		case CQL_TYPE_DOUBLE:
		case CQL_TYPE_TIMESTAMP:
			return 8;
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			return 16;
		case CQL_TYPE_VECTOR:
			if (t->nsub < 1 || t->sub == NULL || t->dimension <= 0)
				return -2;
			s = fixed_size(t->sub[0], depth + 1);
			if (s < 0)
				return s;
			s *= t->dimension;
			/* no value can be that long: any length check fails */
			return s > (int64_t) INT32_MAX + 1 ? (int64_t) INT32_MAX + 1 : s;
		default:
			return -1;
	}
}

int
cql_type_fixed_size(const cql_type *t)
{
	int64_t		s = fixed_size(t, 0);

	if (s < 0)
		return -1;
	return s > INT32_MAX ? INT32_MAX : (int) s;
}

int
cql_iter_begin(cql_slice v, const cql_type *t, cql_iter *it)
{
	size_t		left;
	int32_t		n;

	memset(it, 0, sizeof(*it));
	it->type = t;
	it->elem_size = -1;
	if (t == NULL || v.len < 0 || (v.len > 0 && v.data == NULL))
		return CQL_EINVAL;
	it->pos = v.data;
	it->end = v.data + v.len;
	left = (size_t) v.len;

	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_MAP:
			{
				size_t		per = t->id == CQL_TYPE_MAP ? 8 : 4;

				if (t->nsub != (t->id == CQL_TYPE_MAP ? 2 : 1) || t->sub == NULL)
					return CQL_EINVAL;
				if (left == 0)
					return CQL_EMPTY;
				if (left < 4)
					return CQL_EPROTO;
				n = read_len(it->pos);
				it->pos += 4;
				left -= 4;
				/* each element needs its 4-byte length at least */
				if (n < 0 || (size_t) n > left / per)
					return CQL_EPROTO;
				it->count = t->id == CQL_TYPE_MAP ? 2 * n : n;
				return CQL_OK;
			}
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			if (t->nsub < 0 || (t->nsub > 0 && t->sub == NULL))
				return CQL_EINVAL;
			it->count = t->nsub;
			return left == 0 ? CQL_EMPTY : CQL_OK;
		case CQL_TYPE_VECTOR:
			{
				int64_t		es = fixed_size(t, 0);

				if (es < -1)
					return CQL_EINVAL;
				it->count = t->dimension;
				if (left == 0)
				{
					it->count = 0;
					return CQL_EMPTY;
				}
				if (es >= 0)
				{
					/* es is dimension * element size */
					if ((int64_t) left != es)
						return CQL_EPROTO;
					it->elem_size = (int32_t) (es / t->dimension);
				}
				else if ((size_t) t->dimension > left)
					return CQL_EPROTO;	/* each needs a length byte */
				return CQL_OK;
			}
		default:
			return CQL_EINVAL;
	}
}

int
cql_iter_next(cql_iter *it, cql_slice *elem)
{
	const cql_type *t = it->type;
	size_t		left = (size_t) (it->end - it->pos);

	if (it->index >= it->count)
	{
		/* everything read: nothing may follow */
		if (left != 0)
			return CQL_EPROTO;
		return 0;
	}
	if (t->id == CQL_TYPE_VECTOR)
	{
		if (it->elem_size >= 0)
		{
			/* the length of the whole was checked */
			elem->data = it->pos;
			elem->len = it->elem_size;
			it->pos += it->elem_size;
		}
		else
		{
			uint64_t	n;
			const uint8_t *p = it->pos;

			if (read_uvint(&p, it->end, &n) != CQL_OK ||
				n > (uint64_t) (it->end - p))
				return CQL_EPROTO;
			elem->data = p;
			elem->len = (int32_t) n;
			it->pos = p + n;
		}
		it->index++;
		return 1;
	}
	if (left == 0 && (t->id == CQL_TYPE_UDT || t->id == CQL_TYPE_TUPLE))
	{
		/* a field missing at the end */
		elem->data = NULL;
		elem->len = CQL_NULL;
		it->index++;
		return 1;
	}
	if (left < 4)
		return CQL_EPROTO;
	elem->len = read_len(it->pos);
	it->pos += 4;
	left -= 4;
	if (elem->len < 0)
	{
		/* [bytes]: any negative length is null */
		elem->data = NULL;
		elem->len = CQL_NULL;
	}
	else
	{
		if ((size_t) elem->len > left)
			return CQL_EPROTO;
		elem->data = it->pos;
		it->pos += elem->len;
	}
	it->index++;
	return 1;
}

const cql_type *
cql_iter_elem_type(const cql_iter *it)
{
	const cql_type *t = it->type;
	int32_t		i = it->index > 0 ? it->index - 1 : 0;

	if (t == NULL || t->sub == NULL || t->nsub <= 0)
		return NULL;
	switch (t->id)
	{
		case CQL_TYPE_MAP:
			return t->sub[i % 2];
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			return i < t->nsub ? t->sub[i] : NULL;
		default:
			return t->sub[0];
	}
}

int32_t
cql_iter_size(const cql_iter *it)
{
	if (it->type && it->type->id == CQL_TYPE_MAP)
		return it->count / 2;
	return it->count;
}

/* ---------- validation ---------- */

static bool
ascii_valid(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] & 0x80)
			return false;
	return true;
}

/* well-formed UTF-8 (RFC 3629): no overlongs, surrogates or > U+10FFFF */
static bool
utf8_valid(const uint8_t *p, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		uint8_t		c = p[i];
		size_t		k;
		uint8_t		lo = 0x80,
					hi = 0xBF;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF)
		{
			k = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			k = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		}
		else
			return false;
		if (n - i - 1 < k)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

static int
ok_or_empty(int rc)
{
	return rc == CQL_EMPTY ? CQL_OK : rc;
}

static int
validate(cql_slice v, const cql_type *t, int depth)
{
	int			rc;

	if (t == NULL)
		return CQL_EINVAL;
	if (depth > CQL_MAX_VALUE_DEPTH)
		return CQL_EPROTO;
	if (v.len < 0)
		return CQL_OK;
	if (v.len > 0 && v.data == NULL)
		return CQL_EINVAL;

	switch (t->id)
	{
		case CQL_TYPE_BOOLEAN:
		case CQL_TYPE_TINYINT:
			return v.len <= 1 ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_SMALLINT:
			return v.len == 0 || v.len == 2 ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_INT:
		case CQL_TYPE_FLOAT:
		case CQL_TYPE_DATE:
			return v.len == 0 || v.len == 4 ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
		case CQL_TYPE_DOUBLE:
		case CQL_TYPE_TIMESTAMP:
		case CQL_TYPE_TIME:
			return v.len == 0 || v.len == 8 ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			return v.len == 0 || v.len == 16 ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_INET:
			return v.len == 0 || v.len == 4 || v.len == 16 ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_DECIMAL:
			{
				int32_t		scale;
				cql_slice	u;

				return ok_or_empty(cql_decode_decimal(v, &scale, &u));
			}
		case CQL_TYPE_DURATION:
			{
				int32_t		m,
							d;
				int64_t		ns;

				rc = cql_decode_duration(v, &m, &d, &ns);
				if (rc != CQL_OK)
					return ok_or_empty(rc);
				if ((m < 0 || d < 0 || ns < 0) && (m > 0 || d > 0 || ns > 0))
					return CQL_EPROTO;
				return CQL_OK;
			}
		case CQL_TYPE_ASCII:
			return ascii_valid(v.data, (size_t) v.len) ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_VARCHAR:
			return utf8_valid(v.data, (size_t) v.len) ? CQL_OK : CQL_EPROTO;
		case CQL_TYPE_VARINT:
		case CQL_TYPE_BLOB:
		case CQL_TYPE_CUSTOM:
			return CQL_OK;
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_MAP:
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
		case CQL_TYPE_VECTOR:
			{
				cql_iter	it;
				cql_slice	e;

				rc = cql_iter_begin(v, t, &it);
				if (rc == CQL_EMPTY)
					return CQL_OK;
				if (rc != CQL_OK)
					return rc;
				while ((rc = cql_iter_next(&it, &e)) == 1)
				{
					if ((rc = validate(e, cql_iter_elem_type(&it), depth + 1)) != CQL_OK)
						return rc;
				}
				return rc;
			}
		default:
			return CQL_EINVAL;
	}
}

int
cql_value_validate(cql_slice v, const cql_type *t)
{
	return validate(v, t, 0);
}
