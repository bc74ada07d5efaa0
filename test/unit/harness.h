/*-------------------------------------------------------------------------
 *
 * harness.h
 *		  A tiny unit test harness for the driver: no framework, no server.
 *
 * TEST(name) { ... } defines and registers a test function.  Checks record
 * a failure (one line: file:line, the test and what differed) and go on;
 * REQUIRE() also returns from the test.  main.c runs every test and prints
 * "unit: N passed, N failed" (N counts test functions).
 *
 * IDENTIFICATION
 *		  test/unit/harness.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UNIT_HARNESS_H
#define UNIT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct test_case
{
	const char *name;
	const char *file;
	int			line;
	void		(*fn) (void);
	struct test_case *next;
} test_case;

extern void test_register(test_case *tc);
extern void test_fail(const char *file, int line, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern void test_check_mem(const char *file, int line, const char *what,
						  const void *got, size_t gotlen,
						  const void *want, size_t wantlen);

/*
 * Run fn(arg) in a child process, for a call that may corrupt memory before
 * a driver bug is fixed: the other tests still run and report.  Returns the
 * child's exit status (fn exits non-zero to report a wrong result), or
 * 128 + the signal that killed it.  The child's stderr goes to /dev/null.
 */
extern int	test_in_child(void (*fn) (void *), void *arg);

#define TEST(name) \
	static void name(void); \
	static test_case name##_case = {#name, __FILE__, __LINE__, name, NULL}; \
	__attribute__((constructor)) static void name##_register(void) \
	{ \
		test_register(&name##_case); \
	} \
	static void name(void)

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			test_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
	} while (0)

/* a check that returns from the (void) test when it fails */
#define REQUIRE(cond) \
	do { \
		if (!(cond)) \
		{ \
			test_fail(__FILE__, __LINE__, "requirement failed: %s", #cond); \
			return; \
		} \
	} while (0)

#define CHECK_INT(got, want) \
	do { \
		long long _g = (long long) (got); \
		long long _w = (long long) (want); \
		if (_g != _w) \
			test_fail(__FILE__, __LINE__, "%s is %lld, expected %lld (%s)", \
					  #got, _g, _w, #want); \
	} while (0)

#define CHECK_UINT(got, want) \
	do { \
		unsigned long long _g = (unsigned long long) (got); \
		unsigned long long _w = (unsigned long long) (want); \
		if (_g != _w) \
			test_fail(__FILE__, __LINE__, "%s is %llu (0x%llx), expected %llu (0x%llx)", \
					  #got, _g, _g, _w, _w); \
	} while (0)

#define CHECK_STR(got, want) \
	do { \
		const char *_g = (got); \
		const char *_w = (want); \
		if (_g == NULL || _w == NULL ? _g != _w : strcmp(_g, _w) != 0) \
			test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", \
					  #got, _g ? _g : "(null)", _w ? _w : "(null)"); \
	} while (0)

/* substring */
#define CHECK_CONTAINS(got, want) \
	do { \
		const char *_g = (got); \
		const char *_w = (want); \
		if (_g == NULL || strstr(_g, _w) == NULL) \
			test_fail(__FILE__, __LINE__, "%s is \"%s\", which does not contain \"%s\"", \
					  #got, _g ? _g : "(null)", _w); \
	} while (0)

#define CHECK_MEM(got, gotlen, want, wantlen) \
	test_check_mem(__FILE__, __LINE__, #got, (got), (gotlen), (want), (wantlen))

#endif							/* UNIT_HARNESS_H */
