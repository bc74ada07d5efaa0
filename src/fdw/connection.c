/*-------------------------------------------------------------------------
 *
 * connection.c
 *		  The per-backend cache of Cassandra sessions, by user mapping.
 *
 * Like postgres_fdw's connection cache: a session lives across queries and
 * transactions; when its server or user mapping changes it is marked
 * invalid and replaced at the next use that finds no scan still using it.
 * Its memory is malloc'd by the driver, its entry lives in TopMemoryContext.
 *
 * IDENTIFICATION
 *		  src/fdw/connection.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "cql_fdw.h"

typedef struct CqlSessionEntry
{
	Oid			key;			/* user mapping oid */
	Oid			serverid;
	Oid			userid;			/* InvalidOid for a PUBLIC mapping */
	cql_session *session;
	int			pins;			/* scans in progress using the session */
	bool		invalidated;
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
} CqlSessionEntry;

static HTAB *SessionHash = NULL;

static void session_invalidation(Datum arg, int cacheid, uint32 hashvalue);
static cql_session *open_session(ForeignServer *server, const CqlServerOptions *opts);

PG_FUNCTION_INFO_V1(cql_fdw_disconnect_all);
PG_FUNCTION_INFO_V1(cql_fdw_sessions);
PG_FUNCTION_INFO_V1(cql_fdw_get_connections);
PG_FUNCTION_INFO_V1(cql_fdw_disconnect);

static CqlSessionEntry *
lookup_entry(Oid umid)
{
	bool		found;
	CqlSessionEntry *entry;

	if (SessionHash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CqlSessionEntry);
		SessionHash = hash_create("cql_fdw sessions", 8, &ctl,
								  HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, session_invalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, session_invalidation, (Datum) 0);
	}
	entry = hash_search(SessionHash, &umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->session = NULL;
		entry->pins = 0;
		entry->invalidated = false;
	}
	return entry;
}

/*
 * The session for a user mapping, connected.  Before anything is sent the
 * loop catches up with what happened while the backend was idle (closed
 * sockets, late responses), and a dead connection is replaced.
 */
cql_session *
cqlfdw_get_session(UserMapping *user, const CqlServerOptions *opts)
{
	CqlSessionEntry *entry = lookup_entry(user->umid);
	ForeignServer *server = GetForeignServer(user->serverid);
	cql_future *f;
	cql_result *res;

	/*
	 * As postgres_fdw requires: a non-superuser must log in with a password
	 * of their own, or they would reach the cluster with whatever network
	 * position the PostgreSQL server has.
	 */
	if (opts->password == NULL && !opts->password_not_required &&
		!superuser_arg(OidIsValid(user->userid) ? user->userid : GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("password is required"),
				 errdetail("Non-superusers must give a password in the user mapping of server \"%s\".",
						   server->servername),
				 errhint("A superuser can set password_required 'false' on the user mapping.")));

	if (entry->session && entry->invalidated && entry->pins == 0)
	{
		cql_session_free(entry->session);
		entry->session = NULL;
	}
	if (entry->session == NULL)
	{
		entry->session = open_session(server, opts);
		entry->serverid = server->serverid;
		entry->userid = user->userid;
		entry->invalidated = false;
		entry->server_hashvalue =
			GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(server->serverid));
		entry->mapping_hashvalue =
			GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(user->umid));
	}

	cql_reactor_run(cqlfdw_reactor());
	if (!cql_session_ready(entry->session))
	{
		f = cql_session_connect(entry->session);
		if (f == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		res = cqlfdw_finish(f, NULL, server->servername);
		cql_result_free(res);
	}
	return entry->session;
}

void
cqlfdw_session_pin(UserMapping *user)
{
	lookup_entry(user->umid)->pins++;
}

void
cqlfdw_session_unpin(Oid umid)
{
	CqlSessionEntry *entry;

	if (SessionHash == NULL)
		return;
	entry = hash_search(SessionHash, &umid, HASH_FIND, NULL);
	if (entry && entry->pins > 0)
		entry->pins--;
}

/*
 * Resolve the "hosts" option the way libpq resolves a host name (a
 * blocking getaddrinfo: the driver must not use a resolver thread), and
 * hand the driver numeric addresses.
 */
