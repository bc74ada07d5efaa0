/*-------------------------------------------------------------------------
 *
 * token.c
 *		  Murmur3Partitioner tokens and routing keys.
 *
 * Cassandra's MurmurHash3_x64_128 differs from the reference one in the
 * tail: it reads the last (length % 16) bytes as Java bytes, signed, so a
 * byte >= 0x80 contributes its sign extension to the 64-bit word.  Blocks
 * are read unsigned, little-endian, as in the reference.
 *
 * IDENTIFICATION
 *		  src/driver/token.c
 *
 *-------------------------------------------------------------------------
 */
#include "wire.h"

#include <string.h>

#define C1 UINT64_C(0x87c37b91114253d5)
#define C2 UINT64_C(0x4cf5ad432745937f)

static inline uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t	x = 0;

	for (int i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
	return x;
}

/* a tail byte as Java's (long) of a byte: sign-extended */
static inline uint64_t
sx(uint8_t b)
{
	return (uint64_t) (int64_t) (int8_t) b;
}

static uint64_t
murmur3_h1(const uint8_t *key, size_t n)
{
	uint64_t	h1 = 0,
				h2 = 0,
				k1,
				k2;
	size_t		nblocks = n / 16;
	const uint8_t *tail = key + nblocks * 16;

	for (size_t i = 0; i < nblocks; i++)
	{
		k1 = le64(key + i * 16);
		k2 = le64(key + i * 16 + 8);

		k1 *= C1;
		k1 = rotl64(k1, 31);
		k1 *= C2;
		h1 ^= k1;
		h1 = rotl64(h1, 27);
		h1 += h2;
		h1 = h1 * 5 + 0x52dce729;

		k2 *= C2;
		k2 = rotl64(k2, 33);
		k2 *= C1;
		h2 ^= k2;
		h2 = rotl64(h2, 31);
		h2 += h1;
		h2 = h2 * 5 + 0x38495ab5;
	}

	k1 = 0;
	k2 = 0;
	switch (n & 15)
	{
		case 15:
			k2 ^= sx(tail[14]) << 48;
			/* fall through */
		case 14:
			k2 ^= sx(tail[13]) << 40;
			/* fall through */
		case 13:
			k2 ^= sx(tail[12]) << 32;
			/* fall through */
		case 12:
			k2 ^= sx(tail[11]) << 24;
			/* fall through */
		case 11:
			k2 ^= sx(tail[10]) << 16;
			/* fall through */
		case 10:
			k2 ^= sx(tail[9]) << 8;
			/* fall through */
		case 9:
			k2 ^= sx(tail[8]);
			k2 *= C2;
			k2 = rotl64(k2, 33);
			k2 *= C1;
			h2 ^= k2;
			/* fall through */
		case 8:
			k1 ^= sx(tail[7]) << 56;
			/* fall through */
		case 7:
			k1 ^= sx(tail[6]) << 48;
			/* fall through */
		case 6:
			k1 ^= sx(tail[5]) << 40;
			/* fall through */
		case 5:
			k1 ^= sx(tail[4]) << 32;
			/* fall through */
		case 4:
			k1 ^= sx(tail[3]) << 24;
			/* fall through */
		case 3:
			k1 ^= sx(tail[2]) << 16;
			/* fall through */
		case 2:
			k1 ^= sx(tail[1]) << 8;
			/* fall through */
		case 1:
			k1 ^= sx(tail[0]);
			k1 *= C1;
			k1 = rotl64(k1, 31);
			k1 *= C2;
			h1 ^= k1;
	}

	h1 ^= (uint64_t) n;
	h2 ^= (uint64_t) n;
	h1 += h2;
	h2 += h1;
	h1 = fmix64(h1);
	h2 = fmix64(h2);
	h1 += h2;
	return h1;
}

int64_t
cql_murmur3_token(const uint8_t *key, size_t n)
{
	int64_t		h;

	if (n == 0)
		return INT64_MIN;
	h = (int64_t) murmur3_h1(key, n);
	return h == INT64_MIN ? INT64_MAX : h;
}

int
cql_routing_key(const cql_slice *parts, int n, cql_buf *out)
{
	size_t		start = out->len;

	if (parts == NULL || n < 1)
		return CQL_EINVAL;
	for (int i = 0; i < n; i++)
	{
		if (parts[i].len < 0 || (parts[i].len > 0 && parts[i].data == NULL))
			return CQL_EINVAL;
		if (n > 1 && parts[i].len > UINT16_MAX)
			return CQL_ERANGE;
	}
	if (out->failed)
		return CQL_ENOMEM;
	if (n == 1)
		cql__buf_put(out, parts[0].data, (size_t) parts[0].len);
	else
	{
		for (int i = 0; i < n; i++)
		{
			cql__buf_short_bytes(out, parts[i].data, (size_t) parts[i].len);
			cql__buf_u8(out, 0);
		}
	}
	if (out->failed)
	{
		out->len = start;
		return CQL_ENOMEM;
	}
	return CQL_OK;
}
