/*-------------------------------------------------------------------------
 *
 * ring.c
 *		  The token ring as ranges with their replicas, for split scans.
 *
 * A full scan of a table reads it range by range ("token(pk) > a AND
 * token(pk) <= b"), each range from a replica that owns it.  This file
 * turns the session's token map into those ranges, a snapshot that stays
 * valid however the topology changes afterwards, and cuts a range into
 * even parts.
 *
 * IDENTIFICATION
 *		  src/driver/ring.c
 *
 *-------------------------------------------------------------------------
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cql_token_ring
{
	int			nranges;
	cql_token_range *ranges;
	int			nhosts;
	char	  **hosts;			/* "address:port", each once */
	const char **replica_slots; /* every range's replicas, pointers into hosts */
};

void
cql_token_ring_free(cql_token_ring *ring)
{
	if (ring == NULL)
		return;
	for (int i = 0; i < ring->nhosts; i++)
		free(ring->hosts[i]);
	free(ring->hosts);
	free(ring->replica_slots);
	free(ring->ranges);
	free(ring);
}

int
cql_token_ring_count(const cql_token_ring *ring)
{
	return ring ? ring->nranges : 0;
}

const cql_token_range *
cql_token_ring_range(const cql_token_ring *ring, int i)
{
	if (ring == NULL || i < 0 || i >= ring->nranges)
		return NULL;
	return &ring->ranges[i];
}

int
cql_token_ring_host_count(const cql_token_ring *ring)
{
	return ring ? ring->nhosts : 0;
}

static const cql__replication *
replication_of(cql_session *s, const char *keyspace)
{
	for (int i = 0; i < s->nkeyspaces; i++)
		if (strcmp(s->keyspaces[i].name, keyspace) == 0)
			return s->keyspaces[i].replication;
	return NULL;
}

/* the ring's string of session host idx, added on first use; NULL: no memory */
static const char *
ring_host(cql_token_ring *ring, int *ring_index_of, const cql__host *h)
{
	char		text[80];
	int			n;

	if (ring_index_of[h->index] >= 0)
		return ring->hosts[ring_index_of[h->index]];
	n = snprintf(text, sizeof(text), strchr(h->address, ':') ? "[%s]:%d" : "%s:%d",
				 h->address, h->port);
	if (n < 0 || (ring->hosts[ring->nhosts] = malloc((size_t) n + 1)) == NULL)
		return NULL;
	memcpy(ring->hosts[ring->nhosts], text, (size_t) n + 1);
	ring_index_of[h->index] = ring->nhosts;
	return ring->hosts[ring->nhosts++];
}

int
cql_session_token_ring(cql_session *s, const char *keyspace, cql_token_ring **out,
					   cql_error *err)
{
	const cql__tokenmap *tm;
	const cql__replication *repl;
	cql_token_ring *ring;
	int			ntok;
	int			maxrep;
	int		   *rep = NULL;
	int		   *ring_index_of = NULL;
	size_t		slot = 0;

	if (out == NULL)
	{
		cql_error_set(err, CQL_EINVAL, "token ring: no output pointer");
		return CQL_EINVAL;
	}
	*out = NULL;
	if (s == NULL || keyspace == NULL)
	{
		cql_error_set(err, CQL_EINVAL, "token ring: no session or keyspace");
		return CQL_EINVAL;
	}
	tm = s->tokenmap;
	ntok = tm ? cql__tokenmap_ring_size(tm) : 0;
	repl = tm ? replication_of(s, keyspace) : NULL;
	maxrep = s->nhosts > 0 ? s->nhosts : 1;

	if ((ring = calloc(1, sizeof(*ring))) == NULL)
		goto nomem;
	/* at most ntok + 1 ranges: the wrap-around one is cut in two */
	ring->ranges = calloc((size_t) ntok + 1, sizeof(cql_token_range));
	ring->hosts = calloc((size_t) maxrep, sizeof(char *));
	ring->replica_slots = calloc(((size_t) ntok + 1) * (size_t) maxrep, sizeof(char *));
	rep = calloc((size_t) maxrep, sizeof(int));
	ring_index_of = malloc(sizeof(int) * (size_t) maxrep);
	if (ring->ranges == NULL || ring->hosts == NULL || ring->replica_slots == NULL ||
		rep == NULL || ring_index_of == NULL)
		goto nomem;
	for (int i = 0; i < maxrep; i++)
		ring_index_of[i] = -1;

	if (ntok == 0)
	{
		ring->ranges[0].start = INT64_MIN;
		ring->ranges[0].end = INT64_MAX;
		ring->ranges[0].replicas = ring->replica_slots;
		ring->nranges = 1;
	}
	else
	{
		/* range k ends at ring token k (k = ntok: at INT64_MAX, wrapping) */
		for (int k = 0; k <= ntok; k++)
		{
			int64_t		start = k == 0 ? INT64_MIN : cql__tokenmap_ring_token(tm, k - 1);
			int64_t		end = k == ntok ? INT64_MAX : cql__tokenmap_ring_token(tm, k);
			cql_token_range *r = &ring->ranges[ring->nranges];
			const char **slots = ring->replica_slots + slot;
			int			n = 0;

			if (start >= end)
				continue;		/* a ring token at INT64_MIN or INT64_MAX */
			if (repl != NULL)
				n = cql__tokenmap_replicas(tm, repl, end, rep, maxrep);
			for (int i = 0; i < n; i++)
			{
				const char *h = ring_host(ring, ring_index_of, s->hosts[s->tm_hosts[rep[i]]]);

				if (h == NULL)
					goto nomem;
				slots[i] = h;
			}
			r->start = start;
			r->end = end;
			r->nreplicas = n;
			r->replicas = slots;
			slot += (size_t) n;
			ring->nranges++;
		}
	}
	free(rep);
	free(ring_index_of);
	*out = ring;
	return CQL_OK;

nomem:
	free(rep);
	free(ring_index_of);
	cql_token_ring_free(ring);
	cql_error_set(err, CQL_ENOMEM, "token ring: out of memory");
	return CQL_ENOMEM;
}

int
cql_token_range_split(int64_t start, int64_t end, int n, int64_t *bounds)
{
	uint64_t	width;

	if (start >= end || n < 1 || bounds == NULL)
		return CQL_EINVAL;
	/* the width fits uint64_t: at most 2^64 - 1 */
	width = (uint64_t) end - (uint64_t) start;
	if ((uint64_t) n > width)
		n = (int) width;
	for (int i = 0; i <= n; i++)
	{
		/* start + width * i / n, without overflow: split width = q * n + r */
		uint64_t	q = width / (uint64_t) n;
		uint64_t	r = width % (uint64_t) n;
		uint64_t	off = q * (uint64_t) i + (r * (uint64_t) i) / (uint64_t) n;

		bounds[i] = (int64_t) ((uint64_t) start + off);
	}
	bounds[n] = end;
	return n;
}
