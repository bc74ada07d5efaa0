/*-------------------------------------------------------------------------
 *
 * encode.c
 *		  Encoders of CQL values: scalars, and builders of collections,
 *		  tuples, UDTs and vectors, into the driver's output buffer.
 *
 * An encoder checks its input first and appends nothing when it refuses
 * it, so a caller can try another representation or report the error with
 * the buffer as it was.
 *
 * IDENTIFICATION
 *		  src/driver/encode.c
 *
 *-------------------------------------------------------------------------
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

/* ---------- the public buffer ---------- */

cql_buf *
cql_buf_new(void)
{
	cql_buf    *b = malloc(sizeof(cql_buf));

	if (b)
		cql__buf_init(b);
	return b;
}

void
cql_buf_free(cql_buf *b)
{
	if (b == NULL)
		return;
	cql__buf_free(b);
	free(b);
}

void
cql_buf_reset(cql_buf *b)
{
	cql__buf_reset(b);
}

const uint8_t *
cql_buf_data(const cql_buf *b)
{
	return b->data;
}

size_t
cql_buf_len(const cql_buf *b)
{
	return b->len;
}

bool
cql_buf_failed(const cql_buf *b)
{
	return b->failed;
}

void
cql_buf_truncate(cql_buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

cql_slice
cql_buf_slice(const cql_buf *b, size_t from)
{
	cql_slice	s = {NULL, CQL_NULL};

	if (b->failed || from > b->len || b->len - from > INT32_MAX)
		return s;
	s.data = b->data ? b->data + from : (const uint8_t *) "";
	s.len = (int32_t) (b->len - from);
	return s;
}

/* ---------- helpers ---------- */

static int
put(cql_buf *b, const void *p, size_t n)
{
	if (b->failed)
		return CQL_ENOMEM;
	if (n == 0)
		return CQL_OK;
	cql__buf_put(b, p, n);
	return b->failed ? CQL_ENOMEM : CQL_OK;
}

static int
put_be(cql_buf *b, uint64_t v, int n)
{
	uint8_t		x[8];

	for (int i = n - 1; i >= 0; i--)
	{
		x[i] = (uint8_t) v;
		v >>= 8;
	}
	return put(b, x, (size_t) n);
}

/* bytes of an unsigned vint: the leading 1 bits of the first byte count the extra bytes */
static int
uvint_size(uint64_t v)
{
	for (int extra = 0; extra < 8; extra++)
		if (v < ((uint64_t) 1 << (7 * extra + 7)))
			return extra + 1;
	return 9;
}

static int
uvint_write(uint8_t *out, uint64_t v)
{
	int			n = uvint_size(v);
	int			extra = n - 1;

	if (n == 9)
	{
		out[0] = 0xFF;
		for (int i = 8; i >= 1; i--)
		{
			out[i] = (uint8_t) v;
			v >>= 8;
		}
		return 9;
	}
	for (int i = n - 1; i >= 0; i--)
	{
		out[i] = (uint8_t) v;
		v >>= 8;
	}
	out[0] |= (uint8_t) ~(0xFF >> extra);
	return n;
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

/* ---------- scalars ---------- */

int
cql_encode_boolean(cql_buf *b, bool v)
{
	return put_be(b, v ? 1 : 0, 1);
}

int
cql_encode_tinyint(cql_buf *b, int64_t v)
{
	if (v < INT8_MIN || v > INT8_MAX)
		return CQL_ERANGE;
	return put_be(b, (uint64_t) v, 1);
}

int
cql_encode_smallint(cql_buf *b, int64_t v)
{
	if (v < INT16_MIN || v > INT16_MAX)
		return CQL_ERANGE;
	return put_be(b, (uint64_t) v, 2);
}

int
cql_encode_int(cql_buf *b, int64_t v)
{
	if (v < INT32_MIN || v > INT32_MAX)
		return CQL_ERANGE;
	return put_be(b, (uint64_t) v, 4);
}

int
cql_encode_bigint(cql_buf *b, int64_t v)
{
	return put_be(b, (uint64_t) v, 8);
}

int
cql_encode_float(cql_buf *b, float v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	return put_be(b, bits, 4);
}

int
cql_encode_double(cql_buf *b, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	return put_be(b, bits, 8);
}

int
cql_encode_timestamp(cql_buf *b, int64_t ms)
{
	return put_be(b, (uint64_t) ms, 8);
}

int
cql_encode_time(cql_buf *b, int64_t ns)
{
	if (ns < 0 || ns > INT64_C(86399999999999))
		return CQL_ERANGE;
	return put_be(b, (uint64_t) ns, 8);
}

int
cql_encode_date(cql_buf *b, uint32_t days)
{
	return put_be(b, days, 4);
}

int
cql_encode_uuid(cql_buf *b, const uint8_t uuid[16])
{
	return put(b, uuid, 16);
}

int
cql_encode_timeuuid(cql_buf *b, const uint8_t uuid[16])
{
	if ((uuid[6] >> 4) != 1)
		return CQL_ETYPE;
	return put(b, uuid, 16);
}

int
cql_encode_inet(cql_buf *b, const uint8_t *addr, int addrlen)
{
	if (addrlen != 4 && addrlen != 16)
		return CQL_EINVAL;
	return put(b, addr, (size_t) addrlen);
}

int
cql_encode_text(cql_buf *b, const char *s, size_t n)
{
	static const cql_type text = {.id = CQL_TYPE_VARCHAR};

	if (n > INT32_MAX)
		return CQL_ERANGE;
	if (cql_value_validate((cql_slice) {(const uint8_t *) s, (int32_t) n}, &text) != CQL_OK)
		return CQL_EINVAL;
	return put(b, s, n);
}

int
cql_encode_ascii(cql_buf *b, const char *s, size_t n)
{
	if (n > INT32_MAX)
		return CQL_ERANGE;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t) s[i] & 0x80)
			return CQL_ERANGE;
	return put(b, s, n);
}