static cql_session *
open_session(ForeignServer *server, const CqlServerOptions *opts)
{
	char	   *copy = pstrdup(opts->hosts);
	char	   *tok;
	char	   *save;
	List	   *addrs = NIL;
	List	   *names = NIL;
	const char **hosts;
	const char **host_names;
	int			n = 0;
	ListCell   *lc;
	cql_session_config cfg;
	cql_session *s;
	cql_error	err;

	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
	{
		struct addrinfo hints;
		struct addrinfo *res;
		struct addrinfo *ai;
		int			rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		rc = getaddrinfo(tok, NULL, &hints, &res);
		if (rc != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not resolve host \"%s\" of server \"%s\": %s",
							tok, server->servername, gai_strerror(rc))));
		for (ai = res; ai; ai = ai->ai_next)
		{
			char		buf[INET6_ADDRSTRLEN];
			const void *a;
			bool		dup = false;

			if (ai->ai_family == AF_INET)
				a = &((struct sockaddr_in *) ai->ai_addr)->sin_addr;
			else if (ai->ai_family == AF_INET6)
				a = &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr;
			else
				continue;
			if (inet_ntop(ai->ai_family, a, buf, sizeof(buf)) == NULL)
				continue;
			foreach(lc, addrs)
				if (strcmp((char *) lfirst(lc), buf) == 0)
					dup = true;
			if (!dup)
			{
				addrs = lappend(addrs, pstrdup(buf));
				names = lappend(names, tok);
			}
		}
		freeaddrinfo(res);
	}
	if (addrs == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("server \"%s\" has no host address to connect to",
						server->servername)));

	hosts = palloc(sizeof(char *) * list_length(addrs));
	host_names = palloc(sizeof(char *) * list_length(addrs));
	foreach(lc, addrs)
	{
		host_names[n] = opts->tls_server_name ? opts->tls_server_name : list_nth(names, n);
		hosts[n++] = lfirst(lc);
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.hosts = hosts;
	cfg.nhosts = n;
	cfg.port = opts->port;
	cfg.username = opts->username;
	cfg.password = opts->password;
	cfg.host_names = host_names;
	cfg.local_dc = opts->local_dc;
	cfg.connect_timeout_ms = opts->connect_timeout;
	cfg.request_timeout_ms = opts->request_timeout;
	cfg.heartbeat_interval_ms = opts->heartbeat_interval;
	cfg.speculative_delay_ms = opts->speculative_delay;
	cfg.speculative_max = opts->speculative_max;
	cfg.compression = opts->compression;
	cfg.tls.enabled = opts->tls != CQL_TLS_OFF;
	cfg.tls.verify_peer = opts->tls >= CQL_TLS_VERIFY_CA;
	cfg.tls.verify_hostname = opts->tls == CQL_TLS_VERIFY_FULL;
	cfg.tls.ca_file = opts->tls_ca_file;
	cfg.tls.cert_file = opts->tls_cert_file;
	cfg.tls.key_file = opts->tls_key_file;
	s = cql_session_new(cqlfdw_reactor(), &cfg, &err);
	if (s == NULL)
		cqlfdw_report(ERROR, &err, NULL, server->servername);
	return s;
}

/*
 * A server or user mapping changed: mark the sessions built from it, so
 * that the next use builds a new one.  (hashvalue 0 means "everything".)
 */
static void
session_invalidation(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	CqlSessionEntry *entry;

	hash_seq_init(&scan, SessionHash);
	while ((entry = (CqlSessionEntry *) hash_seq_search(&scan)))
	{
		if (entry->session == NULL)
			continue;
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
			entry->invalidated = true;
	}
}

/*
 * cql_fdw_disconnect_all() closes every session no scan is using; true if
 * it closed any.
 */
Datum
cql_fdw_disconnect_all(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS scan;
	CqlSessionEntry *entry;
	bool		closed = false;

	if (SessionHash == NULL)
		PG_RETURN_BOOL(false);
	hash_seq_init(&scan, SessionHash);
	while ((entry = (CqlSessionEntry *) hash_seq_search(&scan)))
	{
		if (entry->session == NULL)
			continue;
		if (entry->pins > 0)
		{
			entry->invalidated = true;
			continue;
		}
		cql_session_free(entry->session);
		entry->session = NULL;
		closed = true;
	}
	/* let the closed handles be freed now */
	cql_reactor_run(cqlfdw_reactor());
	PG_RETURN_BOOL(closed);
}

