/*-------------------------------------------------------------------------
 *
 * test_ring.c
 *		  ring.c: cutting a token range into even parts.  (The ranges of a
 *		  session's ring are tested against a fake cluster in
 *		  test_cluster.c.)
 *
 * IDENTIFICATION
 *		  test/unit/test_ring.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "cql.h"

#include <limits.h>

/* the parts are contiguous, non-empty, cover (start, end], differ by <= 1 */
static void
check_split(int64_t start, int64_t end, int n, int want_parts)
{
	int64_t		b[65];
	int			got;
	uint64_t	minw = UINT64_MAX,
				maxw = 0;

	got = cql_token_range_split(start, end, n, b);
	CHECK_INT(got, want_parts);
	if (got != want_parts || got < 1)
		return;
	CHECK(b[0] == start);
	CHECK(b[got] == end);
	for (int i = 0; i < got; i++)
	{
		uint64_t	w = (uint64_t) b[i + 1] - (uint64_t) b[i];

		CHECK(b[i] < b[i + 1]);
		if (w < minw)
			minw = w;
		if (w > maxw)
			maxw = w;
	}
	CHECK(maxw - minw <= 1);
}

TEST(ring_split_even_parts)
{
	int64_t		b[8];

	CHECK_INT(cql_token_range_split(0, 10, 3, b), 3);
	CHECK_INT(b[0], 0);
	CHECK_INT(b[1], 3);
	CHECK_INT(b[2], 6);
	CHECK_INT(b[3], 10);
	check_split(0, 10, 3, 3);
	check_split(-100, 100, 7, 7);
	check_split(0, 1, 1, 1);
	/* the whole ring, and ranges across zero and at the extremes */
	check_split(INT64_MIN, INT64_MAX, 64, 64);
	check_split(INT64_MIN, INT64_MAX, 1, 1);
	check_split(INT64_MIN, INT64_MIN + 5, 4, 4);
	check_split(INT64_MAX - 64, INT64_MAX, 64, 64);
	check_split(-3, 4000000000000000000LL, 13, 13);
}

TEST(ring_split_small_ranges)
{
	int64_t		b[11];

	/* (5, 7] holds two tokens: two parts, not ten */
	CHECK_INT(cql_token_range_split(5, 7, 10, b), 2);
	CHECK_INT(b[0], 5);
	CHECK_INT(b[1], 6);
	CHECK_INT(b[2], 7);
	check_split(INT64_MAX - 1, INT64_MAX, 10, 1);
}

TEST(ring_split_errors)
{
	int64_t		b[4];

	CHECK_INT(cql_token_range_split(5, 5, 2, b), CQL_EINVAL);
	CHECK_INT(cql_token_range_split(6, 5, 2, b), CQL_EINVAL);
	CHECK_INT(cql_token_range_split(0, 5, 0, b), CQL_EINVAL);
	CHECK_INT(cql_token_range_split(0, 5, -1, b), CQL_EINVAL);
	CHECK_INT(cql_token_range_split(0, 5, 2, NULL), CQL_EINVAL);
}