int
cql_encode_blob(cql_buf *b, const void *p, size_t n)
{
	if (n > INT32_MAX)
		return CQL_ERANGE;
	return put(b, p, n);
}

int
cql_encode_duration(cql_buf *b, int32_t months, int32_t days, int64_t nanos)
{
	uint8_t		x[27];
	int			n = 0;

	if ((months < 0 || days < 0 || nanos < 0) &&
		(months > 0 || days > 0 || nanos > 0))
		return CQL_EINVAL;
	n += uvint_write(x + n, zigzag(months));
	n += uvint_write(x + n, zigzag(days));
	n += uvint_write(x + n, zigzag(nanos));
	return put(b, x, (size_t) n);
}

/* ---------- varint ---------- */

/* the minimal two's complement of the n bytes at a: where it starts */
static size_t
minimal_start(const uint8_t *a, size_t n)
{
	size_t		s = 0;

	while (s + 1 < n &&
		   ((a[s] == 0x00 && !(a[s + 1] & 0x80)) ||
			(a[s] == 0xFF && (a[s + 1] & 0x80))))
		s++;
	return s;
}

int
cql_encode_varint_int64(cql_buf *b, int64_t v)
{
	uint8_t		x[8];
	uint64_t	u = (uint64_t) v;
	size_t		s;

	for (int i = 7; i >= 0; i--)
	{
		x[i] = (uint8_t) u;
		u >>= 8;
	}
	s = minimal_start(x, 8);
	return put(b, x + s, 8 - s);
}

/*
 * Digits come from two spans (a decimal's integer and fraction parts), read
 * as one number.  The magnitude is built in place at the end of the buffer,
 * big-endian, nine digits at a time, then negated and trimmed.
 */
