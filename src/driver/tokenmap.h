/*-------------------------------------------------------------------------
 *
 * tokenmap.h
 *		  The token ring and Cassandra's replica placement (internal).
 *
 * Pure computation: no I/O, no libuv.  The caller gathers, per host, its
 * data center, rack and tokens (system.local / system.peers) and builds an
 * immutable cql__tokenmap; it parses each keyspace's replication map
 * (system_schema.keyspaces.replication) into a cql__replication; then
 * cql__tokenmap_replicas() names the hosts holding a token, as indexes into
 * the host array given to the build.
 *
 * Placement (Cassandra's SimpleStrategy and NetworkTopologyStrategy):
 *
 * - The ring is every (token, host) pair sorted by token.  A token that two
 *   hosts claim stays with the lower host index.  A token's primary replica
 *   owns the first ring token >= it, wrapping to the first.  Only hosts with
 *   a ring token take part ("members"); the others are never replicas.
 * - SimpleStrategy: walk the ring clockwise from the primary, collecting
 *   distinct hosts until RF (or every member).
 * - NetworkTopologyStrategy: the same walk; in each DC of the replication, a
 *   host of a rack the DC already used is skipped until every rack of that
 *   DC (among its members) holds a replica, then the skipped hosts join in
 *   the order they were skipped, and later ones in walk order, up to the
 *   DC's RF or its member count.  A NULL dc or rack reads as "".
 * - Order of the result: the order in which that single clockwise walk
 *   accepts hosts, all DCs interleaved (Cassandra's own and the Java
 *   driver's order), skipped hosts placed right after the host that used
 *   the DC's last rack.  So out[0] is the primary replica whenever its DC
 *   replicates.  (The Python driver groups by DC instead: same sets.)
 *   Cassandra itself (DatacenterEndpoints) takes a rack repeat as soon as
 *   the walk meets it, within a budget of RF - racks: the same set of
 *   replicas, in a different order within a DC.
 * - EverywhereStrategy: every member, in walk order.  LocalStrategy: none
 *   (only the coordinator holds the data: any host will do).
 *
 * Costs (T ring tokens, H hosts, K replicas per token): the build sorts the
 * ring, O(T log T + H * (DCs + racks)) time and O(T + H) memory.  The first
 * lookup for a replication setting precomputes every ring position's
 * replica list in O(T * (K + DCs)) time, into T * K 16-bit entries cached
 * in the map, keyed by the setting's content (up to 32 settings, 4M
 * entries = 8 MB for them all); after that a lookup is a binary search and
 * a copy, O(log T + K).  (500 hosts x 256 vnodes x RF 3: 384K entries.)
 * Past those limits (e.g. EverywhereStrategy on a large cluster), above
 * 65536 hosts, or when memory runs out, lookups walk the ring instead: the
 * same answer, O(T) worst case, typically O(K log H) steps.
 *
 * Not thread-safe: that lazy cache lives in the map, so use a map from one
 * thread at a time (the driver uses it on its loop).
 *
 * IDENTIFICATION
 *		  src/driver/tokenmap.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_TOKENMAP_H
#define CQL_TOKENMAP_H

#include "cql.h"

/* one host of the build's input; the map copies what it needs */
typedef struct cql__tm_host
{
	const char *dc;				/* NULL reads as "" */
	const char *rack;			/* NULL reads as "" */
	const int64_t *tokens;		/* Murmur3 tokens, any order */
	int			ntokens;
} cql__tm_host;

typedef struct cql__tokenmap cql__tokenmap;

/*
 * A map of hosts[0..nhosts): the replicas it names are those indexes.  Zero
 * hosts, or hosts without tokens, make an empty map (every lookup answers
 * no replica).  NULL with err set: CQL_EINVAL (nhosts < 0, a NULL array,
 * ntokens < 0), CQL_ENOMEM.
 */
extern cql__tokenmap *cql__tokenmap_build(const cql__tm_host *hosts, int nhosts,
										  cql_error *err);
extern void cql__tokenmap_free(cql__tokenmap *tm);

/* the number of ring tokens (distinct tokens owned by some host) */
extern int	cql__tokenmap_ring_size(const cql__tokenmap *tm);
/* ring token i, 0 <= i < ring size, in ascending order */
extern int64_t cql__tokenmap_ring_token(const cql__tokenmap *tm, int i);

/* ---------- replication settings ---------- */

typedef enum cql__repl_kind
{
	CQL__REPL_SIMPLE = 1,
	CQL__REPL_NTS,				/* NetworkTopologyStrategy */
	CQL__REPL_LOCAL,
	CQL__REPL_EVERYWHERE
} cql__repl_kind;

typedef struct cql__replication cql__replication;

/*
 * A keyspace's replication from its map<text,text> (keys[i] -> values[i]):
 * 'class' is org.apache.cassandra.locator.X or just X, for X in
 * SimpleStrategy (needs 'replication_factor'; other keys are ignored),
 * NetworkTopologyStrategy (every other key is a DC; 'replication_factor'
 * there is refused, as Cassandra does), LocalStrategy, EverywhereStrategy
 * (other keys ignored).  A factor is "N" or Cassandra 4's "N/T" (N replicas
 * of which T transient, 0 <= T < N): placement uses N, the total, which is
 * the number before the '/'.  CQL_EINVAL for a missing or unknown class, a
 * missing or malformed factor, a duplicate key, NULL arguments; CQL_ENOMEM.
 * *out is NULL on error.
 */
extern int	cql__replication_parse(const char *const *keys, const char *const *values,
								   int n, cql__replication **out, cql_error *err);
extern void cql__replication_free(cql__replication *r);

extern cql__repl_kind cql__replication_kind(const cql__replication *r);

/*
 * The placement factor (N of "N/T"): SimpleStrategy's (dc ignored), or
 * that of dc in NetworkTopologyStrategy (0 when not listed, -1 for a NULL
 * dc); -1 for the other strategies.
 */
extern int	cql__replication_factor(const cql__replication *r, const char *dc);

/* ---------- lookups ---------- */

/*
 * The replicas of token, host indexes in placement order (above): writes
 * the first min(count, max) to out and returns how many it wrote.  A
 * buffer of nhosts entries never truncates.  0 for an empty map, for
 * LocalStrategy, and for NULL arguments.
 */
extern int	cql__tokenmap_replicas(const cql__tokenmap *tm, const cql__replication *r,
								   int64_t token, int *out, int max);

/*
 * Precompute r's replica lists now rather than at the first lookup:
 * CQL_OK, or CQL_ENOMEM (lookups then walk the ring).
 */
extern int	cql__tokenmap_prepare(const cql__tokenmap *tm, const cql__replication *r,
								  cql_error *err);

/*
 * The same answer as cql__tokenmap_replicas() by walking the ring from the
 * primary, without precomputation: O(ring) per call.  For the tests, and
 * what lookups fall back to.
 */
extern int	cql__tokenmap_walk(const cql__tokenmap *tm, const cql__replication *r,
							   int64_t token, int *out, int max);

#endif							/* CQL_TOKENMAP_H */
