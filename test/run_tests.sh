#!/usr/bin/env bash
# make test: the whole test suite, on a fresh machine or a developer's.
#
#   1. apt packages (test/env/env.sh deps), then the extension builds with no
#      warning (-Wall -Wextra -Werror)
#   2. the driver's unit tests: plain, under ASan+UBSan, under Valgrind; the
#      libFuzzer targets for FUZZ_SECONDS each (default 20)
#   3. the environment (Cassandra + PostgreSQL), the extension installed, a
#      never-answering listener for the cancel suite
#   4. the pg_regress suites, the fault suite on a three-node cluster, the
#      server-error suite on Simulacron (env.sh up-sim), then the demo
#   5. stops what it started
#
# Ends with one line "N passed, N failed" counting every test that ran, and
# exits non-zero if anything failed or could not start.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()
started_env=no
blackhole_pid=
t0=$(date +%s)

say() { printf 'test: %s\n' "$*"; }
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); say "FAILED: $1"; }

# add the counts of a "<word>: N passed, M failed" line from a log; a log
# without one counts as one failure of $2
add_counts() {
    local log=$1 what=$2 line p f
    line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [[ -z $line ]]; then
        fail "$what (no result line; see above)"
        return
    fi
    p=$(sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    passed=$((passed + p))
    failed=$((failed + f))
    ((f > 0)) && failures+=("$what: $f failed")
    say "$what: $p passed, $f failed"
}

finish() {
    if [[ -n $blackhole_pid ]]; then kill "$blackhole_pid" 2>/dev/null; fi
    if [[ $started_env == yes && ${KEEP_ENV:-no} != yes ]]; then
        say "stopping the environment it started"
        test/env/env.sh down >/dev/null 2>&1 || say "env down failed"
    fi
    say "took $(( $(date +%s) - t0 )) s"
    for f in "${failures[@]}"; do say "failure: $f"; done
    echo "$passed passed, $failed failed"
    ((failed == 0))
    exit
}

step() { say "--- $* ($(( $(date +%s) - t0 )) s)"; }

# ---- 1. packages and build ---------------------------------------------------
step "packages"
if ! test/env/env.sh deps; then
    fail "apt packages"
    finish
fi

step "build with -Werror"
make -s clean >/dev/null 2>&1
if make -s COPT=-Werror 2>&1 | tee /tmp/cqlfdw-build.log && [[ -f cql_fdw.so ]] && ! grep -q 'warning:' /tmp/cqlfdw-build.log; then
    pass
else
    fail "build"
    finish
fi

# ---- 2. driver unit tests ------------------------------------------------------
for target in run asan valgrind; do
    step "driver unit tests: $target"
    log=$(mktemp)
    make -s -C test/unit "$target" 2>&1 | tee "$log" | grep -vE '^(ok|PASS) ' | tail -n 40
    add_counts "$log" "unit tests ($target)"
    rm -f "$log"
done

step "fuzzing, $FUZZ_SECONDS s per target"
for target in fuzz_frame fuzz_value; do
    # (pipefail: the make's status decides)
    if make -s -C test/unit fuzz FUZZ_TARGETS="$target" FUZZ_SECONDS="$FUZZ_SECONDS" 2>&1 | tail -n 5; then
        pass
    else
        fail "fuzz $target"
    fi
done

# ---- 3. environment ------------------------------------------------------------
step "environment"
if ! { /usr/bin/python3 test/env/cql_ping.py -q 127.0.0.1 9042 2>/dev/null &&
       /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p "${PG_PORT:-5439}"; }; then
    started_env=yes
fi
if ! test/env/env.sh up; then
    fail "environment (Cassandra or PostgreSQL did not start)"
    finish
fi
if ! make -s install >/dev/null; then
    fail "make install"
    finish
fi
# shellcheck disable=SC1091
. test/.env

# a listener that never answers, on a free port, for the cancel suite
bh_out=$(mktemp)
/usr/bin/python3 test/env/blackhole.py --port 0 --seconds 3600 >"$bh_out" &
blackhole_pid=$!
for _ in $(seq 50); do [[ -s $bh_out ]] && break; sleep 0.1; done
CQLFDW_BLACKHOLE_PORT=$(head -n 1 "$bh_out")
rm -f "$bh_out"
if [[ -z $CQLFDW_BLACKHOLE_PORT ]]; then
    fail "the never-answering listener did not start"
    finish
fi
export CQLFDW_BLACKHOLE_PORT

# ---- 4. regression suites and the demo ------------------------------------------
step "regression suites"
rm -f regression.diffs
log=$(mktemp)
make -s installcheck >"$log" 2>&1
grep -E '^(test| ) +[a-z_]+ +\.\.\. ' "$log"
n_ok=$(grep -cE '\.\.\. +ok' "$log")
n_bad=$(grep -cE '\.\.\. +FAILED|\.\.\. +failed' "$log")
if ((n_ok + n_bad == 0)); then
    tail -n 30 "$log"
    fail "regression suites did not run"
else
    passed=$((passed + n_ok))
    failed=$((failed + n_bad))
    ((n_bad > 0)) && failures+=("regression: $n_bad suites failed")
    if [[ -s regression.diffs ]]; then
        say "regression.diffs (first 150 lines):"
        head -n 150 regression.diffs
    fi
fi
rm -f "$log"

step "fault suite on a three-node cluster"
if test/env/env.sh up-cluster; then
    # shellcheck disable=SC1091
    . test/.env
    log=$(mktemp)
    rm -f regression.diffs
    make -s installcheck REGRESS=fault >"$log" 2>&1
    grep -E '^(test| ) +[a-z_]+ +\.\.\. ' "$log"
    if grep -qE '\.\.\. +ok' "$log"; then
        pass
    else
        tail -n 20 "$log"
        [[ -s regression.diffs ]] && head -n 150 regression.diffs
        fail "fault suite"
    fi
    rm -f "$log"
    test/env/env.sh down-cluster >/dev/null 2>&1 || say "down-cluster failed"
else
    fail "three-node cluster did not start"
fi

step "server errors from Simulacron"
if test/env/env.sh up-sim; then
    # shellcheck disable=SC1091
    . test/.env
    log=$(mktemp)
    rm -f regression.diffs
    make -s installcheck REGRESS="simulacron simulacron_write" >"$log" 2>&1
    grep -E '^(test| ) +[a-z_]+ +\.\.\. ' "$log"
    for suite in simulacron simulacron_write; do
        if grep -qE "^(test| ) +$suite +\.\.\. +ok" "$log"; then
            pass
        else
            fail "$suite suite"
        fi
    done
    if ! grep -qE '\.\.\. +ok' "$log" || grep -qE '\.\.\. +FAILED' "$log"; then
        tail -n 20 "$log"
        [[ -s regression.diffs ]] && head -n 150 regression.diffs
    fi
    rm -f "$log"
    test/env/env.sh down-sim >/dev/null 2>&1 || say "down-sim failed"
else
    fail "Simulacron did not start"
fi

step "demo"
log=$(mktemp)
if test/demo.sh >"$log" 2>&1 && grep -q '(5 rows)' "$log"; then
    pass
    cat "$log"
else
    cat "$log"
    fail "demo"
fi
rm -f "$log"

finish