static int
varint_from_digits(cql_buf *b, bool neg, const char *p1, size_t n1,
				   const char *p2, size_t n2)
{
	static const uint32_t pow10[10] = {1, 10, 100, 1000, 10000, 100000,
	1000000, 10000000, 100000000, 1000000000};
	size_t		n = n1 + n2;
	size_t		width;
	size_t		used = 0;
	uint8_t    *a;
	size_t		i = 0;
	size_t		s;

	if (n == 0)
		return CQL_EINVAL;
	/* 10^n < 2^(8 * 0.41524 n): magnitude bytes, and one for the sign */
	if (n > (size_t) INT32_MAX / 416 * 1000)
		return CQL_ERANGE;
	width = n / 1000 * 416 + (n % 1000) * 416 / 1000 + 2;
	if (width > INT32_MAX)
		return CQL_ERANGE;
	if (b->failed)
		return CQL_ENOMEM;
	if (!cql__buf_reserve(b, width))
		return CQL_ENOMEM;
	a = b->data + b->len;
	memset(a, 0, width);

	while (i < n)
	{
		size_t		k = n - i < 9 ? n - i : 9;
		uint64_t	carry = 0;
		uint64_t	mul = pow10[k];

		for (size_t j = 0; j < k; j++, i++)
			carry = carry * 10 + (uint64_t) ((i < n1 ? p1[i] : p2[i - n1]) - '0');
		for (size_t j = 0; j < used; j++)
		{
			uint64_t	x = (uint64_t) a[width - 1 - j] * mul + carry;

			a[width - 1 - j] = (uint8_t) x;
			carry = x >> 8;
		}
		while (carry)
		{
			/* used < width - 1 by the choice of width */
			a[width - 1 - used++] = (uint8_t) carry;
			carry >>= 8;
		}
	}
	if (neg)
	{
		unsigned	c = 1;

		for (size_t j = width; j-- > 0;)
		{
			unsigned	x = (uint8_t) ~a[j] + c;

			a[j] = (uint8_t) x;
			c = x >> 8;
		}
	}
	s = minimal_start(a, width);
	if (s)
		memmove(a, a + s, width - s);
	b->len += width - s;
	return CQL_OK;
}

/* [+-]digits: the sign, and the digits */
static int
parse_integer(const char *str, size_t n, bool *neg, const char **digits,
			  size_t *ndigits)
{
	size_t		i = 0;

	if (str == NULL)
		return CQL_EINVAL;
	*neg = false;
	if (i < n && (str[i] == '+' || str[i] == '-'))
		*neg = str[i++] == '-';
	if (i == n)
		return CQL_EINVAL;
	for (size_t j = i; j < n; j++)
		if (str[j] < '0' || str[j] > '9')
			return CQL_EINVAL;
	*digits = str + i;
	*ndigits = n - i;
	return CQL_OK;
}

int
cql_encode_varint(cql_buf *b, const char *digits, size_t n)
{
	bool		neg;
	const char *d;
	size_t		nd;
	int			rc;

	if ((rc = parse_integer(digits, n, &neg, &d, &nd)) != CQL_OK)
		return rc;
	return varint_from_digits(b, neg, d, nd, NULL, 0);
}

int
cql_encode_decimal(cql_buf *b, int32_t scale, const char *unscaled, size_t n)
{
	bool		neg;
	const char *d;
	size_t		nd;
	size_t		start = b->len;
	int			rc;

	if ((rc = parse_integer(unscaled, n, &neg, &d, &nd)) != CQL_OK)
		return rc;
	if ((rc = put_be(b, (uint32_t) scale, 4)) != CQL_OK)
		return rc;
	if ((rc = varint_from_digits(b, neg, d, nd, NULL, 0)) != CQL_OK)
		b->len = start;
	return rc;
}

