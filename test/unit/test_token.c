/*-------------------------------------------------------------------------
 *
 * test_token.c
 *		  token.c: Murmur3Partitioner tokens and routing keys.
 *
 * The vectors of /work/shared/reference/protocol-notes.md (from Cassandra's
 * and the reference drivers' tests), and keys of every tail length hashed
 * by the DataStax Python driver's pure-Python murmur3 (cassandra/murmur3.py),
 * which is independent of this code.
 *
 * IDENTIFICATION
 *		  test/unit/test_token.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "cql.h"

#include <stdlib.h>

/* the token of an exactly sized copy of n bytes */
static int64_t
token_of(const void *p, size_t n)
{
	uint8_t    *m = fx_dup(p, n);
	int64_t		t = cql_murmur3_token(m, n);

	free(m);
	return t;
}

#define TOKEN_LIT(lit) token_of(lit, sizeof(lit) - 1)

TEST(token_notes_vectors)
{
	uint8_t		k[50];
	static const uint8_t pat[5] = {0x00, 0xff, 0x10, 0xfa, 0x99};

	CHECK_INT(TOKEN_LIT("\x00\x00\x00\x01"), -4069959284402364209LL);
	CHECK_INT(TOKEN_LIT("\x00\x00\x00\x02"), -3248873570005575792LL);
	CHECK_INT(TOKEN_LIT("\x00\x00\x00\x03"), 9010454139840013625LL);
	CHECK_INT(TOKEN_LIT("\x00\x00\x00\x00\x00\x00\x00\x01"), 6292367497774912474LL);
	CHECK_INT(TOKEN_LIT("123"), -7468325962851647638LL);
	memset(k, 0xfe, 8);
	CHECK_INT(token_of(k, 8), -8927430733708461935LL);
	memset(k, 0x10, 8);
	CHECK_INT(token_of(k, 8), 1446172840243228796LL);
	for (int i = 0; i < 10; i++)
		memcpy(k + 5 * i, pat, 5);
	CHECK_INT(token_of(k, 50), 5837342703291459765LL);
	CHECK_INT(TOKEN_LIT("test"), -6017608668500074083LL);
	CHECK_INT(TOKEN_LIT("xd"), 4507812186440344727LL);
	CHECK_INT(TOKEN_LIT("primary_key"), -1632642444691073360LL);
	CHECK_INT(TOKEN_LIT("krem\xc3\xb3wki"), 4354931215268080151LL);
}

TEST(token_empty_key_is_minimum)
{
	CHECK_INT(cql_murmur3_token(NULL, 0), INT64_MIN);
	CHECK_INT(token_of("", 0), INT64_MIN);
}

/*
 * Every tail length 1..15 with bytes >= 0x80 in the tail (the sign
 * extension), one and two whole blocks: key[i] = (37 i + 0x80) mod 256.
 */
TEST(token_every_tail_length)
{
	static const int64_t want[34] = {
		0,
		-5284281814142962636LL, 4003374653204434169LL, 3535713116438891508LL,
		4646819262146080875LL, -7285554406529402845LL, 7647171532137228454LL,
		8079973834228070102LL, 3173655619969992971LL, -6664184759602981327LL,
		-7726519252142350825LL, -2859642824600873085LL, -4405811419775796225LL,
		-8168520634177016655LL, 3652350787497934084LL, -3231907415436664779LL,
		-4670432035028161865LL, 8543914380955314883LL, 8435433373126411245LL,
		3621210036272095477LL, 8530952169015698190LL, 7491651669624963246LL,
		-390541553963980802LL, -3764654926743632864LL, 5149486275091474363LL,
		-6509752312008498454LL, -4652512314868275527LL, -1998069055392002939LL,
		752046692950383393LL, 5845404449105052616LL, -3969957695479992651LL,
		-2523922690204838283LL, -7137519761718609357LL, 4031175963306371758LL,
	};
	uint8_t		k[33];

	for (int i = 0; i < 33; i++)
		k[i] = (uint8_t) (i * 37 + 0x80);
	for (size_t n = 1; n <= 33; n++)
	{
		int64_t		t = token_of(k, n);

		if (t != want[n])
			test_fail(__FILE__, __LINE__, "token of %zu bytes is %lld, expected %lld",
					  n, (long long) t, (long long) want[n]);
	}
}

static const uint8_t *
u8(const char *s)
{
	return (const uint8_t *) s;
}

