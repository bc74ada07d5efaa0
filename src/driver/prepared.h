/*-------------------------------------------------------------------------
 *
 * prepared.h
 *		  The prepared-statement cache (internal).
 *
 * IDENTIFICATION
 *		  src/driver/prepared.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_PREPARED_H
#define CQL_PREPARED_H

#include "frame.h"

struct cql_prepared
{
	char	   *cql;
	uint64_t	hash;
	cql_result *result;			/* the PREPARED result: id and metadata */
	int			refcount;		/* users; the cache itself holds none */
	bool		cached;			/* still in the cache */
	cql_prepared *chain;		/* hash bucket */
	cql_prepared *lru_prev;
	cql_prepared *lru_next;
};

typedef struct cql__pcache
{
	cql_prepared **buckets;
	int			nbuckets;		/* a power of two */
	int			count;
	int			capacity;
	cql_prepared *lru_head;		/* most recently used */
	cql_prepared *lru_tail;
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	evictions;
} cql__pcache;

extern void cql__pcache_init(cql__pcache *pc, int capacity);
extern void cql__pcache_free(cql__pcache *pc);

/* A referenced entry for cql, or NULL. */
extern cql_prepared *cql__pcache_lookup(cql__pcache *pc, const char *cql);

/* Cache a PREPARED result (taken over); returns it referenced once. */
extern cql_prepared *cql__pcache_insert(cql__pcache *pc, const char *cql,
										cql_result *prepared_result);
extern int	cql__pcache_forget(cql__pcache *pc, const char *keyspace,
							   const char *table);
extern cql_prepared *cql__prepared_ref(cql_prepared *p);

#endif							/* CQL_PREPARED_H */
