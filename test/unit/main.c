/*-------------------------------------------------------------------------
 *
 * main.c
 *		  Runs every registered unit test of the driver.
 *
 * Usage: unit [substring...]  runs the tests whose name contains one of the
 * substrings (all without arguments), each in a child process of its own
 * (UNIT_NOFORK=1: in-process; UNIT_TEST_TIMEOUT: seconds per test, 120).  Prints one line per failed check and
 * then "unit: N passed, N failed"; exits 1 if any test failed.
 *
 * IDENTIFICATION
 *		  test/unit/main.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static test_case *tests_head;
static test_case *tests_tail;
static const test_case *current;
static int	current_failed;

void
test_register(test_case *tc)
{
	tc->next = NULL;
	if (tests_tail)
		tests_tail->next = tc;
	else
		tests_head = tc;
	tests_tail = tc;
}

void
test_fail(const char *file, int line, const char *fmt,...)
{
	va_list		ap;
	const char *base = strrchr(file, '/');

	current_failed = 1;
	printf("%s:%d: [%s] ", base ? base + 1 : file, line,
		   current ? current->name : "?");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void
test_check_mem(const char *file, int line, const char *what,
			   const void *got, size_t gotlen, const void *want, size_t wantlen)
{
	const uint8_t *g = got;
	const uint8_t *w = want;
	size_t		n = gotlen < wantlen ? gotlen : wantlen;
	size_t		i;

	if (gotlen == wantlen && (n == 0 || memcmp(g, w, n) == 0))
		return;
	for (i = 0; i < n; i++)
		if (g[i] != w[i])
			break;
	if (i < n)
		test_fail(file, line, "%s: %zu bytes, expected %zu; first difference at "
				  "offset %zu: 0x%02x, expected 0x%02x",
				  what, gotlen, wantlen, i, g[i], w[i]);
	else
		test_fail(file, line, "%s: %zu bytes, expected %zu (equal up to %zu)",
				  what, gotlen, wantlen, n);
}

int
test_in_child(void (*fn) (void *), void *arg)
{
	pid_t		pid;
	int			status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
	{
		int			fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 2);
		fn(arg);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static int
selected(const test_case *tc, int argc, char **argv)
{
	if (argc <= 1)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(tc->name, argv[i]))
			return 1;
	return 0;
}

/*
 * Under AddressSanitizer: some tests ask for impossible sizes on purpose and
 * need malloc to return NULL, not abort (the Makefile sets this too).
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1:detect_leaks=1";
}

/* exit status of a child whose checks failed (anything else is a crash) */
#define CHILD_FAILED 3

/*
 * Each test runs in a child process of its own, so that a driver bug that
 * crashes, trips a sanitizer or hangs fails that one test, and the others
 * still run.  UNIT_NOFORK=1 runs them in-process (for a debugger).
 */
static int
run_forked(const test_case *tc, int timeout_s)
{
	pid_t		pid;
	int			status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
	{
		test_fail(tc->file, tc->line, "fork: could not run the test");
		return 1;
	}
	if (pid == 0)
	{
		alarm((unsigned) timeout_s);
		tc->fn();
		fflush(stdout);
		/* exit(), not _exit(): LeakSanitizer and valgrind check at exit */
		exit(current_failed ? CHILD_FAILED : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_FAILED)
		return 1;
	if (WIFSIGNALED(status))
		test_fail(tc->file, tc->line, "the test died of signal %d (%s)%s",
				  WTERMSIG(status), strsignal(WTERMSIG(status)),
				  WTERMSIG(status) == SIGALRM ? ": it ran too long" : "");
	else
		test_fail(tc->file, tc->line,
				  "the test exited with status %d (a sanitizer or valgrind error, see stderr)",
				  WEXITSTATUS(status));
	return 1;
}

int
main(int argc, char **argv)
{
	int			passed = 0;
	int			failed = 0;
	const char *nofork = getenv("UNIT_NOFORK");
	const char *tmo = getenv("UNIT_TEST_TIMEOUT");
	int			timeout_s = tmo ? atoi(tmo) : 120;

	/* the fake server may write to a socket the client already closed */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (const test_case *tc = tests_head; tc; tc = tc->next)
	{
		int			fail;

		if (!selected(tc, argc, argv))
			continue;
		current = tc;
		current_failed = 0;
		if (nofork && nofork[0] == '1')
		{
			tc->fn();
			fail = current_failed;
		}
		else
			fail = run_forked(tc, timeout_s);
		if (fail)
			failed++;
		else
			passed++;
	}
	current = NULL;
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