TEST(token_routing_key_single)
{
	cql_buf    *b = cql_buf_new();
	cql_slice	part = {u8("\x00\x00\x00\x01"), 4};

	REQUIRE(b != NULL);
	CHECK_INT(cql_routing_key(&part, 1, b), CQL_OK);
	CHECK_MEM(cql_buf_data(b), cql_buf_len(b), "\x00\x00\x00\x01", 4);
	CHECK_INT(cql_murmur3_token(cql_buf_data(b), cql_buf_len(b)), -4069959284402364209LL);

	/* one part is never length-prefixed, even when long */
	{
		uint8_t    *big = calloc(1, 70000);

		cql_buf_reset(b);
		part.data = big;
		part.len = 70000;
		CHECK_INT(cql_routing_key(&part, 1, b), CQL_OK);
		CHECK_INT(cql_buf_len(b), 70000);
		free(big);
	}
	/* an empty single part: an empty key, the minimum token */
	cql_buf_reset(b);
	part.data = u8("");
	part.len = 0;
	CHECK_INT(cql_routing_key(&part, 1, b), CQL_OK);
	CHECK_INT(cql_buf_len(b), 0);
	CHECK_INT(cql_murmur3_token(cql_buf_data(b), cql_buf_len(b)), INT64_MIN);
	cql_buf_free(b);
}

TEST(token_routing_key_composite)
{
	cql_buf    *b = cql_buf_new();
	cql_slice	two[2] = {{u8("\x00\x00\x00\x01"), 4}, {u8("abc"), 3}};
	uint8_t		blob[16];
	cql_slice	three[3] = {{u8("\x00\x00\x00\x00\x00\x00\x00\x2a"), 8},
	{blob, 16}, {u8(""), 0}};
	static const char want3[] =
		"\x00\x08" "\x00\x00\x00\x00\x00\x00\x00\x2a" "\x00"
		"\x00\x10" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" "\x00"
		"\x00\x00" "\x00";

	REQUIRE(b != NULL);
	for (int i = 0; i < 16; i++)
		blob[i] = (uint8_t) i;

	/* (int 1, text 'abc'): [00 04][00 00 00 01][00] [00 03][abc][00] */
	CHECK_INT(cql_routing_key(two, 2, b), CQL_OK);
	CHECK_MEM(cql_buf_data(b), cql_buf_len(b),
			  "\x00\x04\x00\x00\x00\x01\x00\x00\x03" "abc" "\x00", 13);
	/* tokens by the Python driver's murmur3 of the same bytes */
	CHECK_INT(cql_murmur3_token(cql_buf_data(b), cql_buf_len(b)), 8771735466527499816LL);

	/* appends: a prefix already in the buffer stays */
	cql_buf_reset(b);
	CHECK_INT(cql_encode_blob(b, "xy", 2), CQL_OK);
	CHECK_INT(cql_routing_key(three, 3, b), CQL_OK);
	REQUIRE(cql_buf_len(b) == 2 + sizeof(want3) - 1);
	CHECK_MEM(cql_buf_data(b), 2, "xy", 2);
	CHECK_MEM(cql_buf_data(b) + 2, cql_buf_len(b) - 2, want3, sizeof(want3) - 1);
	CHECK_INT(cql_murmur3_token(cql_buf_data(b) + 2, cql_buf_len(b) - 2),
			  -815163009862348553LL);
	cql_buf_free(b);
}

TEST(token_routing_key_errors)
{
	cql_buf    *b = cql_buf_new();
	cql_slice	parts[2] = {{u8("\x01"), 1}, {NULL, CQL_NULL}};
	uint8_t    *big = calloc(1, 65536);

	REQUIRE(b != NULL && big != NULL);
	CHECK_INT(cql_routing_key(parts, 0, b), CQL_EINVAL);
	CHECK_INT(cql_routing_key(NULL, 1, b), CQL_EINVAL);
	CHECK_INT(cql_routing_key(parts, 2, b), CQL_EINVAL);	/* a null part */
	CHECK_INT(cql_routing_key(parts + 1, 1, b), CQL_EINVAL);
	parts[1].len = CQL_UNSET;
	CHECK_INT(cql_routing_key(parts, 2, b), CQL_EINVAL);
	/* a composite part holds at most 65535 bytes */
	parts[1].data = big;
	parts[1].len = 65536;
	CHECK_INT(cql_routing_key(parts, 2, b), CQL_ERANGE);
	CHECK_INT(cql_buf_len(b), 0);	/* nothing appended on error */
	parts[1].len = 65535;
	CHECK_INT(cql_routing_key(parts, 2, b), CQL_OK);
	CHECK_INT(cql_buf_len(b), 2 + 1 + 1 + 2 + 65535 + 1);
	free(big);
	cql_buf_free(b);
}