static bool
word_ieq(const char *s, size_t n, const char *w)
{
	size_t		wn = strlen(w);

	if (n != wn)
		return false;
	for (size_t i = 0; i < n; i++)
	{
		char		c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char) (c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

int
cql_encode_decimal_text(cql_buf *b, const char *s, size_t n)
{
	size_t		i = 0;
	bool		neg = false;
	const char *ip,
			   *fp = NULL;
	size_t		in,
				fn = 0;
	int64_t		exp = 0;
	int64_t		scale;
	size_t		start = b->len;
	int			rc;

	if (s == NULL)
		return CQL_EINVAL;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (word_ieq(s + i, n - i, "nan") || word_ieq(s + i, n - i, "inf") ||
		word_ieq(s + i, n - i, "infinity"))
		return CQL_ERANGE;
	ip = s + i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	in = (size_t) (s + i - ip);
	if (i < n && s[i] == '.')
	{
		fp = s + ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		fn = (size_t) (s + i - fp);
	}
	if (in + fn == 0)
		return CQL_EINVAL;
	if (i < n && (s[i] == 'e' || s[i] == 'E'))
	{
		bool		eneg = false;
		size_t		e0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		e0 = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
		{
			/* past any scale an int32 holds: saturate */
			if (exp < INT64_C(1) << 40)
				exp = exp * 10 + (s[i] - '0');
			i++;
		}
		if (i == e0)
			return CQL_EINVAL;
		if (eneg)
			exp = -exp;
	}
	if (i != n)
		return CQL_EINVAL;
	if (fn > (size_t) INT32_MAX)
		return CQL_ERANGE;
	scale = (int64_t) fn - exp;
	if (scale < INT32_MIN || scale > INT32_MAX)
		return CQL_ERANGE;
	if ((rc = put_be(b, (uint32_t) (int32_t) scale, 4)) != CQL_OK)
		return rc;
	if ((rc = varint_from_digits(b, neg, ip, in, fp, fn)) != CQL_OK)
		b->len = start;
	return rc;
}

/* ---------- builders ---------- */

static int
bld_fail(cql_builder *bld, int rc)
{
	if (bld->rc == CQL_OK)
		bld->rc = rc;
	return bld->rc;
}

int
cql_builder_begin(cql_builder *bld, cql_buf *b, const cql_type *t)
{
	memset(bld, 0, sizeof(*bld));
	bld->buf = b;
	bld->type = t;
	bld->start = b->len;
	bld->elem_size = -1;
	if (t == NULL)
		return bld_fail(bld, CQL_EINVAL);
	if (b->failed)
		return bld_fail(bld, CQL_ENOMEM);
	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_MAP:
			if (t->nsub != (t->id == CQL_TYPE_MAP ? 2 : 1) || t->sub == NULL)
				return bld_fail(bld, CQL_EINVAL);
			bld->limit = INT32_MAX;
			/* the count, patched by cql_builder_end() */
			cql__buf_u32(b, 0);
			break;
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			if (t->nsub < 0 || (t->nsub > 0 && t->sub == NULL))
				return bld_fail(bld, CQL_EINVAL);
			bld->limit = t->nsub;
			break;
		case CQL_TYPE_VECTOR:
			if (t->nsub < 1 || t->sub == NULL || t->dimension <= 0)
				return bld_fail(bld, CQL_EINVAL);
			bld->limit = t->dimension;
			bld->elem_size = cql_type_fixed_size(t->sub[0]);
			break;
		default:
			return bld_fail(bld, CQL_EINVAL);
	}
	return b->failed ? bld_fail(bld, CQL_ENOMEM) : CQL_OK;
}

const cql_type *
cql_builder_elem_type(const cql_builder *bld)
{
	const cql_type *t = bld->type;

	if (t == NULL || t->sub == NULL || t->nsub <= 0)
		return NULL;
	switch (t->id)
	{
		case CQL_TYPE_MAP:
			return t->sub[bld->count % 2];
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			return bld->count < t->nsub ? t->sub[bld->count] : NULL;
		default:
			return t->sub[0];
	}
}

/* may another element come? */
static int
bld_can_add(cql_builder *bld)
{
	if (bld->rc != CQL_OK)
		return bld->rc;
	if (bld->open)
		return bld_fail(bld, CQL_EINVAL);
	if (bld->count >= bld->limit)
		return bld_fail(bld, CQL_EINVAL);
	if (bld->buf->failed)
		return bld_fail(bld, CQL_ENOMEM);
	return CQL_OK;
}

int
cql_builder_elem_begin(cql_builder *bld)
{
	int			rc;

	if ((rc = bld_can_add(bld)) != CQL_OK)
		return rc;
	bld->elem = bld->buf->len;
	bld->open = true;
	if (bld->type->id != CQL_TYPE_VECTOR)
	{
		/* the [bytes] length, patched by cql_builder_elem_end() */
		cql__buf_u32(bld->buf, 0);
		if (bld->buf->failed)
			return bld_fail(bld, CQL_ENOMEM);
	}
	return CQL_OK;
}

int
cql_builder_elem_end(cql_builder *bld)
{
	cql_buf    *b = bld->buf;
	size_t		n;

	if (bld->rc != CQL_OK)
		return bld->rc;
	if (!bld->open || b->len < bld->elem)
		return bld_fail(bld, CQL_EINVAL);
	if (b->failed)
		return bld_fail(bld, CQL_ENOMEM);
	bld->open = false;
	if (bld->type->id != CQL_TYPE_VECTOR)
	{
		n = b->len - bld->elem - 4;
		if (n > INT32_MAX)
			return bld_fail(bld, CQL_ERANGE);
		cql__buf_patch_u32(b, bld->elem, (uint32_t) n);
	}
	else
	{
		n = b->len - bld->elem;
		if (bld->elem_size >= 0)
		{
			/* packed: the element must be exactly its size */
			if (n != (size_t) bld->elem_size)
				return bld_fail(bld, CQL_ETYPE);
		}
		else
		{
			/* make room for the vint length in front of the element */
			uint8_t		v[9];
			int			k = uvint_write(v, n);

			if (n > INT32_MAX)
				return bld_fail(bld, CQL_ERANGE);
			if (!cql__buf_reserve(b, (size_t) k))
				return bld_fail(bld, CQL_ENOMEM);
			memmove(b->data + bld->elem + k, b->data + bld->elem, n);
			memcpy(b->data + bld->elem, v, (size_t) k);
			b->len += (size_t) k;
		}
	}
	bld->count++;
	return CQL_OK;
}

int
cql_builder_value(cql_builder *bld, cql_slice v)
{
	int			rc;

	if (v.len < 0)
	{
		if (v.len == CQL_NULL)
			return cql_builder_null(bld);
		if ((rc = bld_can_add(bld)) != CQL_OK)
			return rc;
		return bld_fail(bld, CQL_EINVAL);
	}
	if ((rc = cql_builder_elem_begin(bld)) != CQL_OK)
		return rc;
	if (v.len > 0 && put(bld->buf, v.data, (size_t) v.len) != CQL_OK)
		return bld_fail(bld, CQL_ENOMEM);
	return cql_builder_elem_end(bld);
}

int
cql_builder_null(cql_builder *bld)
{
	int			rc;

	if ((rc = bld_can_add(bld)) != CQL_OK)
		return rc;
	if (bld->type->id != CQL_TYPE_TUPLE && bld->type->id != CQL_TYPE_UDT)
		return bld_fail(bld, CQL_EINVAL);
	cql__buf_u32(bld->buf, (uint32_t) -1);
	if (bld->buf->failed)
		return bld_fail(bld, CQL_ENOMEM);
	bld->count++;
	return CQL_OK;
}

/* ---------- sets and maps in Cassandra's order ---------- */

/*
 * Cassandra keeps a set's elements and a map's keys sorted by the element
 * type's comparator, without duplicates.  It puts a top-level frozen
 * collection in that form itself, but not one nested in a tuple, a UDT or
 * another collection: those bytes are stored as sent, and two equal sets
 * sent in different orders would compare unequal.  So a set or map is put
 * in canonical form here, for every element type whose order is known.
 */

/* the order class of a scalar type, or ORDER_UNKNOWN */
enum
{
	ORDER_UNKNOWN,
	ORDER_UNSIGNED,				/* bytes compared as unsigned */
	ORDER_SIGNED,				/* a fixed-size two's complement integer */
	ORDER_FLOAT,				/* IEEE 754, as Java's Float/Double.compare */
	ORDER_VARINT				/* two's complement of any length */
};

static int
order_class(const cql_type *t)
{
	switch (t->id)
	{
		case CQL_TYPE_ASCII:
		case CQL_TYPE_VARCHAR:
		case CQL_TYPE_BLOB:
		case CQL_TYPE_BOOLEAN:
		case CQL_TYPE_INET:
		case CQL_TYPE_DATE:		/* unsigned, 2^31 = 1970-01-01 */
		case CQL_TYPE_TIME:		/* nanoseconds, never negative */
			return ORDER_UNSIGNED;
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_SMALLINT:
		case CQL_TYPE_INT:
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_TIMESTAMP:
			return ORDER_SIGNED;
		case CQL_TYPE_FLOAT:
		case CQL_TYPE_DOUBLE:
			return ORDER_FLOAT;
		case CQL_TYPE_VARINT:
			return ORDER_VARINT;
		default:
			return ORDER_UNKNOWN;	/* uuid, timeuuid, decimal, nested values */
	}
}

static int
cmp_unsigned(const uint8_t *a, int32_t alen, const uint8_t *b, int32_t blen)
{
	int			c = memcmp(a, b, (size_t) (alen < blen ? alen : blen));

	if (c != 0)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* a varint without redundant sign bytes */
static void
varint_trim(const uint8_t **p, int32_t *len)
{
	while (*len > 1 &&
		   (((*p)[0] == 0x00 && !((*p)[1] & 0x80)) ||
			((*p)[0] == 0xFF && ((*p)[1] & 0x80))))
	{
		(*p)++;
		(*len)--;
	}
}

static int
compare_ordered(int cls, const uint8_t *a, int32_t alen, const uint8_t *b, int32_t blen)
{
	switch (cls)
	{
		case ORDER_UNSIGNED:
			return cmp_unsigned(a, alen, b, blen);
		case ORDER_SIGNED:
			if (alen != blen || alen == 0)
				return cmp_unsigned(a, alen, b, blen);
			if ((a[0] ^ b[0]) & 0x80)
				return (a[0] & 0x80) ? -1 : 1;
			return cmp_unsigned(a, alen, b, blen);
		case ORDER_FLOAT:
			{
				uint8_t		ka[8];
				uint8_t		kb[8];

				if (alen != blen || (alen != 4 && alen != 8))
					return cmp_unsigned(a, alen, b, blen);
				/* negative: all bits flipped; positive: the sign bit set */
				for (int i = 0; i < alen; i++)
				{
					ka[i] = (a[0] & 0x80) ? (uint8_t) ~a[i] : a[i];
					kb[i] = (b[0] & 0x80) ? (uint8_t) ~b[i] : b[i];
				}
				if (!(a[0] & 0x80))
					ka[0] |= 0x80;
				if (!(b[0] & 0x80))
					kb[0] |= 0x80;
				return cmp_unsigned(ka, alen, kb, blen);
			}
		case ORDER_VARINT:
			{
				bool		aneg = alen > 0 && (a[0] & 0x80);
				bool		bneg = blen > 0 && (b[0] & 0x80);

				if (aneg != bneg)
					return aneg ? -1 : 1;
				varint_trim(&a, &alen);
				varint_trim(&b, &blen);
				if (alen != blen)
					return (alen < blen) != aneg ? -1 : 1;
				return cmp_unsigned(a, alen, b, blen);
			}
	}
	return 0;
}

typedef struct coll_entry
{
	const uint8_t *key;			/* the element's bytes (its length before) */
	int32_t		keylen;
	const uint8_t *whole;		/* the element (and a map's value), with lengths */
	size_t		wholelen;
	int			pos;			/* in the order sent */
	int			cls;
} coll_entry;

static int
entry_cmp(const void *x, const void *y)
{
	const coll_entry *a = x;
	const coll_entry *b = y;
	int			c = compare_ordered(a->cls, a->key, a->keylen, b->key, b->keylen);

	if (c != 0)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos ? 1 : 0;
}

/*
 * Sort the set or map of nelems elements (entries for a map) that fills
 * b->data[start..b->len) after its count, drop duplicates (a map keeps the
 * last value given for a key, as a CQL literal does) and write the count.
 * Left as sent when the element type's order is not known here.
 */
static void
canonicalize_collection(cql__buf *b, size_t start, const cql_type *t, int32_t nelems)
{
	int			cls = order_class(t->sub[0]);
	bool		map = t->id == CQL_TYPE_MAP;
	const uint8_t *p = b->data + start + 4;
	const uint8_t *end = b->data + b->len;
	coll_entry *e;
	uint8_t    *out;
	size_t		outlen = 0;
	int32_t		kept = 0;

	if (cls == ORDER_UNKNOWN || nelems < 2)
		return;
	e = malloc(sizeof(coll_entry) * (size_t) nelems);
	out = malloc((size_t) (end - p));
	if (e == NULL || out == NULL)
	{
		free(e);
		free(out);
		b->failed = true;
		return;
	}
	for (int i = 0; i < nelems; i++)
	{
		int32_t		len;

		e[i].whole = p;
		e[i].pos = i;
		e[i].cls = cls;
		len = (int32_t) (((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
						 ((uint32_t) p[2] << 8) | p[3]);
		e[i].key = p + 4;
		e[i].keylen = len < 0 ? 0 : len;
		p += 4 + e[i].keylen;
		if (map)
		{
			len = (int32_t) (((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
							 ((uint32_t) p[2] << 8) | p[3]);
			p += 4 + (len < 0 ? 0 : len);
		}
		e[i].wholelen = (size_t) (p - e[i].whole);
	}
	qsort(e, (size_t) nelems, sizeof(coll_entry), entry_cmp);
	for (int i = 0; i < nelems; i++)
	{
		/* of equal keys, in the order sent: a set keeps one, a map the last */
		if (i + 1 < nelems &&
			compare_ordered(cls, e[i].key, e[i].keylen, e[i + 1].key, e[i + 1].keylen) == 0)
			continue;
		memcpy(out + outlen, e[i].whole, e[i].wholelen);
		outlen += e[i].wholelen;
		kept++;
	}
	memcpy(b->data + start + 4, out, outlen);
	b->len = start + 4 + outlen;
	cql__buf_patch_u32(b, start, (uint32_t) kept);
	free(e);
	free(out);
}

int
cql_builder_end(cql_builder *bld)
{
	cql_buf    *b = bld->buf;

	if (bld->rc != CQL_OK)
		return bld->rc;
	if (bld->open)
		return bld_fail(bld, CQL_EINVAL);
	if (b->failed)
		return bld_fail(bld, CQL_ENOMEM);
	switch (bld->type->id)
	{
		case CQL_TYPE_MAP:
			if (bld->count % 2 != 0)
				return bld_fail(bld, CQL_EINVAL);
			cql__buf_patch_u32(b, bld->start, (uint32_t) (bld->count / 2));
			canonicalize_collection(b, bld->start, bld->type, bld->count / 2);
			if (b->failed)
				return bld_fail(bld, CQL_ENOMEM);
			break;
		case CQL_TYPE_SET:
			cql__buf_patch_u32(b, bld->start, (uint32_t) bld->count);
			canonicalize_collection(b, bld->start, bld->type, bld->count);
			if (b->failed)
				return bld_fail(bld, CQL_ENOMEM);
			break;
		case CQL_TYPE_LIST:
			cql__buf_patch_u32(b, bld->start, (uint32_t) bld->count);
			break;
		case CQL_TYPE_TUPLE:
		case CQL_TYPE_UDT:
			while (bld->count < bld->limit)
			{
				cql__buf_u32(b, (uint32_t) -1);
				bld->count++;
			}
			if (b->failed)
				return bld_fail(bld, CQL_ENOMEM);
			break;
		case CQL_TYPE_VECTOR:
			if (bld->count != bld->limit)
				return bld_fail(bld, CQL_EINVAL);
			break;
	}
	return CQL_OK;
}

void
cql_builder_abort(cql_builder *bld)
{
	if (bld->buf && bld->start <= bld->buf->len)
		bld->buf->len = bld->start;
	bld->open = false;
	if (bld->rc == CQL_OK)
		bld->rc = CQL_ECANCELED;
}