/*
 * cql_fdw_sessions(): this backend's sessions, with where they are connected
 * and how.
 */
Datum
cql_fdw_sessions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS scan;
	CqlSessionEntry *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (SessionHash == NULL)
		return (Datum) 0;

	/* let the loop notice what happened while the backend was idle */
	cql_reactor_run(cqlfdw_reactor());

	hash_seq_init(&scan, SessionHash);
	while ((entry = (CqlSessionEntry *) hash_seq_search(&scan)))
	{
		Datum		values[11];
		bool		nulls[11] = {0};
		int			up;
		ForeignServer *server;
		const char *host;

		if (entry->session == NULL)
			continue;
		server = GetForeignServerExtended(entry->serverid, FSV_MISSING_OK);
		if (server)
			values[0] = CStringGetTextDatum(server->servername);
		else
			nulls[0] = true;
		if (OidIsValid(entry->userid))
			values[1] = CStringGetTextDatum(GetUserNameFromId(entry->userid, true)
											? GetUserNameFromId(entry->userid, true) : "?");
		else
			values[1] = CStringGetTextDatum("public");
		host = cql_session_host(entry->session);
		if (host[0])
			values[2] = CStringGetTextDatum(host);
		else
			nulls[2] = true;
		values[3] = BoolGetDatum(cql_session_ready(entry->session));
		values[4] = BoolGetDatum(cql_session_compressed(entry->session));
		values[5] = BoolGetDatum(cql_session_tls(entry->session));
		values[6] = Int32GetDatum(cql_session_in_flight(entry->session));
		values[7] = BoolGetDatum(!entry->invalidated);
		values[8] = Int32GetDatum(cql_session_host_count(entry->session, &up));
		values[9] = Int32GetDatum(up);
		if (cql_session_local_dc(entry->session)[0])
			values[10] = CStringGetTextDatum(cql_session_local_dc(entry->session));
		else
			nulls[10] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * cql_fdw_get_connections(): the servers this backend has sessions to, and
 * whether each is still valid (false: its server or user mapping changed,
 * and it is replaced when no scan uses it).
 */
Datum
cql_fdw_get_connections(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS scan;
	CqlSessionEntry *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (SessionHash == NULL)
		return (Datum) 0;
	hash_seq_init(&scan, SessionHash);
	while ((entry = (CqlSessionEntry *) hash_seq_search(&scan)))
	{
		Datum		values[2];
		bool		nulls[2] = {0};
		ForeignServer *server;

		if (entry->session == NULL)
			continue;
		server = GetForeignServerExtended(entry->serverid, FSV_MISSING_OK);
		if (server)
			values[0] = CStringGetTextDatum(server->servername);
		else
			nulls[0] = true;	/* the server was dropped */
		values[1] = BoolGetDatum(!entry->invalidated);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * cql_fdw_disconnect(server name): close this backend's sessions to the
 * server that no scan is using; true if it closed any.
 */
Datum
cql_fdw_disconnect(PG_FUNCTION_ARGS)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)), false);
	HASH_SEQ_STATUS scan;
	CqlSessionEntry *entry;
	bool		closed = false;

	if (SessionHash == NULL)
		PG_RETURN_BOOL(false);
	hash_seq_init(&scan, SessionHash);
	while ((entry = (CqlSessionEntry *) hash_seq_search(&scan)))
	{
		if (entry->session == NULL || entry->serverid != server->serverid)
			continue;
		if (entry->pins > 0)
		{
			ereport(WARNING,
					(errmsg("cannot close a session to server \"%s\" while a scan uses it",
							server->servername)));
			entry->invalidated = true;
			continue;
		}
		cql_session_free(entry->session);
		entry->session = NULL;
		closed = true;
	}
	cql_reactor_run(cqlfdw_reactor());
	PG_RETURN_BOOL(closed);
}
