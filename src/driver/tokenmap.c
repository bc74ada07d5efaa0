/*-------------------------------------------------------------------------
 *
 * tokenmap.c
 *		  The token ring and Cassandra's replica placement.
 *
 * See tokenmap.h for the rules and the costs.  Two implementations of one
 * rule set:
 *
 * walk()		 follows the rule literally from the primary's ring position:
 *				 O(ring) worst case per lookup, no allocation (its scratch
 *				 lives in the map).
 * precompute()	 fills a table of every ring position's replicas in one
 *				 sweep.  Both SimpleStrategy and NetworkTopologyStrategy are
 *				 handled as "groups" (one group of every member with a
 *				 single rack for SimpleStrategy; the DCs for NTS).  Going
 *				 counter-clockwise over the ring, each group keeps its hosts
 *				 in a move-to-front list, which is then ordered by the
 *				 host's next ring position at or after the current one (the
 *				 order a clockwise walk would meet them), and its racks in
 *				 a move-to-front list ordered likewise by their first host
 *				 ("front").  The walk's choice in a group with RF k and R
 *				 racks is then: k <= R: the fronts of the first k racks;
 *				 k > R: every rack's front, then the first k - R other hosts
 *				 of the host list.  Each chosen host gets the walk step at
 *				 which the walk would accept it (its distance, or for a
 *				 host skipped before the last new rack, that rack's front's
 *				 distance), and the groups are merged on it.  Two full laps:
 *				 the first only fills the lists, so the second sees the
 *				 wrap-around.  O(T * (K + groups)).
 *
 * IDENTIFICATION
 *		  src/driver/tokenmap.c
 *
 *-------------------------------------------------------------------------
 */
#include "tokenmap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define TM_CACHE_MAX	32
#define TM_TABLE_BUDGET ((size_t) 4 * 1024 * 1024)	/* table entries, all plans */
#define TM_TABLE_HOSTS	65536	/* table entries are uint16_t host indexes */
#define TM_MAX_TOKENS	(INT_MAX / 4)

#define CLASS_PREFIX	"org.apache.cassandra.locator."

struct cql__replication
{
	cql__repl_kind kind;
	int			rf;				/* SIMPLE: the placement factor */
	int			ndcs;			/* NTS: DCs, sorted by name */
	char	  **dc_names;
	int		   *dc_rf;
	uint64_t	hash;			/* of all of the above */
};

/* a replication setting resolved against one map, and its table */
typedef struct tm_plan
{
	cql__replication *key;		/* a copy of the setting */
	bool		simple;			/* one group of every member, one rack */
	int		   *grf;			/* per group: min(RF, members) */
	int			k;				/* sum of grf: replicas per token */
	uint16_t   *table;			/* ring size * k, or NULL: walk */
} tm_plan;

/* what lookups change in a map: the plan cache and walk()'s scratch */
typedef struct tm_mut
{
	tm_plan		plans[TM_CACHE_MAX];
	int			nplans;
	size_t		table_entries;	/* of all plans, within TM_TABLE_BUDGET */

	uint32_t	stamp;
	uint32_t   *host_seen;		/* == stamp: accepted in this walk */
	uint32_t   *host_skipped;	/* == stamp: in its group's skip list */
	uint32_t   *rack_used;		/* == stamp: the rack holds a replica */
	int		   *skip_next;		/* per host: the skip lists */
	int		   *g_count;		/* per group: replicas so far */
	int		   *g_racks;		/* per group: racks used so far */
	int		   *g_skip_head;
	int		   *g_skip_tail;
	int		   *g_rf;			/* resolve() output when no plan is cached */
} tm_mut;

struct cql__tokenmap
{
	int			nhosts;
	int			ntok;			/* ring size T */
	int64_t    *ring_tok;		/* sorted, distinct */
	int		   *ring_host;
	int			nmembers;		/* hosts that own a ring token */
	int		   *host_dc;		/* per host, -1 for non-members */
	int		   *host_rack;		/* global rack id, -1 for non-members */
	int			ndc;
	char	  **dc_name;
	int		   *dc_members;
	int		   *dc_racks;
	int			nracks;
	tm_mut	   *mut;			/* not const through a const map */
};

/* ---------- replication settings ---------- */

