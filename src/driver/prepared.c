/*-------------------------------------------------------------------------
 *
 * prepared.c
 *		  The prepared-statement cache of a session.
 *
 * Keyed by CQL text (cql_fdw always qualifies table names, so the text
 * names its keyspace).  An entry holds the PREPARED result: the id, the
 * bind variables with the partition key indexes (the routing key), and the
 * result metadata that lets EXECUTE skip metadata on every page.
 *
 * Entries are reference-counted: a statement being executed, or a result
 * whose columns come from it, keeps its entry alive after eviction.  The
 * cache is bounded; the least recently used unreferenced entries go first.
 *
 * IDENTIFICATION
 *		  src/driver/prepared.c
 *
 *-------------------------------------------------------------------------
 */
#include "prepared.h"

#include <stdlib.h>
#include <string.h>

static uint64_t
hash_text(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s; s++)
	{
		h ^= (uint8_t) *s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
cql__pcache_init(cql__pcache *pc, int capacity)
{
	memset(pc, 0, sizeof(*pc));
	pc->capacity = capacity > 0 ? capacity : 1;
	pc->nbuckets = 64;
	while (pc->nbuckets < pc->capacity)
		pc->nbuckets *= 2;
	pc->buckets = calloc((size_t) pc->nbuckets, sizeof(cql_prepared *));
	if (pc->buckets == NULL)
		pc->nbuckets = 0;
}

static void
prepared_free(cql_prepared *p)
{
	cql_result_free(p->result);
	free(p->cql);
	free(p);
}

static void
unlink_entry(cql__pcache *pc, cql_prepared *p)
{
	cql_prepared **pp = &pc->buckets[p->hash & (uint64_t) (pc->nbuckets - 1)];

	while (*pp && *pp != p)
		pp = &(*pp)->chain;
	if (*pp)
		*pp = p->chain;
	if (p->lru_prev)
		p->lru_prev->lru_next = p->lru_next;
	else
		pc->lru_head = p->lru_next;
	if (p->lru_next)
		p->lru_next->lru_prev = p->lru_prev;
	else
		pc->lru_tail = p->lru_prev;
	p->chain = p->lru_prev = p->lru_next = NULL;
	p->cached = false;
	pc->count--;
}

void
cql__pcache_free(cql__pcache *pc)
{
	while (pc->lru_head)
	{
		cql_prepared *p = pc->lru_head;

		unlink_entry(pc, p);
		if (p->refcount == 0)
			prepared_free(p);
		/* else the last cql_prepared_release frees it */
	}
	free(pc->buckets);
	pc->buckets = NULL;
}

/* most recently used at the head */
static void
touch(cql__pcache *pc, cql_prepared *p)
{
	if (pc->lru_head == p)
		return;
	if (p->lru_prev)
		p->lru_prev->lru_next = p->lru_next;
	if (p->lru_next)
		p->lru_next->lru_prev = p->lru_prev;
	else
		pc->lru_tail = p->lru_prev;
	p->lru_prev = NULL;
	p->lru_next = pc->lru_head;
	if (pc->lru_head)
		pc->lru_head->lru_prev = p;
	pc->lru_head = p;
	if (pc->lru_tail == NULL)
		pc->lru_tail = p;
}

cql_prepared *
cql__pcache_lookup(cql__pcache *pc, const char *cql)
{
	uint64_t	h;
	cql_prepared *p;

	if (pc->nbuckets == 0)
		return NULL;
	h = hash_text(cql);
	for (p = pc->buckets[h & (uint64_t) (pc->nbuckets - 1)]; p; p = p->chain)
	{
		if (p->hash == h && strcmp(p->cql, cql) == 0)
		{
			touch(pc, p);
			p->refcount++;
			pc->hits++;
			return p;
		}
	}
	pc->misses++;
	return NULL;
}

cql_prepared *
cql__pcache_insert(cql__pcache *pc, const char *cql, cql_result *prepared_result)
{
	cql_prepared *p = calloc(1, sizeof(cql_prepared));
	cql_prepared *old;

	if (p == NULL || (p->cql = strdup(cql)) == NULL)
	{
		free(p);
		return NULL;
	}
	p->result = prepared_result;
	p->hash = hash_text(cql);
	p->refcount = 1;			/* the caller's */

	if (pc->nbuckets == 0)
		return p;				/* no cache: a private statement */

	/* a concurrent PREPARE of the same text: keep the newer one */
	for (old = pc->buckets[p->hash & (uint64_t) (pc->nbuckets - 1)]; old; old = old->chain)
	{
		if (old->hash == p->hash && strcmp(old->cql, cql) == 0)
		{
			unlink_entry(pc, old);
			if (old->refcount == 0)
				prepared_free(old);
			break;
		}
	}

	/* evict the least recently used unreferenced entries */
	for (cql_prepared *victim = pc->lru_tail; victim && pc->count >= pc->capacity;)
	{
		cql_prepared *prev = victim->lru_prev;

		if (victim->refcount == 0)
		{
			unlink_entry(pc, victim);
			prepared_free(victim);
			pc->evictions++;
		}
		victim = prev;
	}

	p->chain = pc->buckets[p->hash & (uint64_t) (pc->nbuckets - 1)];
	pc->buckets[p->hash & (uint64_t) (pc->nbuckets - 1)] = p;
	p->cached = true;
	pc->count++;
	p->lru_next = pc->lru_head;
	if (pc->lru_head)
		pc->lru_head->lru_prev = p;
	pc->lru_head = p;
	if (pc->lru_tail == NULL)
		pc->lru_tail = p;
	return p;
}

/* Drop every entry whose statement reads or writes keyspace(.table). */
int
cql__pcache_forget(cql__pcache *pc, const char *keyspace, const char *table)
{
	int			n = 0;
	cql_prepared *p = pc->lru_head;

	while (p)
	{
		cql_prepared *next = p->lru_next;
		const cql_result *r = p->result;
		bool		match = false;

		for (int i = 0; !match && i < r->nbind; i++)
			match = r->bind && strcmp(r->bind[i].keyspace, keyspace) == 0 &&
				(table == NULL || strcmp(r->bind[i].table, table) == 0);
		for (int i = 0; !match && i < r->ncolumns; i++)
			match = r->columns && strcmp(r->columns[i].keyspace, keyspace) == 0 &&
				(table == NULL || strcmp(r->columns[i].table, table) == 0);
		if (match)
		{
			unlink_entry(pc, p);
			if (p->refcount == 0)
				prepared_free(p);
			n++;
		}
		p = next;
	}
	return n;
}

void
cql_prepared_release(cql_prepared *p)
{
	if (p == NULL)
		return;
	if (--p->refcount == 0 && !p->cached)
		prepared_free(p);
}

cql_prepared *
cql__prepared_ref(cql_prepared *p)
{
	p->refcount++;
	return p;
}

const cql_result *
cql_prepared_result(const cql_prepared *p)
{
	return p->result;
}

const char *
cql_prepared_cql(const cql_prepared *p)
{
	return p->cql;
}
