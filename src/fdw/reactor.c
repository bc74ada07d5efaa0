/*-------------------------------------------------------------------------
 *
 * reactor.c
 *		  Drive the driver's event loop from the backend's wait-event loop.
 *
 * A backend is single-threaded and must answer cancel requests,
 * statement_timeout and postmaster death while it waits for Cassandra.  So
 * nothing here runs a blocking uv_run: each turn runs the loop once without
 * blocking, then sleeps in WaitLatchOrSocket on the latch and on libuv's
 * backend descriptor (readable when any driver socket needs attention),
 * woken early for the next driver timer.  Interrupts are served by
 * CHECK_FOR_INTERRUPTS between turns, never inside a libuv callback.
 *
 * IDENTIFICATION
 *		  src/fdw/reactor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/wait_event.h"

#include "cql_fdw.h"

/* One loop per backend, created on first use, never in _PG_init. */
static cql_reactor *backend_reactor = NULL;

cql_reactor *
cqlfdw_reactor(void)
{
	if (backend_reactor == NULL)
	{
		/* the loop's epoll descriptor counts against the budget too */
		if (!AcquireExternalFD())
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not create the event loop of cql_fdw: too many open files")));
		backend_reactor = cql_reactor_new();
		if (backend_reactor == NULL)
		{
			ReleaseExternalFD();
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create the event loop of cql_fdw")));
		}
		/* every socket is counted, as postgres_fdw counts libpq's */
		cql_reactor_set_fd_hooks(backend_reactor, AcquireExternalFD, ReleaseExternalFD);
	}
	return backend_reactor;
}

/*
 * Wait until f is done.  An interrupt raises its error from here with f
 * still pending; whoever owns f must release it (cql_future_release
 * abandons a pending future without waiting for the server).
 */
static bool
future_done(void *arg)
{
	return cql_future_done((cql_future *) arg);
}

void
cqlfdw_wait(cql_future *f)
{
	cqlfdw_wait_until(future_done, f);
}

/*
 * Wait until ready(arg) holds, asking it after every turn of the loop.
 * ready runs here, outside any libuv callback, so it may raise an error.
 */
void
cqlfdw_wait_until(bool (*ready) (void *arg), void *arg)
{
	cql_reactor *r = cqlfdw_reactor();

	for (;;)
	{
		int			timeout;
		int			events;
		int			rc;

		/* libuv registers socket interest lazily, inside a loop turn */
		cql_reactor_run(r);
		if (ready(arg))
			break;

		timeout = cql_reactor_timeout(r);
		events = WL_LATCH_SET | WL_SOCKET_READABLE | WL_EXIT_ON_PM_DEATH;
		if (timeout >= 0)
			events |= WL_TIMEOUT;
		rc = WaitLatchOrSocket(MyLatch, events, cql_reactor_fd(r),
							   timeout >= 0 ? timeout : -1, PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
}

/* Wait for a future nobody else tracks: on error it is released here. */
void
cqlfdw_wait_owned(cql_future *f)
{
	PG_TRY();
	{
		cqlfdw_wait(f);
	}
	PG_CATCH();
	{
		cql_future_release(f);
		PG_RE_THROW();
	}
	PG_END_TRY();
}