static char *
dupstr(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

/* ASCII case-insensitive equality, as Java's equalsIgnoreCase for ASCII */
static bool
eq_nocase(const char *a, const char *b)
{
	for (;; a++, b++)
	{
		char		x = (*a >= 'A' && *a <= 'Z') ? (char) (*a - 'A' + 'a') : *a;
		char		y = (*b >= 'A' && *b <= 'Z') ? (char) (*b - 'A' + 'a') : *b;

		if (x != y)
			return false;
		if (x == '\0')
			return true;
	}
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
	{
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t
replication_hash(const cql__replication *r)
{
	uint64_t	h = UINT64_C(0xcbf29ce484222325);
	int			v[3] = {(int) r->kind, r->rf, r->ndcs};

	h = fnv(h, v, sizeof(v));
	for (int i = 0; i < r->ndcs; i++)
	{
		h = fnv(h, r->dc_names[i], strlen(r->dc_names[i]) + 1);
		h = fnv(h, &r->dc_rf[i], sizeof(int));
	}
	return h;
}

static bool
replication_equal(const cql__replication *a, const cql__replication *b)
{
	if (a->hash != b->hash || a->kind != b->kind || a->rf != b->rf ||
		a->ndcs != b->ndcs)
		return false;
	for (int i = 0; i < a->ndcs; i++)
		if (a->dc_rf[i] != b->dc_rf[i] || strcmp(a->dc_names[i], b->dc_names[i]) != 0)
			return false;
	return true;
}

void
cql__replication_free(cql__replication *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->ndcs; i++)
		free(r->dc_names[i]);
	free(r->dc_names);
	free(r->dc_rf);
	free(r);
}

static cql__replication *
replication_new(cql__repl_kind kind, int rf, int ndcs)
{
	cql__replication *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->kind = kind;
	r->rf = rf;
	if (ndcs > 0)
	{
		r->dc_names = calloc((size_t) ndcs, sizeof(char *));
		r->dc_rf = calloc((size_t) ndcs, sizeof(int));
		if (r->dc_names == NULL || r->dc_rf == NULL)
		{
			cql__replication_free(r);
			return NULL;
		}
	}
	return r;
}

static cql__replication *
replication_copy(const cql__replication *src)
{
	cql__replication *r = replication_new(src->kind, src->rf, src->ndcs);

	if (r == NULL)
		return NULL;
	for (int i = 0; i < src->ndcs; i++)
	{
		if ((r->dc_names[i] = dupstr(src->dc_names[i])) == NULL)
		{
			cql__replication_free(r);
			return NULL;
		}
		r->ndcs = i + 1;
		r->dc_rf[i] = src->dc_rf[i];
	}
	r->hash = src->hash;
	return r;
}

/* "N" or "N/T", decimal digits only, 0 <= T < N unless T == 0 */
static bool
parse_factor(const char *s, int *all)
{
	long long	v[2] = {0, 0};
	int			part = 0;
	bool		digits = false;

	for (const char *p = s;; p++)
	{
		if (*p >= '0' && *p <= '9')
		{
			v[part] = v[part] * 10 + (*p - '0');
			if (v[part] > INT_MAX)
				return false;
			digits = true;
		}
		else if (*p == '/' && part == 0 && digits)
		{
			part = 1;
			digits = false;
		}
		else if (*p == '\0' && digits)
			break;
		else
			return false;
	}
	if (part == 1 && v[1] != 0 && v[1] >= v[0])
		return false;
	*all = (int) v[0];
	return true;
}

int
cql__replication_parse(const char *const *keys, const char *const *values, int n,
					   cql__replication **out, cql_error *err)
{
	const char *cls = NULL;
	const char *name;
	cql__repl_kind kind;
	cql__replication *r;
	int			rf = 0;
	int			ndcs = 0;

	if (out == NULL)
	{
		cql_error_set(err, CQL_EINVAL, "replication: no output pointer");
		return CQL_EINVAL;
	}
	*out = NULL;
	if (n < 0 || (n > 0 && (keys == NULL || values == NULL)))
	{
		cql_error_set(err, CQL_EINVAL, "replication: bad map");
		return CQL_EINVAL;
	}
	for (int i = 0; i < n; i++)
	{
		if (keys[i] == NULL || values[i] == NULL)
		{
			cql_error_set(err, CQL_EINVAL, "replication: null key or value");
			return CQL_EINVAL;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(keys[i], keys[j]) == 0)
			{
				cql_error_set(err, CQL_EINVAL, "replication: duplicate key \"%s\"", keys[i]);
				return CQL_EINVAL;
			}
		if (strcmp(keys[i], "class") == 0)
			cls = values[i];
	}
	if (cls == NULL)
	{
		cql_error_set(err, CQL_EINVAL, "replication: no class");
		return CQL_EINVAL;
	}
	name = cls;
	if (strncmp(name, CLASS_PREFIX, strlen(CLASS_PREFIX)) == 0)
		name += strlen(CLASS_PREFIX);
	if (strcmp(name, "SimpleStrategy") == 0)
		kind = CQL__REPL_SIMPLE;
	else if (strcmp(name, "NetworkTopologyStrategy") == 0)
		kind = CQL__REPL_NTS;
	else if (strcmp(name, "LocalStrategy") == 0)
		kind = CQL__REPL_LOCAL;
	else if (strcmp(name, "EverywhereStrategy") == 0)
		kind = CQL__REPL_EVERYWHERE;
	else
	{
		cql_error_set(err, CQL_EINVAL, "replication: unknown class \"%s\"", cls);
		return CQL_EINVAL;
	}

	if (kind == CQL__REPL_SIMPLE)
	{
		const char *v = NULL;

		for (int i = 0; i < n; i++)
			if (strcmp(keys[i], "replication_factor") == 0)
				v = values[i];
		if (v == NULL)
		{
			cql_error_set(err, CQL_EINVAL, "replication: SimpleStrategy without replication_factor");
			return CQL_EINVAL;
		}
		if (!parse_factor(v, &rf))
		{
			cql_error_set(err, CQL_EINVAL, "replication: bad replication_factor \"%s\"", v);
			return CQL_EINVAL;
		}
	}
	else if (kind == CQL__REPL_NTS)
	{
		for (int i = 0; i < n; i++)
		{
			int			dummy;

			if (strcmp(keys[i], "class") == 0)
				continue;
			if (eq_nocase(keys[i], "replication_factor"))
			{
				cql_error_set(err, CQL_EINVAL,
							  "replication: replication_factor is no option of NetworkTopologyStrategy");
				return CQL_EINVAL;
			}
			if (!parse_factor(values[i], &dummy))
			{
				cql_error_set(err, CQL_EINVAL, "replication: bad factor \"%s\" for DC \"%s\"",
							  values[i], keys[i]);
				return CQL_EINVAL;
			}
			ndcs++;
		}
	}

	r = replication_new(kind, kind == CQL__REPL_EVERYWHERE ? INT_MAX : rf, ndcs);
	if (r == NULL)
		goto nomem;
	if (kind == CQL__REPL_NTS)
	{
		/* insertion sort by name: a handful of DCs */
		for (int i = 0; i < n; i++)
		{
			int			j;
			int			f = 0;
			char	   *dc;

			if (strcmp(keys[i], "class") == 0)
				continue;
			(void) parse_factor(values[i], &f);
			if ((dc = dupstr(keys[i])) == NULL)
				goto nomem;
			for (j = r->ndcs; j > 0 && strcmp(r->dc_names[j - 1], dc) > 0; j--)
			{
				r->dc_names[j] = r->dc_names[j - 1];
				r->dc_rf[j] = r->dc_rf[j - 1];
			}
			r->dc_names[j] = dc;
			r->dc_rf[j] = f;
			r->ndcs++;
		}
	}
	r->hash = replication_hash(r);
	*out = r;
	return CQL_OK;

nomem:
	cql__replication_free(r);
	cql_error_set(err, CQL_ENOMEM, "replication: out of memory");
	return CQL_ENOMEM;
}

cql__repl_kind
cql__replication_kind(const cql__replication *r)
{
	return r ? r->kind : 0;
}

static int
nts_factor(const cql__replication *r, const char *dc)
{
	int			lo = 0,
				hi = r->ndcs - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(r->dc_names[mid], dc);

		if (c == 0)
			return r->dc_rf[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

int
cql__replication_factor(const cql__replication *r, const char *dc)
{
	if (r == NULL)
		return -1;
	if (r->kind == CQL__REPL_SIMPLE)
		return r->rf;
	if (r->kind == CQL__REPL_NTS && dc != NULL)
		return nts_factor(r, dc);
	return -1;
}

/* ---------- building the map ---------- */

typedef struct tm_pair
{
	int64_t		token;
	int			host;
} tm_pair;

static int
cmp_pair(const void *a, const void *b)
{
	const tm_pair *pa = a,
			   *pb = b;

	if (pa->token != pb->token)
		return pa->token < pb->token ? -1 : 1;
	return (pa->host > pb->host) - (pa->host < pb->host);
}

static void
mut_free(tm_mut *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->nplans; i++)
	{
		cql__replication_free(m->plans[i].key);
		free(m->plans[i].grf);
		free(m->plans[i].table);
	}
	free(m->host_seen);
	free(m->host_skipped);
	free(m->rack_used);
	free(m->skip_next);
	free(m->g_count);
	free(m->g_racks);
	free(m->g_skip_head);
	free(m->g_skip_tail);
	free(m->g_rf);
	free(m);
}

void
cql__tokenmap_free(cql__tokenmap *tm)
{
	if (tm == NULL)
		return;
	mut_free(tm->mut);
	for (int i = 0; i < tm->ndc; i++)
		free(tm->dc_name[i]);
	free(tm->dc_name);
	free(tm->dc_members);
	free(tm->dc_racks);
	free(tm->ring_tok);
	free(tm->ring_host);
	free(tm->host_dc);
	free(tm->host_rack);
	free(tm);
}

/* calloc of at least one element, so that empty maps need no special case */
static void *
zalloc(size_t n, size_t size)
{
	return calloc(n > 0 ? n : 1, size);
}

cql__tokenmap *
cql__tokenmap_build(const cql__tm_host *hosts, int nhosts, cql_error *err)
{
	cql__tokenmap *tm = NULL;
	tm_pair    *pairs = NULL;
	const char **rack_name = NULL;
	int		   *rack_dc = NULL;
	size_t		total = 0;
	int			t;
	tm_mut	   *m;

	if (nhosts < 0 || (nhosts > 0 && hosts == NULL))
	{
		cql_error_set(err, CQL_EINVAL, "token map: bad host array");
		return NULL;
	}
	for (int h = 0; h < nhosts; h++)
	{
		if (hosts[h].ntokens < 0 || (hosts[h].ntokens > 0 && hosts[h].tokens == NULL))
		{
			cql_error_set(err, CQL_EINVAL, "token map: bad tokens of host %d", h);
			return NULL;
		}
		total += (size_t) hosts[h].ntokens;
		if (total > TM_MAX_TOKENS)
		{
			cql_error_set(err, CQL_EINVAL, "token map: too many tokens");
			return NULL;
		}
	}

	if ((tm = calloc(1, sizeof(*tm))) == NULL)
		goto nomem;
	tm->nhosts = nhosts;
	pairs = zalloc(total, sizeof(tm_pair));
	tm->ring_tok = zalloc(total, sizeof(int64_t));
	tm->ring_host = zalloc(total, sizeof(int));
	tm->host_dc = zalloc((size_t) nhosts, sizeof(int));
	tm->host_rack = zalloc((size_t) nhosts, sizeof(int));
	tm->dc_name = zalloc((size_t) nhosts, sizeof(char *));
	tm->dc_members = zalloc((size_t) nhosts, sizeof(int));
	tm->dc_racks = zalloc((size_t) nhosts, sizeof(int));
	rack_name = zalloc((size_t) nhosts, sizeof(char *));
	rack_dc = zalloc((size_t) nhosts, sizeof(int));
	if (pairs == NULL || tm->ring_tok == NULL || tm->ring_host == NULL ||
		tm->host_dc == NULL || tm->host_rack == NULL || tm->dc_name == NULL ||
		tm->dc_members == NULL || tm->dc_racks == NULL || rack_name == NULL ||
		rack_dc == NULL)
		goto nomem;

	/* the ring: sorted, a token claimed twice stays with the lower index */
	t = 0;
	for (int h = 0; h < nhosts; h++)
		for (int i = 0; i < hosts[h].ntokens; i++)
		{
			pairs[t].token = hosts[h].tokens[i];
			pairs[t].host = h;
			t++;
		}
	if (t > 1)
		qsort(pairs, (size_t) t, sizeof(tm_pair), cmp_pair);
	tm->ntok = 0;
	for (int i = 0; i < t; i++)
	{
		if (i > 0 && pairs[i].token == pairs[i - 1].token)
			continue;
		tm->ring_tok[tm->ntok] = pairs[i].token;
		tm->ring_host[tm->ntok] = pairs[i].host;
		tm->ntok++;
	}

	/* members, their DCs and racks */
	for (int h = 0; h < nhosts; h++)
		tm->host_dc[h] = tm->host_rack[h] = -1;
	for (int i = 0; i < tm->ntok; i++)
		tm->host_dc[tm->ring_host[i]] = -2;
	for (int h = 0; h < nhosts; h++)
	{
		const char *dc = hosts[h].dc ? hosts[h].dc : "";
		const char *rack = hosts[h].rack ? hosts[h].rack : "";
		int			d,
					rk;

		if (tm->host_dc[h] != -2)
			continue;
		for (d = 0; d < tm->ndc; d++)
			if (strcmp(tm->dc_name[d], dc) == 0)
				break;
		if (d == tm->ndc)
		{
			if ((tm->dc_name[d] = dupstr(dc)) == NULL)
				goto nomem;
			tm->ndc++;
		}
		for (rk = 0; rk < tm->nracks; rk++)
			if (rack_dc[rk] == d && strcmp(rack_name[rk], rack) == 0)
				break;
		if (rk == tm->nracks)
		{
			rack_name[rk] = rack;
			rack_dc[rk] = d;
			tm->nracks++;
			tm->dc_racks[d]++;
		}
		tm->host_dc[h] = d;
		tm->host_rack[h] = rk;
		tm->dc_members[d]++;
		tm->nmembers++;
	}

	/* the lookups' scratch */
	if ((m = tm->mut = calloc(1, sizeof(tm_mut))) == NULL)
		goto nomem;
	m->host_seen = zalloc((size_t) nhosts, sizeof(uint32_t));
	m->host_skipped = zalloc((size_t) nhosts, sizeof(uint32_t));
	m->skip_next = zalloc((size_t) nhosts, sizeof(int));
	m->rack_used = zalloc((size_t) tm->nracks, sizeof(uint32_t));
	m->g_count = zalloc((size_t) tm->ndc, sizeof(int));
	m->g_racks = zalloc((size_t) tm->ndc, sizeof(int));
	m->g_skip_head = zalloc((size_t) tm->ndc, sizeof(int));
	m->g_skip_tail = zalloc((size_t) tm->ndc, sizeof(int));
	m->g_rf = zalloc((size_t) tm->ndc, sizeof(int));
	if (m->host_seen == NULL || m->host_skipped == NULL || m->skip_next == NULL ||
		m->rack_used == NULL || m->g_count == NULL || m->g_racks == NULL ||
		m->g_skip_head == NULL || m->g_skip_tail == NULL || m->g_rf == NULL)
		goto nomem;

	free(pairs);
	free(rack_name);
	free(rack_dc);
	return tm;

nomem:
	free(pairs);
	free(rack_name);
	free(rack_dc);
	cql__tokenmap_free(tm);
	cql_error_set(err, CQL_ENOMEM, "token map: out of memory");
	return NULL;
}

int
cql__tokenmap_ring_size(const cql__tokenmap *tm)
{
	return tm ? tm->ntok : 0;
}

int64_t
cql__tokenmap_ring_token(const cql__tokenmap *tm, int i)
{
	return tm->ring_tok[i];
}

/* ---------- groups ---------- */

static inline int
group_of(const cql__tokenmap *tm, bool simple, int h)
{
	return simple ? 0 : tm->host_dc[h];
}

static inline int
rack_of(const cql__tokenmap *tm, bool simple, int h)
{
	return simple ? 0 : tm->host_rack[h];
}

static inline int
group_racks(const cql__tokenmap *tm, bool simple, int g)
{
	return simple ? 1 : tm->dc_racks[g];
}

static inline int
ngroups(const cql__tokenmap *tm, bool simple)
{
	return simple ? 1 : tm->ndc;
}

/*
 * r against tm: whether it is one group of everything, and each group's
 * replica count in grf (room for max(ndc, 1)); returns their sum.
 */
static int
resolve(const cql__tokenmap *tm, const cql__replication *r, bool *simple, int *grf)
{
	int			k = 0;

	*simple = r->kind != CQL__REPL_NTS;
	if (tm->nmembers == 0)
	{
		grf[0] = 0;
		return 0;
	}
	switch (r->kind)
	{
		case CQL__REPL_SIMPLE:
		case CQL__REPL_EVERYWHERE:
			grf[0] = r->rf < tm->nmembers ? r->rf : tm->nmembers;
			return grf[0];
		case CQL__REPL_NTS:
			for (int d = 0; d < tm->ndc; d++)
			{
				int			f = nts_factor(r, tm->dc_name[d]);

				grf[d] = f < tm->dc_members[d] ? f : tm->dc_members[d];
				k += grf[d];
			}
			return k;
		case CQL__REPL_LOCAL:
			break;
	}
	grf[0] = 0;
	return 0;
}

/* the ring position of token's primary replica; ntok > 0 */
static int
ring_pos(const cql__tokenmap *tm, int64_t token)
{
	int			lo = 0,
				hi = tm->ntok;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (tm->ring_tok[mid] < token)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == tm->ntok ? 0 : lo;
}

/* ---------- the walk ---------- */

static int
walk(const cql__tokenmap *tm, bool simple, const int *grf, int pos, int *out, int max)
{
	tm_mut	   *m = tm->mut;
	int			ng = ngroups(tm, simple);
	int			left = 0;
	int			written = 0;
	uint32_t	st;

	if (++m->stamp == 0)
	{
		memset(m->host_seen, 0, sizeof(uint32_t) * (size_t) tm->nhosts);
		memset(m->host_skipped, 0, sizeof(uint32_t) * (size_t) tm->nhosts);
		memset(m->rack_used, 0, sizeof(uint32_t) * (size_t) tm->nracks);
		m->stamp = 1;
	}
	st = m->stamp;
	for (int g = 0; g < ng; g++)
	{
		m->g_count[g] = 0;
		m->g_racks[g] = 0;
		m->g_skip_head[g] = m->g_skip_tail[g] = -1;
		if (grf[g] > 0)
			left++;
	}

#define ACCEPT(host, grp) \
	do { \
		if (written < max) \
			out[written] = (host); \
		written++; \
		m->host_seen[(host)] = st; \
		if (++m->g_count[(grp)] == grf[(grp)]) \
			left--; \
	} while (0)

	for (int step = 0, i = pos; step < tm->ntok && left > 0 && written < max; step++)
	{
		int			h = tm->ring_host[i];
		int			g = group_of(tm, simple, h);
		int			rk = rack_of(tm, simple, h);

		if (++i == tm->ntok)
			i = 0;
		if (m->g_count[g] >= grf[g] || m->host_seen[h] == st)
			continue;
		if (m->rack_used[rk] == st && m->g_racks[g] < group_racks(tm, simple, g))
		{
			/* a rack this group already used, while others are unused */
			if (m->host_skipped[h] != st)
			{
				m->host_skipped[h] = st;
				m->skip_next[h] = -1;
				if (m->g_skip_tail[g] < 0)
					m->g_skip_head[g] = h;
				else
					m->skip_next[m->g_skip_tail[g]] = h;
				m->g_skip_tail[g] = h;
			}
			continue;
		}
		ACCEPT(h, g);
		if (m->rack_used[rk] != st)
		{
			m->rack_used[rk] = st;
			if (++m->g_racks[g] == group_racks(tm, simple, g))
			{
				/* every rack used: the skipped hosts join, in order */
				for (int s = m->g_skip_head[g]; s >= 0 && m->g_count[g] < grf[g]; s = m->skip_next[s])
					ACCEPT(s, g);
			}
		}
	}
#undef ACCEPT
	return written < max ? written : max;
}

/* ---------- the table ---------- */

typedef struct tm_sweep
{
	int		   *hn,
			   *hp;				/* per host: group host list */
	int		   *rn,
			   *rp;				/* per rack: group rack list */
	int		   *ghead;			/* per group: host list head */
	int		   *rhead;			/* per group: rack list head */
	int		   *front;			/* per rack: its first host */
	int		   *pos;			/* per host: next ring position */
	int		   *thost;			/* per replica slot: chosen host */
	int		   *tkey;			/* and the walk step accepting it */
	int		   *gstart;			/* per group: its slots */
	int		   *gidx;
} tm_sweep;

/* move x to the front of the list at *head (x may be in no list: *prev == -2) */
static inline void
to_front(int *next, int *prev, int *head, int x)
{
	if (*head == x)
		return;
	if (prev[x] != -2)
	{
		next[prev[x]] = next[x];
		if (next[x] >= 0)
			prev[next[x]] = prev[x];
	}
	prev[x] = -1;
	next[x] = *head;
	if (*head >= 0)
		prev[*head] = x;
	*head = x;
}

static void
precompute(const cql__tokenmap *tm, tm_plan *p, tm_sweep *s)
{
	int			T = tm->ntok;
	int			ng = ngroups(tm, p->simple);
	int			nr = p->simple ? 1 : tm->nracks;

	for (int h = 0; h < tm->nhosts; h++)
		s->hp[h] = -2, s->hn[h] = -1;
	for (int r = 0; r < nr; r++)
		s->rp[r] = -2, s->rn[r] = -1;
	for (int g = 0; g < ng; g++)
		s->ghead[g] = s->rhead[g] = -1;

	for (int lap = 0; lap < 2; lap++)
		for (int i = T - 1; i >= 0; i--)
		{
			int			h = tm->ring_host[i];
			int			g = group_of(tm, p->simple, h);
			int			rk = rack_of(tm, p->simple, h);
			uint16_t   *row;
			int			slot = 0;

			if (p->grf[g] > 0)
			{
				s->pos[h] = i;
				to_front(s->hn, s->hp, &s->ghead[g], h);
				s->front[rk] = h;
				to_front(s->rn, s->rp, &s->rhead[g], rk);
			}
			if (lap == 0)
				continue;

			/* each group's choice, in walk order */
			for (int gg = 0; gg < ng; gg++)
			{
				int			k = p->grf[gg];
				int			R = group_racks(tm, p->simple, gg);
				int			last = 0;
				int			r = s->rhead[gg];

				s->gstart[gg] = slot;
				s->gidx[gg] = slot;
				if (k == 0)
					continue;
				for (int j = 0; j < k && j < R; j++, r = s->rn[r])
				{
					int			x = s->front[r];

					s->thost[slot] = x;
					last = s->tkey[slot] = s->pos[x] >= i ? s->pos[x] - i : s->pos[x] + T - i;
					slot++;
				}
				for (int x = s->ghead[gg], need = k - R; need > 0; x = s->hn[x])
				{
					int			d;

					if (s->front[rack_of(tm, p->simple, x)] == x)
						continue;
					d = s->pos[x] >= i ? s->pos[x] - i : s->pos[x] + T - i;
					s->thost[slot] = x;
					s->tkey[slot] = d > last ? d : last;
					slot++;
					need--;
				}
			}

			/* merge the groups on the step; keys never tie across groups */
			row = p->table + (size_t) i * (size_t) p->k;
			for (int n = 0; n < p->k; n++)
			{
				int			best = -1;

				for (int gg = 0; gg < ng; gg++)
				{
					int			end = gg + 1 < ng ? s->gstart[gg + 1] : slot;

					if (s->gidx[gg] < end &&
						(best < 0 || s->tkey[s->gidx[gg]] < s->tkey[s->gidx[best]]))
						best = gg;
				}
				row[n] = (uint16_t) s->thost[s->gidx[best]++];
			}
		}
}

static int
plan_table(const cql__tokenmap *tm, tm_plan *p)
{
	int			nh = tm->nhosts;
	int			nr = tm->nracks;
	int			ng = tm->ndc > 0 ? tm->ndc : 1;
	tm_sweep	s;
	int		   *block;
	size_t		words;

	p->table = malloc(sizeof(uint16_t) * (size_t) tm->ntok * (size_t) p->k);
	words = (size_t) nh * 3 + ((size_t) nr + 1) * 3 + (size_t) ng * 4 + (size_t) p->k * 2;
	block = malloc(sizeof(int) * words);
	if (p->table == NULL || block == NULL)
	{
		free(p->table);
		p->table = NULL;
		free(block);
		return CQL_ENOMEM;
	}
	s.hn = block;
	s.hp = s.hn + nh;
	s.pos = s.hp + nh;
	s.rn = s.pos + nh;
	s.rp = s.rn + nr + 1;
	s.front = s.rp + nr + 1;
	s.ghead = s.front + nr + 1;
	s.rhead = s.ghead + ng;
	s.gstart = s.rhead + ng;
	s.gidx = s.gstart + ng;
	s.thost = s.gidx + ng;
	s.tkey = s.thost + p->k;
	precompute(tm, p, &s);
	free(block);
	return CQL_OK;
}

/*
 * The cached plan of r, made if needed; NULL when the cache is full (*rc
 * CQL_OK) or memory ran out (*rc CQL_ENOMEM).
 */
static tm_plan *
get_plan(const cql__tokenmap *tm, const cql__replication *r, int *rc)
{
	tm_mut	   *m = tm->mut;
	tm_plan    *p;

	*rc = CQL_OK;
	for (int i = 0; i < m->nplans; i++)
		if (replication_equal(m->plans[i].key, r))
			return &m->plans[i];
	if (m->nplans == TM_CACHE_MAX)
		return NULL;

	p = &m->plans[m->nplans];
	memset(p, 0, sizeof(*p));
	p->key = replication_copy(r);
	p->grf = zalloc((size_t) tm->ndc, sizeof(int));
	if (p->key == NULL || p->grf == NULL)
		goto nomem;
	p->k = resolve(tm, r, &p->simple, p->grf);
	if (p->k > 0 && tm->nhosts <= TM_TABLE_HOSTS &&
		(size_t) tm->ntok * (size_t) p->k <= TM_TABLE_BUDGET - m->table_entries)
	{
		if (plan_table(tm, p) != CQL_OK)
			goto nomem;
		m->table_entries += (size_t) tm->ntok * (size_t) p->k;
	}
	m->nplans++;
	return p;

nomem:
	cql__replication_free(p->key);
	free(p->grf);
	memset(p, 0, sizeof(*p));
	*rc = CQL_ENOMEM;
	return NULL;
}

/* ---------- lookups ---------- */

int
cql__tokenmap_prepare(const cql__tokenmap *tm, const cql__replication *r, cql_error *err)
{
	int			rc;

	if (tm == NULL || r == NULL)
	{
		cql_error_set(err, CQL_EINVAL, "token map: no map or replication");
		return CQL_EINVAL;
	}
	if (r->kind == CQL__REPL_LOCAL || tm->ntok == 0)
		return CQL_OK;
	(void) get_plan(tm, r, &rc);
	if (rc != CQL_OK)
		cql_error_set(err, rc, "token map: out of memory");
	return rc;
}

int
cql__tokenmap_replicas(const cql__tokenmap *tm, const cql__replication *r,
					   int64_t token, int *out, int max)
{
	tm_plan    *p;
	int			rc;
	int			pos;

	if (tm == NULL || r == NULL || out == NULL || max <= 0 || tm->ntok == 0 ||
		r->kind == CQL__REPL_LOCAL)
		return 0;
	p = get_plan(tm, r, &rc);
	pos = ring_pos(tm, token);
	if (p != NULL)
	{
		int			n = p->k < max ? p->k : max;

		if (p->k == 0)
			return 0;
		if (p->table != NULL)
		{
			const uint16_t *row = p->table + (size_t) pos * (size_t) p->k;

			for (int i = 0; i < n; i++)
				out[i] = row[i];
			return n;
		}
		return walk(tm, p->simple, p->grf, pos, out, max);
	}
	return cql__tokenmap_walk(tm, r, token, out, max);
}

int
cql__tokenmap_walk(const cql__tokenmap *tm, const cql__replication *r,
				   int64_t token, int *out, int max)
{
	bool		simple;

	if (tm == NULL || r == NULL || out == NULL || max <= 0 || tm->ntok == 0 ||
		r->kind == CQL__REPL_LOCAL)
		return 0;
	if (resolve(tm, r, &simple, tm->mut->g_rf) == 0)
		return 0;
	return walk(tm, simple, tm->mut->g_rf, ring_pos(tm, token), out, max);
}
