/*-------------------------------------------------------------------------
 *
 * test_tokenmap.c
 *		  tokenmap.c: the token ring and replica placement.
 *
 * Hand-checked small rings, and random rings (vnodes, several DCs and
 * racks) checked against ref_replicas(), a slow reference written here
 * from the rules alone (Cassandra's SimpleStrategy / NetworkTopologyStrategy
 * as the DataStax drivers apply them): it sorts its own ring, compares DC
 * and rack names as strings and walks the ring one token at a time.
 *
 * IDENTIFICATION
 *		  test/unit/test_tokenmap.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "tokenmap.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------- helpers ---------- */

#define LOC "org.apache.cassandra.locator."

/* a replication from "key", "value", ... pairs, NULL-terminated */
static cql__replication *
repl(const char *k0,...)
{
	const char *keys[32];
	const char *vals[32];
	int			n = 0;
	va_list		ap;
	cql__replication *r = NULL;
	cql_error	err;

	va_start(ap, k0);
	for (const char *k = k0; k != NULL && n < 32; k = va_arg(ap, const char *))
	{
		keys[n] = k;
		vals[n] = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	if (cql__replication_parse(keys, vals, n, &r, &err) != CQL_OK)
		return NULL;
	return r;
}

static cql__replication *
simple(int rf)
{
	char		v[16];

	snprintf(v, sizeof(v), "%d", rf);
	return repl("class", "SimpleStrategy", "replication_factor", v, NULL);
}

/* replicas as a string "a,b,c" for compact checks */
static const char *
fmt(const int *v, int n)
{
	static char buf[4][512];
	static int	which;
	char	   *b = buf[which++ & 3];
	size_t		len = 0;

	b[0] = '\0';
	for (int i = 0; i < n && len < 480; i++)
		len += (size_t) snprintf(b + len, 512 - len, i ? ",%d" : "%d", v[i]);
	return b;
}

static const char *
lookup(const cql__tokenmap *tm, const cql__replication *r, int64_t token)
{
	int			out[64];
	int			n = cql__tokenmap_replicas(tm, r, token, out, 64);

	return fmt(out, n);
}

static const char *
lookup_walk(const cql__tokenmap *tm, const cql__replication *r, int64_t token)
{
	int			out[64];
	int			n = cql__tokenmap_walk(tm, r, token, out, 64);

	return fmt(out, n);
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t	x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* ---------- the reference ---------- */

typedef struct ref_repl
{
	char		kind;			/* 'S' simple, 'N' NTS, 'E' everywhere, 'L' local */
	int			rf;
	int			ndc;
	const char *dc[4];
	int			dcrf[4];
} ref_repl;

typedef struct ref_pair
{
	int64_t		tok;
	int			host;
} ref_pair;

static int
ref_cmp(const void *a, const void *b)
{
	const ref_pair *x = a,
			   *y = b;

	if (x->tok != y->tok)
		return x->tok < y->tok ? -1 : 1;
	return x->host < y->host ? -1 : x->host > y->host;
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static bool
in_list(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* a sorted, deduplicated ring of the hosts: returns its size */
static int
ref_ring(const cql__tm_host *hosts, int nhosts, ref_pair **ringp)
{
	int			n = 0,
				t = 0;
	ref_pair   *ring;

	for (int h = 0; h < nhosts; h++)
		n += hosts[h].ntokens;
	ring = malloc(sizeof(ref_pair) * (size_t) (n + 1));
	for (int h = 0; h < nhosts; h++)
		for (int i = 0; i < hosts[h].ntokens; i++)
			ring[t++] = (ref_pair)
		{
			hosts[h].tokens[i], h
		};
	qsort(ring, (size_t) t, sizeof(ref_pair), ref_cmp);
	n = 0;
	for (int i = 0; i < t; i++)
		if (n == 0 || ring[n - 1].tok != ring[i].tok)
			ring[n++] = ring[i];
	*ringp = ring;
	return n;
}

/* the factor of a host's DC, capped at the DC's member count */
static int
ref_want(const cql__tm_host *hosts, const ref_pair *ring, int T, const ref_repl *rr, int h)
{
	int			f = 0,
				members = 0;
	int			seen[512];
	int			nseen = 0;

	for (int d = 0; d < rr->ndc; d++)
		if (strcmp(rr->dc[d], nz(hosts[h].dc)) == 0)
			f = rr->dcrf[d];
	for (int i = 0; i < T; i++)
	{
		int			x = ring[i].host;

		if (!in_list(seen, nseen, x) && strcmp(nz(hosts[x].dc), nz(hosts[h].dc)) == 0)
		{
			seen[nseen++] = x;
			members++;
		}
	}
	return f < members ? f : members;
}

/* the number of racks among the members of h's DC */
static int
ref_racks(const cql__tm_host *hosts, const ref_pair *ring, int T, int h)
{
	const char *racks[512];
	int			n = 0;

	for (int i = 0; i < T; i++)
	{
		const cql__tm_host *x = &hosts[ring[i].host];
		int			j;

		if (strcmp(nz(x->dc), nz(hosts[h].dc)) != 0)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(racks[j], nz(x->rack)) == 0)
				break;
		if (j == n)
			racks[n++] = nz(x->rack);
	}
	return n;
}

/* what the reference computes once per cluster and replication */
typedef struct ref_ctx
{
	const cql__tm_host *hosts;
	const ref_repl *rr;
	ref_pair   *ring;
	int			T;
	int			want[512];		/* per host: its DC's factor, capped */
	int			R[512];			/* per host: racks of its DC */
	int			total;			/* replicas per token */
} ref_ctx;

static void
ref_init(ref_ctx *c, const cql__tm_host *hosts, int nhosts, const ref_repl *rr)
{
	int			members[512];
	int			nm = 0;

	c->hosts = hosts;
	c->rr = rr;
	c->T = ref_ring(hosts, nhosts, &c->ring);
	for (int i = 0; i < c->T; i++)
		if (!in_list(members, nm, c->ring[i].host))
			members[nm++] = c->ring[i].host;
	c->total = 0;
	for (int h = 0; h < nhosts; h++)
	{
		c->want[h] = ref_want(hosts, c->ring, c->T, rr, h);
		c->R[h] = ref_racks(hosts, c->ring, c->T, h);
	}
	if (rr->kind == 'S')
		c->total = rr->rf < nm ? rr->rf : nm;
	else if (rr->kind == 'E')
		c->total = nm;
	else if (rr->kind == 'N')
	{
		/* sum over the DCs of the members: count each DC at its first member */
		for (int i = 0; i < nm; i++)
		{
			bool		first = true;

			for (int j = 0; j < i; j++)
				if (strcmp(nz(hosts[members[j]].dc), nz(hosts[members[i]].dc)) == 0)
					first = false;
			if (first)
				c->total += c->want[members[i]];
		}
	}
}

static int
ref_replicas(const ref_ctx *c, int64_t token, int *out)
{
	const cql__tm_host *hosts = c->hosts;
	const ref_pair *ring = c->ring;
	int			T = c->T;
	int			start = 0;
	int			n = 0;

	if (T == 0 || c->rr->kind == 'L')
		return 0;
	while (start < T && ring[start].tok < token)
		start++;
	if (start == T)
		start = 0;

	if (c->rr->kind == 'S' || c->rr->kind == 'E')
	{
		for (int s = 0; s < T && n < c->total; s++)
		{
			int			h = ring[(start + s) % T].host;

			if (!in_list(out, n, h))
				out[n++] = h;
		}
		return n;
	}

	/* NTS: per DC name, its count, racks used, skipped hosts */
	{
		const char *dcname[16];
		int			count[16] = {0};
		const char *used[16][64];
		int			nused[16] = {0};
		int			skipped[16][64];
		int			nskipped[16] = {0};
		int			ndc = 0;

		for (int s = 0; s < T && n < c->total; s++)
		{
			int			h = ring[(start + s) % T].host;
			int			d;
			int			want = c->want[h];
			int			R = c->R[h];
			bool		rack_used = false;

			for (d = 0; d < ndc; d++)
				if (strcmp(dcname[d], nz(hosts[h].dc)) == 0)
					break;
			if (d == ndc)
				dcname[ndc++] = nz(hosts[h].dc);
			if (count[d] >= want || in_list(out, n, h))
				continue;
			for (int j = 0; j < nused[d]; j++)
				if (strcmp(used[d][j], nz(hosts[h].rack)) == 0)
					rack_used = true;
			if (rack_used && nused[d] < R)
			{
				if (!in_list(skipped[d], nskipped[d], h))
					skipped[d][nskipped[d]++] = h;
				continue;
			}
			out[n++] = h;
			count[d]++;
			if (!rack_used)
			{
				used[d][nused[d]++] = nz(hosts[h].rack);
				if (nused[d] == R)
					for (int j = 0; j < nskipped[d] && count[d] < want; j++)
					{
						out[n++] = skipped[d][j];
						count[d]++;
					}
			}
		}
	}
	return n;
}

static cql__replication *
ref_to_repl(const ref_repl *rr)
{
	const char *keys[8];
	const char *vals[8];
	char		num[8][16];
	int			n = 0;
	cql__replication *r = NULL;

	keys[n] = "class";
	vals[n++] = rr->kind == 'S' ? "SimpleStrategy" :
		rr->kind == 'N' ? LOC "NetworkTopologyStrategy" :
		rr->kind == 'E' ? "EverywhereStrategy" : "LocalStrategy";
	if (rr->kind == 'S')
	{
		snprintf(num[n], 16, "%d", rr->rf);
		keys[n] = "replication_factor";
		vals[n] = num[n];
		n++;
	}
	if (rr->kind == 'N')
		for (int d = 0; d < rr->ndc; d++)
		{
			snprintf(num[n], 16, "%d", rr->dcrf[d]);
			keys[n] = rr->dc[d];
			vals[n] = num[n];
			n++;
		}
	if (cql__replication_parse(keys, vals, n, &r, NULL) != CQL_OK)
		return NULL;
	return r;
}

/*
 * Every replication of rrs, for ntok tokens (random, ring tokens and their
 * neighbours, the extremes): the cached lookup and the walk both equal the
 * reference.  Returns the number of mismatches (the first few reported).
 */
static int
cross_check(const cql__tm_host *hosts, int nhosts, const ref_repl *rrs, int nrr,
			int ntok, uint64_t seed)
{
	cql__tokenmap *tm = cql__tokenmap_build(hosts, nhosts, NULL);
	int			bad = 0;
	int64_t		ringtok[4096];
	int			nring = 0;

	if (tm == NULL)
	{
		test_fail(__FILE__, __LINE__, "build failed");
		return 1;
	}
	for (int h = 0; h < nhosts && nring < 4096; h++)
		for (int i = 0; i < hosts[h].ntokens && nring < 4096; i++)
			ringtok[nring++] = hosts[h].tokens[i];

	for (int q = 0; q < nrr; q++)
	{
		cql__replication *r = ref_to_repl(&rrs[q]);
		ref_ctx		ctx;

		if (r == NULL)
		{
			test_fail(__FILE__, __LINE__, "replication %d did not parse", q);
			bad++;
			continue;
		}
		ref_init(&ctx, hosts, nhosts, &rrs[q]);
		for (int i = 0; i < ntok; i++)
		{
			int64_t		tok;
			int			want[512],
						got[512],
						got2[512];
			int			nw,
						ng,
						ng2;
			uint64_t	x = rnd(&seed);

			switch (i)
			{
				case 0:
					tok = INT64_MIN;
					break;
				case 1:
					tok = INT64_MAX;
					break;
				default:
					if (nring > 0 && x % 4 == 0)
						tok = ringtok[(x >> 8) % (uint64_t) nring] + (int64_t) ((x >> 4) % 3) - 1;
					else
						tok = (int64_t) rnd(&seed);
			}
			nw = ref_replicas(&ctx, tok, want);
			ng = cql__tokenmap_replicas(tm, r, tok, got, 512);
			ng2 = cql__tokenmap_walk(tm, r, tok, got2, 512);
			if (ng != nw || memcmp(got, want, sizeof(int) * (size_t) nw) != 0 ||
				ng2 != nw || memcmp(got2, want, sizeof(int) * (size_t) nw) != 0)
			{
				if (bad++ < 5)
					test_fail(__FILE__, __LINE__,
							  "replication %d, token %lld: lookup [%s], walk [%s], reference [%s]",
							  q, (long long) tok, fmt(got, ng), fmt(got2, ng2), fmt(want, nw));
			}
		}
		free(ctx.ring);
		cql__replication_free(r);
	}
	cql__tokenmap_free(tm);
	return bad;
}

/* ---------- small rings by hand ---------- */

TEST(tokenmap_single_node)
{
	int64_t		t0[] = {42};
	cql__tm_host h[] = {{"dc1", "r1", t0, 1}};
	cql__tokenmap *tm = cql__tokenmap_build(h, 1, NULL);
	cql__replication *s1 = simple(1),
			   *s3 = simple(3),
			   *nts = repl("class", "NetworkTopologyStrategy", "dc1", "3", NULL),
			   *ev = repl("class", "EverywhereStrategy", NULL),
			   *loc = repl("class", "LocalStrategy", NULL);

	REQUIRE(tm && s1 && s3 && nts && ev && loc);
	CHECK_INT(cql__tokenmap_ring_size(tm), 1);
	CHECK_STR(lookup(tm, s1, 0), "0");
	CHECK_STR(lookup(tm, s1, 42), "0");
	CHECK_STR(lookup(tm, s1, 43), "0");
	CHECK_STR(lookup(tm, s1, INT64_MIN), "0");
	CHECK_STR(lookup(tm, s1, INT64_MAX), "0");
	CHECK_STR(lookup(tm, s3, 7), "0");
	CHECK_STR(lookup(tm, nts, 7), "0");
	CHECK_STR(lookup(tm, ev, 7), "0");
	CHECK_STR(lookup(tm, loc, 7), "");
	CHECK_STR(lookup_walk(tm, s3, 7), "0");
	cql__replication_free(s1);
	cql__replication_free(s3);
	cql__replication_free(nts);
	cql__replication_free(ev);
	cql__replication_free(loc);
	cql__tokenmap_free(tm);
}

TEST(tokenmap_simple_three_nodes)
{
	/* hosts out of token order: ring is -100 (host 1), 0 (host 2), 100 (host 0) */
	int64_t		a[] = {100},
				b[] = {-100},
				c[] = {0};
	cql__tm_host h[] = {{"dc1", "r1", a, 1}, {"dc1", "r1", b, 1}, {"dc1", "r1", c, 1}};
	cql__tokenmap *tm = cql__tokenmap_build(h, 3, NULL);
	cql__replication *rf[6];

	REQUIRE(tm);
	for (int i = 1; i <= 5; i++)
		REQUIRE((rf[i] = simple(i)) != NULL);

	/* exactly a ring token, just below, just above */
	CHECK_STR(lookup(tm, rf[1], -100), "1");
	CHECK_STR(lookup(tm, rf[1], -101), "1");
	CHECK_STR(lookup(tm, rf[1], -99), "2");
	CHECK_STR(lookup(tm, rf[1], 0), "2");
	CHECK_STR(lookup(tm, rf[1], -1), "2");
	CHECK_STR(lookup(tm, rf[1], 1), "0");
	CHECK_STR(lookup(tm, rf[1], 100), "0");
	CHECK_STR(lookup(tm, rf[1], 99), "0");
	/* past the last token: wraps to the first */
	CHECK_STR(lookup(tm, rf[1], 101), "1");
	CHECK_STR(lookup(tm, rf[1], INT64_MAX), "1");
	CHECK_STR(lookup(tm, rf[1], INT64_MIN), "1");

	CHECK_STR(lookup(tm, rf[2], -100), "1,2");
	CHECK_STR(lookup(tm, rf[2], 50), "0,1");
	CHECK_STR(lookup(tm, rf[2], INT64_MAX), "1,2");
	CHECK_STR(lookup(tm, rf[3], -100), "1,2,0");
	CHECK_STR(lookup(tm, rf[3], 0), "2,0,1");
	CHECK_STR(lookup(tm, rf[3], 100), "0,1,2");
	CHECK_STR(lookup(tm, rf[3], 101), "1,2,0");
	/* RF above the node count: every node */
	CHECK_STR(lookup(tm, rf[4], 0), "2,0,1");
	CHECK_STR(lookup(tm, rf[5], 0), "2,0,1");
	CHECK_STR(lookup(tm, rf[5], INT64_MIN), "1,2,0");
	CHECK_STR(lookup_walk(tm, rf[5], 1), "0,1,2");
	CHECK_STR(lookup_walk(tm, rf[2], 101), "1,2");

	for (int i = 1; i <= 5; i++)
		cql__replication_free(rf[i]);
	cql__tokenmap_free(tm);
}

TEST(tokenmap_extreme_ring_tokens)
{
	/* ring tokens at both ends of the range; host 2 has two tokens */
	int64_t		a[] = {INT64_MIN},
				b[] = {INT64_MAX},
				c[] = {0, -5};
	cql__tm_host h[] = {{"dc1", "r1", a, 1}, {"dc1", "r1", b, 1}, {"dc1", "r1", c, 2}};
	cql__tokenmap *tm = cql__tokenmap_build(h, 3, NULL);
	cql__replication *r1 = simple(1),
			   *r2 = simple(2),
			   *r3 = simple(3);

	REQUIRE(tm && r1 && r2 && r3);
	CHECK_INT(cql__tokenmap_ring_size(tm), 4);
	CHECK_STR(lookup(tm, r1, INT64_MIN), "0");
	CHECK_STR(lookup(tm, r1, INT64_MIN + 1), "2");
	CHECK_STR(lookup(tm, r1, INT64_MAX), "1");
	CHECK_STR(lookup(tm, r1, INT64_MAX - 1), "1");
	CHECK_STR(lookup(tm, r1, 1), "1");
	/* host 2's second token is skipped as a duplicate host */
	CHECK_STR(lookup(tm, r2, -10), "2,1");
	CHECK_STR(lookup(tm, r3, -10), "2,1,0");
	CHECK_STR(lookup(tm, r2, INT64_MAX), "1,0");
	CHECK_STR(lookup(tm, r3, INT64_MAX), "1,0,2");
	cql__replication_free(r1);
	cql__replication_free(r2);
	cql__replication_free(r3);
	cql__tokenmap_free(tm);
}

TEST(tokenmap_duplicate_tokens)
{
	/* token 10 claimed by hosts 1 and 0: it stays with host 0 */
	int64_t		a[] = {10, 30},
				b[] = {10, 20},
				c[1] = {0};
	cql__tm_host h[] = {{"dc1", "r1", a, 2}, {"dc1", "r1", b, 2}, {"dc1", "r1", c, 0}};
	cql__tokenmap *tm = cql__tokenmap_build(h, 3, NULL);
	cql__replication *r1 = simple(1),
			   *r3 = simple(3);

	REQUIRE(tm && r1 && r3);
	CHECK_INT(cql__tokenmap_ring_size(tm), 3);
	CHECK_STR(lookup(tm, r1, 10), "0");
	CHECK_STR(lookup(tm, r1, 11), "1");
	/* host 2 has no token: never a replica */
	CHECK_STR(lookup(tm, r3, 11), "1,0");
	cql__replication_free(r1);
	cql__replication_free(r3);
	cql__tokenmap_free(tm);
}

/*
 * Two DCs of three nodes; dc1's racks: host 0 r1, host 1 r1, host 2 r2.
 * Ring: 0(h0 dc1 r1) 5(h3 dc2) 10(h1 dc1 r1) 15(h4 dc2) 20(h2 dc1 r2) 25(h5 dc2).
 * A naive walk from 0 puts dc1's two replicas on h0 and h1, both rack r1.
 */
TEST(tokenmap_nts_racks)
{
	int64_t		t0[] = {0},
				t1[] = {10},
				t2[] = {20},
				t3[] = {5},
				t4[] = {15},
				t5[] = {25};
	cql__tm_host h[] = {
		{"dc1", "r1", t0, 1}, {"dc1", "r1", t1, 1}, {"dc1", "r2", t2, 1},
		{"dc2", "ra", t3, 1}, {"dc2", "ra", t4, 1}, {"dc2", "rb", t5, 1},
	};
	cql__tokenmap *tm = cql__tokenmap_build(h, 6, NULL);
	cql__replication *r21 = repl("class", "NetworkTopologyStrategy", "dc1", "2", "dc2", "1", NULL),
			   *r31 = repl("class", "NetworkTopologyStrategy", "dc1", "3", "dc2", "1", NULL),
			   *r22 = repl("class", "NetworkTopologyStrategy", "dc2", "2", "dc1", "2", NULL),
			   *r9 = repl("class", "NetworkTopologyStrategy", "dc1", "9", "dc3", "2", "dc2", "0", NULL),
			   *s2 = simple(2);

	REQUIRE(tm && r21 && r31 && r22 && r9 && s2);
	/* rack-aware: h1 (r1 again) is skipped for h2 (r2); the walk order interleaves DCs */
	CHECK_STR(lookup(tm, r21, 0), "0,3,2");
	CHECK_STR(lookup(tm, s2, 0), "0,3");
	CHECK_STR(lookup(tm, r21, 1), "3,1,2");
	CHECK_STR(lookup(tm, r21, 11), "4,2,0");
	/* dc1 RF 3 on 2 racks: h1, skipped at step 2, joins right after h2 used r2 */
	CHECK_STR(lookup(tm, r31, 0), "0,3,2,1");
	CHECK_STR(lookup(tm, r31, 16), "2,5,0,1");
	/* dc2 RF 2: h4 (ra again) skipped for h5 (rb) */
	CHECK_STR(lookup(tm, r22, 0), "0,3,2,5");
	CHECK_STR(lookup(tm, r22, 26), "0,3,2,5");
	CHECK_STR(lookup(tm, r22, 21), "5,0,3,2");
	/* RF above the DC's size, a DC with no host, a DC at 0 */
	CHECK_STR(lookup(tm, r9, 6), "1,2,0");
	CHECK_STR(lookup_walk(tm, r9, 6), "1,2,0");
	CHECK_STR(lookup_walk(tm, r31, 16), "2,5,0,1");
	CHECK_STR(lookup_walk(tm, r21, 0), "0,3,2");

	cql__replication_free(r21);
	cql__replication_free(r31);
	cql__replication_free(r22);
	cql__replication_free(r9);
	cql__replication_free(s2);
	cql__tokenmap_free(tm);
}

/* one DC, racks x x x y; ring 0 h0(x) 1 h1(x) 2 h2(x) 3 h3(y) */
TEST(tokenmap_nts_rack_repeats)
{
	int64_t		t0[] = {0},
				t1[] = {1},
				t2[] = {2},
				t3[] = {3};
	cql__tm_host h[] = {
		{"dc", "x", t0, 1}, {"dc", "x", t1, 1}, {"dc", "x", t2, 1}, {"dc", "y", t3, 1},
	};
	cql__tokenmap *tm = cql__tokenmap_build(h, 4, NULL);
	cql__replication *r[5];

	REQUIRE(tm);
	for (int i = 1; i <= 4; i++)
	{
		char		v[16];

		snprintf(v, sizeof(v), "%d", i);
		REQUIRE((r[i] = repl("class", "NetworkTopologyStrategy", "dc", v, NULL)) != NULL);
	}
	CHECK_STR(lookup(tm, r[1], 0), "0");
	CHECK_STR(lookup(tm, r[2], 0), "0,3");
	/* skipped h1, h2 join once y is used, in the order skipped */
	CHECK_STR(lookup(tm, r[3], 0), "0,3,1");
	CHECK_STR(lookup(tm, r[4], 0), "0,3,1,2");
	CHECK_STR(lookup(tm, r[2], 3), "3,0");
	CHECK_STR(lookup(tm, r[3], 3), "3,0,1");
	CHECK_STR(lookup(tm, r[3], 2), "2,3,0");
	CHECK_STR(lookup(tm, r[2], 1), "1,3");
	for (int i = 1; i <= 4; i++)
	{
		CHECK_STR(lookup_walk(tm, r[i], 0), lookup(tm, r[i], 0));
		cql__replication_free(r[i]);
	}
	cql__tokenmap_free(tm);
}

/* ---------- against the reference ---------- */

static const ref_repl vnode_repls[] = {
	{.kind = 'S', .rf = 1}, {.kind = 'S', .rf = 2}, {.kind = 'S', .rf = 3}, {.kind = 'S', .rf = 6}, {.kind = 'S', .rf = 9},
	{.kind = 'N', .ndc = 2, .dc = {"dc1", "dc2"}, .dcrf = {2, 1}},
	{.kind = 'N', .ndc = 2, .dc = {"dc1", "dc2"}, .dcrf = {3, 3}},
	{.kind = 'N', .ndc = 1, .dc = {"dc2"}, .dcrf = {2}},
	{.kind = 'N', .ndc = 3, .dc = {"dc1", "dc2", "dc9"}, .dcrf = {1, 2, 3}},
	{.kind = 'E'}, {.kind = 'L'},
};

TEST(tokenmap_vnodes_reference)
{
	/* 6 nodes x 256 random (seeded) tokens; dc1: racks a a b, dc2: c d d */
	static const char *dcs[6] = {"dc1", "dc1", "dc1", "dc2", "dc2", "dc2"};
	static const char *racks[6] = {"a", "a", "b", "c", "d", "d"};
	int64_t		toks[6][256];
	cql__tm_host h[6];
	uint64_t	seed = UINT64_C(0x9e3779b97f4a7c15);

	for (int i = 0; i < 6; i++)
	{
		for (int j = 0; j < 256; j++)
			toks[i][j] = (int64_t) rnd(&seed);
		h[i] = (cql__tm_host)
		{
			dcs[i], racks[i], toks[i], 256
		};
	}
	CHECK_INT(cross_check(h, 6, vnode_repls,
						  (int) (sizeof(vnode_repls) / sizeof(vnode_repls[0])), 10000, 12345), 0);
}

/* random clusters: 1-24 hosts, 1-3 DCs, 1-4 racks, 0-64 tokens each, clashes */
TEST(tokenmap_random_clusters_reference)
{
	static const char *dcn[3] = {"dc1", "dc2", NULL};
	static const char *rackn[4] = {"r1", "r2", NULL, "r3"};
	static const ref_repl repls[] = {
		{.kind = 'S', .rf = 1}, {.kind = 'S', .rf = 3}, {.kind = 'S', .rf = 30},
		{.kind = 'N', .ndc = 2, .dc = {"dc1", "dc2"}, .dcrf = {2, 2}},
		{.kind = 'N', .ndc = 3, .dc = {"", "dc1", "dc2"}, .dcrf = {3, 1, 4}},
		{.kind = 'N', .ndc = 2, .dc = {"dc1", "dc2"}, .dcrf = {5, 1}},
		{.kind = 'N', .ndc = 1, .dc = {"dc2"}, .dcrf = {1}},
		{.kind = 'E'},
	};
	uint64_t	seed = 7;

	for (int round = 0; round < 60; round++)
	{
		int			nhosts = 1 + (int) (rnd(&seed) % 24);
		int64_t		toks[24][64];
		cql__tm_host h[24];

		for (int i = 0; i < nhosts; i++)
		{
			int			nt = (int) (rnd(&seed) % 5 == 0 ? rnd(&seed) % 2 : rnd(&seed) % 64);

			for (int j = 0; j < nt; j++)
				toks[i][j] = round % 3 == 0 ? (int64_t) (rnd(&seed) % 200) - 100 : (int64_t) rnd(&seed);
			h[i] = (cql__tm_host)
			{
				dcn[rnd(&seed) % 3], rackn[rnd(&seed) % 4], toks[i], nt
			};
		}
		if (cross_check(h, nhosts, repls, (int) (sizeof(repls) / sizeof(repls[0])), 300,
						seed) != 0)
		{
			test_fail(__FILE__, __LINE__, "round %d (%d hosts) differs", round, nhosts);
			break;
		}
	}
}

/*
 * 300 hosts x 256 vnodes in 3 DCs of 4 racks: the tables agree with the
 * walk, and EverywhereStrategy (300 x 76,800 entries, over the table
 * budget) walks: every host once, the primary first.
 */
TEST(tokenmap_large_cluster)
{
	enum
	{
		NH = 300, NT = 256
	};
	static int64_t toks[NH][NT];
	static const char *dcs[3] = {"dc1", "dc2", "dc3"};
	static const char *racks[4] = {"r1", "r2", "r3", "r4"};
	cql__tm_host h[NH];
	cql__tokenmap *tm;
	cql__replication *rs[3];
	cql__replication *ev,
			   *s1;
	uint64_t	seed = 4242;
	int			out[NH],
				w[NH];

	for (int i = 0; i < NH; i++)
	{
		for (int j = 0; j < NT; j++)
			toks[i][j] = (int64_t) rnd(&seed);
		h[i] = (cql__tm_host)
		{
			dcs[i % 3], racks[(i / 3) % 4], toks[i], NT
		};
	}
	tm = cql__tokenmap_build(h, NH, NULL);
	REQUIRE(tm);
	CHECK_INT(cql__tokenmap_ring_size(tm), NH * NT);
	rs[0] = simple(3);
	rs[1] = repl("class", "NetworkTopologyStrategy", "dc1", "3", "dc2", "3", "dc3", "2", NULL);
	rs[2] = repl("class", "NetworkTopologyStrategy", "dc2", "5", NULL);
	ev = repl("class", "EverywhereStrategy", NULL);
	s1 = simple(1);
	REQUIRE(rs[0] && rs[1] && rs[2] && ev && s1);
	for (int q = 0; q < 3; q++)
	{
		CHECK_INT(cql__tokenmap_prepare(tm, rs[q], NULL), CQL_OK);
		for (int i = 0; i < 2000; i++)
		{
			int64_t		tok = (int64_t) rnd(&seed);
			int			n = cql__tokenmap_replicas(tm, rs[q], tok, out, NH);
			int			n2 = cql__tokenmap_walk(tm, rs[q], tok, w, NH);

			CHECK_INT(n, q == 0 ? 3 : q == 1 ? 8 : 5);
			CHECK_INT(n2, n);
			if (n != n2 || memcmp(out, w, sizeof(int) * (size_t) n) != 0)
			{
				test_fail(__FILE__, __LINE__, "setting %d token %lld: [%s] vs walk [%s]",
						  q, (long long) tok, fmt(out, n), fmt(w, n2));
				break;
			}
		}
	}
	for (int i = 0; i < 200; i++)
	{
		int64_t		tok = (int64_t) rnd(&seed);
		int			n = cql__tokenmap_replicas(tm, ev, tok, out, NH);
		int			p;
		bool		seen[NH] = {false};

		CHECK_INT(n, NH);
		CHECK_INT(cql__tokenmap_replicas(tm, s1, tok, &p, 1), 1);
		CHECK_INT(out[0], p);
		for (int j = 0; j < n; j++)
		{
			if (out[j] < 0 || out[j] >= NH || seen[out[j]])
			{
				test_fail(__FILE__, __LINE__, "EverywhereStrategy: bad or repeated host %d", out[j]);
				break;
			}
			seen[out[j]] = true;
		}
	}
	for (int q = 0; q < 3; q++)
		cql__replication_free(rs[q]);
	cql__replication_free(ev);
	cql__replication_free(s1);
	cql__tokenmap_free(tm);
}

/* ---------- edges ---------- */

TEST(tokenmap_empty)
{
	cql__tokenmap *tm = cql__tokenmap_build(NULL, 0, NULL);
	cql__replication *r = simple(3),
			   *nts = repl("class", "NetworkTopologyStrategy", "dc1", "3", NULL),
			   *ev = repl("class", "EverywhereStrategy", NULL);
	int			out[4];
	cql__tm_host none[] = {{"dc1", "r1", NULL, 0}, {NULL, NULL, NULL, 0}};

	REQUIRE(tm && r && nts && ev);
	CHECK_INT(cql__tokenmap_ring_size(tm), 0);
	CHECK_INT(cql__tokenmap_replicas(tm, r, 0, out, 4), 0);
	CHECK_INT(cql__tokenmap_walk(tm, r, 0, out, 4), 0);
	CHECK_INT(cql__tokenmap_prepare(tm, r, NULL), CQL_OK);
	cql__tokenmap_free(tm);

	tm = cql__tokenmap_build(none, 2, NULL);
	REQUIRE(tm);
	CHECK_INT(cql__tokenmap_ring_size(tm), 0);
	CHECK_INT(cql__tokenmap_replicas(tm, r, INT64_MIN, out, 4), 0);
	CHECK_INT(cql__tokenmap_replicas(tm, nts, INT64_MAX, out, 4), 0);
	CHECK_INT(cql__tokenmap_replicas(tm, ev, 0, out, 4), 0);
	CHECK_INT(cql__tokenmap_walk(tm, nts, 0, out, 4), 0);
	cql__tokenmap_free(tm);
	cql__tokenmap_free(NULL);

	/* NULL arguments */
	CHECK_INT(cql__tokenmap_replicas(NULL, r, 0, out, 4), 0);
	CHECK_INT(cql__tokenmap_ring_size(NULL), 0);
	CHECK_INT(cql__tokenmap_prepare(NULL, r, NULL), CQL_EINVAL);
	cql__replication_free(r);
	cql__replication_free(nts);
	cql__replication_free(ev);
	cql__replication_free(NULL);
}

TEST(tokenmap_build_errors)
{
	int64_t		t[] = {1};
	cql__tm_host neg[] = {{"dc1", "r1", t, -1}};
	cql__tm_host nul[] = {{"dc1", "r1", NULL, 1}};
	cql_error	err;

	CHECK(cql__tokenmap_build(NULL, -1, &err) == NULL);
	CHECK_INT(err.code, CQL_EINVAL);
	CHECK(cql__tokenmap_build(NULL, 2, &err) == NULL);
	CHECK_INT(err.code, CQL_EINVAL);
	CHECK(cql__tokenmap_build(neg, 1, &err) == NULL);
	CHECK_INT(err.code, CQL_EINVAL);
	CHECK(cql__tokenmap_build(nul, 1, &err) == NULL);
	CHECK_INT(err.code, CQL_EINVAL);
	CHECK_CONTAINS(err.message, "host 0");
	CHECK(cql__tokenmap_build(nul, 1, NULL) == NULL);
}

TEST(tokenmap_truncation_and_cache)
{
	int64_t		t[8][4];
	cql__tm_host h[8];
	cql__tokenmap *tm;
	cql__replication *r;
	int			out[8],
				all[8];
	uint64_t	seed = 99;

	for (int i = 0; i < 8; i++)
	{
		for (int j = 0; j < 4; j++)
			t[i][j] = (int64_t) rnd(&seed);
		h[i] = (cql__tm_host)
		{
			"dc1", i % 2 ? "r1" : "r2", t[i], 4
		};
	}
	tm = cql__tokenmap_build(h, 8, NULL);
	REQUIRE(tm);

	/* max below the count: the first max, in order */
	r = simple(5);
	REQUIRE(r);
	CHECK_INT(cql__tokenmap_prepare(tm, r, NULL), CQL_OK);
	CHECK_INT(cql__tokenmap_replicas(tm, r, 77, all, 8), 5);
	CHECK_INT(cql__tokenmap_replicas(tm, r, 77, out, 2), 2);
	CHECK_MEM(out, sizeof(int) * 2, all, sizeof(int) * 2);
	CHECK_INT(cql__tokenmap_walk(tm, r, 77, out, 3), 3);
	CHECK_MEM(out, sizeof(int) * 3, all, sizeof(int) * 3);
	CHECK_INT(cql__tokenmap_replicas(tm, r, 77, out, 0), 0);
	CHECK_INT(cql__tokenmap_replicas(tm, r, 77, NULL, 8), 0);
	cql__replication_free(r);

	/* more settings than the cache holds, each freed after use: still right */
	for (int i = 0; i < 80; i++)
	{
		char		v[16];
		int			w[8];

		snprintf(v, sizeof(v), "%d", i % 40);
		r = i % 2 ? simple(i % 9) : repl("class", "NetworkTopologyStrategy", "dc1", v, NULL);
		REQUIRE(r);
		for (int k = 0; k < 20; k++)
		{
			int64_t		tok = (int64_t) rnd(&seed);
			int			n = cql__tokenmap_replicas(tm, r, tok, out, 8);
			int			n2 = cql__tokenmap_walk(tm, r, tok, w, 8);

			CHECK_INT(n, n2);
			CHECK_MEM(out, sizeof(int) * (size_t) n, w, sizeof(int) * (size_t) n2);
		}
		cql__replication_free(r);
	}
	cql__tokenmap_free(tm);
}

/* ---------- replication settings ---------- */

TEST(replication_parse_forms)
{
	cql__replication *r;

	r = repl("class", LOC "SimpleStrategy", "replication_factor", "3", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_kind(r), CQL__REPL_SIMPLE);
	CHECK_INT(cql__replication_factor(r, NULL), 3);
	cql__replication_free(r);

	r = repl("replication_factor", "2", "class", "SimpleStrategy", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_factor(r, NULL), 2);
	cql__replication_free(r);

	/* Cassandra 4 transient form: N/T, placement takes N */
	r = repl("class", "SimpleStrategy", "replication_factor", "3/1", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_factor(r, NULL), 3);
	cql__replication_free(r);

	r = repl("class", "SimpleStrategy", "replication_factor", "0", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_factor(r, NULL), 0);
	cql__replication_free(r);

	r = repl("class", LOC "NetworkTopologyStrategy", "dc2", "2/1", "dc1", "3", "DC3", "0", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_kind(r), CQL__REPL_NTS);
	CHECK_INT(cql__replication_factor(r, "dc1"), 3);
	CHECK_INT(cql__replication_factor(r, "dc2"), 2);
	CHECK_INT(cql__replication_factor(r, "DC3"), 0);
	CHECK_INT(cql__replication_factor(r, "dc3"), 0);
	CHECK_INT(cql__replication_factor(r, "nowhere"), 0);
	CHECK_INT(cql__replication_factor(r, NULL), -1);
	cql__replication_free(r);

	r = repl("class", "NetworkTopologyStrategy", "dc1", "3/0", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_factor(r, "dc1"), 3);
	cql__replication_free(r);

	/* no DC at all: valid, no replicas */
	r = repl("class", "NetworkTopologyStrategy", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_factor(r, "dc1"), 0);
	cql__replication_free(r);

	r = repl("class", LOC "LocalStrategy", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_kind(r), CQL__REPL_LOCAL);
	CHECK_INT(cql__replication_factor(r, NULL), -1);
	cql__replication_free(r);

	r = repl("class", "LocalStrategy", NULL);
	REQUIRE(r);
	cql__replication_free(r);

	r = repl("class", LOC "EverywhereStrategy", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_kind(r), CQL__REPL_EVERYWHERE);
	cql__replication_free(r);

	r = repl("class", "EverywhereStrategy", "replication_factor", "1", NULL);
	REQUIRE(r);
	cql__replication_free(r);

	/* other SimpleStrategy keys are ignored */
	r = repl("class", "SimpleStrategy", "replication_factor", "1", "extra", "x", NULL);
	REQUIRE(r);
	cql__replication_free(r);

	r = repl("class", "SimpleStrategy", "replication_factor", "2147483647", NULL);
	REQUIRE(r);
	CHECK_INT(cql__replication_factor(r, NULL), INT_MAX);
	cql__replication_free(r);

	CHECK_INT(cql__replication_kind(NULL), 0);
	CHECK_INT(cql__replication_factor(NULL, NULL), -1);
}

static int
parse_rc(const char *const *k, const char *const *v, int n)
{
	cql__replication *r = (cql__replication *) 1;
	cql_error	err;
	int			rc = cql__replication_parse(k, v, n, &r, &err);

	if (rc != CQL_OK && r != NULL)
		test_fail(__FILE__, __LINE__, "*out not NULL on error");
	if (rc != CQL_OK && err.code != rc)
		test_fail(__FILE__, __LINE__, "err.code %d, rc %d", err.code, rc);
	if (rc == CQL_OK)
		cql__replication_free(r);
	return rc;
}

#define PARSE1(k, v) parse_rc((const char *[]) {"class", k}, (const char *[]) {"SimpleStrategy", v}, 2)
#define NTS1(k, v) parse_rc((const char *[]) {"class", k}, (const char *[]) {"NetworkTopologyStrategy", v}, 2)

TEST(replication_parse_errors)
{
	cql__replication *r;
	const char *k[] = {"class", "replication_factor"};
	const char *v[] = {"SimpleStrategy", "3"};

	/* sanity: the helpers accept the good form */
	CHECK_INT(PARSE1("replication_factor", "3"), CQL_OK);
	CHECK_INT(NTS1("dc1", "3/1"), CQL_OK);

	/* classes */
	CHECK_INT(parse_rc((const char *[]) {"class"}, (const char *[]) {"FooStrategy"}, 1), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class"}, (const char *[]) {"org.example.SimpleStrategy"}, 1), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class"}, (const char *[]) {"simplestrategy"}, 1), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class"}, (const char *[]) {""}, 1), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class"}, (const char *[]) {LOC}, 1), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"replication_factor"}, (const char *[]) {"3"}, 1), CQL_EINVAL);
	CHECK_INT(parse_rc(NULL, NULL, 0), CQL_EINVAL);

	/* SimpleStrategy factors */
	CHECK_INT(parse_rc((const char *[]) {"class"}, (const char *[]) {"SimpleStrategy"}, 1), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", ""), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "x"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "3x"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", " 3"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "-1"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "+1"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "2147483648"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "99999999999999999999"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "3/"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "/1"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "3/3"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "3/4"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "3/1/1"), CQL_EINVAL);
	CHECK_INT(PARSE1("replication_factor", "3//1"), CQL_EINVAL);
	CHECK_INT(PARSE1("Replication_Factor", "3"), CQL_EINVAL);	/* so: none */

	/* NTS */
	CHECK_INT(NTS1("dc1", ""), CQL_EINVAL);
	CHECK_INT(NTS1("dc1", "three"), CQL_EINVAL);
	CHECK_INT(NTS1("dc1", "1/1"), CQL_EINVAL);
	CHECK_INT(NTS1("dc1", "-2"), CQL_EINVAL);
	CHECK_INT(NTS1("replication_factor", "3"), CQL_EINVAL);
	CHECK_INT(NTS1("REPLICATION_FACTOR", "3"), CQL_EINVAL);

	/* duplicate keys, NULL pieces */
	CHECK_INT(parse_rc((const char *[]) {"class", "dc1", "dc1"},
					   (const char *[]) {"NetworkTopologyStrategy", "1", "2"}, 3), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class", "class"},
					   (const char *[]) {"LocalStrategy", "LocalStrategy"}, 2), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class", NULL}, (const char *[]) {"SimpleStrategy", "1"}, 2), CQL_EINVAL);
	CHECK_INT(parse_rc((const char *[]) {"class", "replication_factor"},
					   (const char *[]) {"SimpleStrategy", NULL}, 2), CQL_EINVAL);
	CHECK_INT(parse_rc(k, NULL, 2), CQL_EINVAL);
	CHECK_INT(parse_rc(NULL, v, 2), CQL_EINVAL);
	CHECK_INT(parse_rc(k, v, -1), CQL_EINVAL);
	CHECK_INT(cql__replication_parse(k, v, 2, NULL, NULL), CQL_EINVAL);

	/* the good form, directly */
	CHECK_INT(cql__replication_parse(k, v, 2, &r, NULL), CQL_OK);
	cql__replication_free(r);
}
