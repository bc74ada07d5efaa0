# cql_fdw — PostgreSQL foreign-data wrapper for Cassandra / ScyllaDB.
#
#   make env        install packages, start Cassandra + PostgreSQL (test/env/env.sh)
#   make env-stop   stop both servers
#   make demo       the environment, then a join of a PostgreSQL table with a
#                   Cassandra table through cql_fdw
#   make test       everything: driver unit tests, regression suites; prints
#                   "N passed, N failed"
#   make install    build and install into the PostgreSQL of PG_CONFIG
#   make bench      figures, not tests: decoding, then scans, lookups and
#                   writes beside the Python driver and gocql (ROWS=, REPEAT=)
#
# This Makefile must parse on a machine where PostgreSQL is not installed
# yet: the environment targets install it first.

MODULE_big = cql_fdw
EXTENSION = cql_fdw
DATA = sql/cql_fdw--1.0.sql
PGFILEDESC = "cql_fdw - foreign-data wrapper for Cassandra"

DRIVER_OBJS = $(patsubst %.c,%.o,$(wildcard src/driver/*.c))
FDW_OBJS = $(patsubst %.c,%.o,$(wildcard src/fdw/*.c))
OBJS = $(DRIVER_OBJS) $(FDW_OBJS)

REGRESS = options scan types types_scalar types_composite pushdown joins errors cancel secure token write import parallel
REGRESS_OPTS = --load-extension=cql_fdw

PG_CPPFLAGS = -Isrc/driver
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter
SHLIB_LINK = -luv -lssl -lcrypto -llz4

EXTRA_CLEAN = test/unit/build

# Debian's server-dev package puts pg_config here; fall back to PATH.
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.PHONY: env env-stop env-status demo test unit bench

# no LLVM bitcode: JIT inlining of a network client buys nothing, and it
# would need clang on every machine that builds the extension
override with_llvm = no

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(wildcard src/driver/*.h src/fdw/*.h)
# the driver never includes PostgreSQL headers: keep its includes honest
src/driver/%.o: override CPPFLAGS := -Isrc/driver $(filter-out -I%,$(CPPFLAGS))
else
# No PostgreSQL development files yet: install them, then do what was asked.
all install installcheck:
	test/env/env.sh deps
	$(MAKE) $@
endif

env:
	test/env/env.sh up
	$(MAKE) install
	@echo "env: ready. Connect with:  . test/.env && psql"

env-stop:
	test/env/env.sh down

env-status:
	test/env/env.sh status

demo: env
	test/demo.sh

test:
	test/run_tests.sh

unit:
	$(MAKE) -C test/unit run

# figures, not tests: the decode micro-benchmark, then cql_fdw against the
# Python driver and gocql on the running node (test/bench/run.sh; ROWS=1000000
# REPEAT=3 by default, e.g. make bench ROWS=50000)
bench:
	$(MAKE) -C test/bench run
	test/bench/run.sh
