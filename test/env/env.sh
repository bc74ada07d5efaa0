#!/usr/bin/env bash
# Local test environment for cql_fdw: one Apache Cassandra 5.0 node (from the
# Maven Central jars, run with plain `java` on OpenJDK 17) and one PostgreSQL 15
# cluster.  Debian bookworm, run as root.  Idempotent.
#
#   test/env/env.sh deps     install missing apt packages (test/env/packages.txt)
#   test/env/env.sh up       deps + Cassandra jars + start/reuse Cassandra + start/reuse
#                            PostgreSQL + write test/.env
#   test/env/env.sh down     stop both servers (never fails if already stopped)
#   test/env/env.sh status   print what runs
#
# Knobs (environment variables, defaults in brackets):
#   CASSANDRA_VERSION [5.0.8]       org.apache.cassandra:cassandra-all version
#   CASSANDRA_HEAP [1G]             -Xms/-Xmx of the node
#   CASSANDRA_READY_TIMEOUT [180]   seconds to wait for READY on the native port
#   CASSANDRA_JAVA [/usr/lib/jvm/java-17-openjdk-amd64/bin/java]
#   CASSANDRA_JMX_PORT [7199]       local-only JMX; empty disables JMX
#   CQL_PORT [9042]  CASSANDRA_STORAGE_PORT [7000]
#   PG_PORT [5439]                  PostgreSQL port (TCP 127.0.0.1 + unix socket)
#   PG_STATE_ROOT [/var/lib/cql_fdw] PostgreSQL state lives in $PG_STATE_ROOT/pg15-$PG_PORT
#                                   (outside the repo: the repo may be root-only)
#   CQL_FDW_CACHE_DIR [<repo>/.cache]
set -euo pipefail

ENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$ENV_DIR/../.." && pwd)
CACHE_DIR=${CQL_FDW_CACHE_DIR:-$REPO_ROOT/.cache}
PACKAGES_FILE=$ENV_DIR/packages.txt
DOTENV=$REPO_ROOT/test/.env

# --- Cassandra -----------------------------------------------------------------
CASSANDRA_VERSION=${CASSANDRA_VERSION:-5.0.8}
CASSANDRA_HEAP=${CASSANDRA_HEAP:-1G}
CASSANDRA_READY_TIMEOUT=${CASSANDRA_READY_TIMEOUT:-180}
CASSANDRA_JAVA=${CASSANDRA_JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
CASSANDRA_JMX_PORT=${CASSANDRA_JMX_PORT-7199}
CASSANDRA_ADDRESS=127.0.0.1
CQL_PORT=${CQL_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
MAVEN_DEPENDENCY_PLUGIN_VERSION=3.6.1

CASSANDRA_DIST=$CACHE_DIR/cassandra-$CASSANDRA_VERSION
CASSANDRA_LIB=$CASSANDRA_DIST/lib
CASSANDRA_LIB_MARKER=$CASSANDRA_DIST/.lib-complete
NODE_DIR=$CACHE_DIR/cassandra-node1
NODE_CONF=$NODE_DIR/conf
NODE_LOGDIR=$NODE_DIR/logs
NODE_PIDFILE=$NODE_DIR/cassandra.pid
NODE_STDOUT=$NODE_LOGDIR/stdout.log
NODE_SYSLOG=$NODE_LOGDIR/system.log

# --- PostgreSQL ----------------------------------------------------------------
PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=${PG_PORT:-5439}
PG_HOST=127.0.0.1
PG_STATE_ROOT=${PG_STATE_ROOT:-/var/lib/cql_fdw}
PG_STATE_DIR=$PG_STATE_ROOT/pg15-$PG_PORT
PG_DATA=$PG_STATE_DIR/data
PG_LOG=$PG_STATE_DIR/postgresql.log
PG_INIT_MARKER=$PG_STATE_DIR/.initdb-complete
PG_DATABASE=cql_fdw
PG_SUPERUSER=postgres
PG_OS_USER=postgres

if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
CQL_PING=$ENV_DIR/cql_ping.py

# ------------------------------------------------------------------------------
log() { printf 'env: %s\n' "$*"; }
die() { printf 'env: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { # $1 = start in ms -> "12.3"
    local d=$(( $(now_ms) - $1 ))
    printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}

require_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

# Run a command as the postgres OS user, from a directory it can read (the caller's
# cwd may be a root-only repo checkout).
as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }

# ==============================================================================
# deps
# ==============================================================================
package_list() { sed -e 's/#.*//' -e 's/[[:space:]]\+//g' -e '/^$/d' "$PACKAGES_FILE"; }

pkg_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true) == ii* ]]
}

cmd_deps() {
    require_root
    local missing=() p
    while read -r p; do
        pkg_installed "$p" || missing+=("$p")
    done < <(package_list)
    if ((${#missing[@]} == 0)); then
        log "apt packages: all $(package_list | wc -l) present"
        return 0
    fi
    log "apt packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# ==============================================================================
# Cassandra jars
# ==============================================================================
jar_count() { find "$CASSANDRA_LIB" -name '*.jar' | wc -l; }

cassandra_jars() {
    if [[ -f $CASSANDRA_LIB_MARKER && -d $CASSANDRA_LIB ]] && compgen -G "$CASSANDRA_LIB/jamm-*.jar" >/dev/null \
        && compgen -G "$CASSANDRA_LIB/cassandra-all-$CASSANDRA_VERSION.jar" >/dev/null; then
        log "cassandra $CASSANDRA_VERSION jars: cached ($(jar_count) jars)"
        return 0
    fi
    local t0; t0=$(now_ms)
    log "cassandra $CASSANDRA_VERSION jars: resolving from Maven Central"
    mkdir -p "$CASSANDRA_DIST"
    rm -rf "$CASSANDRA_LIB" "$CASSANDRA_LIB.tmp" "$CASSANDRA_LIB_MARKER"
    cat >"$CASSANDRA_DIST/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by test/env/env.sh: resolves Cassandra and its runtime dependencies -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cql_fdw</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>$CASSANDRA_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$MAVEN_DEPENDENCY_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
    if ! JAVA_HOME=$(dirname "$(dirname "$CASSANDRA_JAVA")") mvn -B -q -f "$CASSANDRA_DIST/pom.xml" \
        dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$CASSANDRA_LIB.tmp" >"$CASSANDRA_DIST/mvn.log" 2>&1; then
        tail -n 40 "$CASSANDRA_DIST/mvn.log" >&2
        die "maven could not resolve cassandra-all $CASSANDRA_VERSION (log: $CASSANDRA_DIST/mvn.log)"
    fi
    compgen -G "$CASSANDRA_LIB.tmp/jamm-*.jar" >/dev/null || die "no jamm jar among the resolved dependencies"
    mv "$CASSANDRA_LIB.tmp" "$CASSANDRA_LIB"
    find "$CASSANDRA_LIB" -name '*.jar' -printf '%f\n' | sort >"$CASSANDRA_LIB_MARKER"
    log "cassandra $CASSANDRA_VERSION jars: $(jar_count) jars in $(secs_since "$t0")s"
}

# ==============================================================================
# Cassandra node
# ==============================================================================
cql_ready() { "$PYTHON" "$CQL_PING" -q --timeout "${1:-2}" "$CASSANDRA_ADDRESS" "$CQL_PORT"; }

# pid of our node (from the pid file, checked against /proc) or empty
cassandra_pid() {
    local pid=""
    [[ -f $NODE_PIDFILE ]] && pid=$(tr -dc '0-9' <"$NODE_PIDFILE")
    if [[ -n $pid ]] && is_our_node "$pid"; then echo "$pid"; return 0; fi
    # pid file lost/stale: look for a JVM started with exactly our cassandra.yaml
    local d
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        if is_our_node "$pid"; then echo "$pid"; return 0; fi
    done 2>/dev/null
    return 0
}

is_our_node() {
    [[ -r /proc/$1/cmdline ]] || return 1
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null \
        | grep -qxF -- "-Dcassandra.config=file://$NODE_CONF/cassandra.yaml"
}

write_cassandra_conf() {
    mkdir -p "$NODE_CONF" "$NODE_LOGDIR" "$NODE_DIR"/{data,commitlog,hints,saved_caches,cdc_raw,triggers,tmp}
    cat >"$NODE_CONF/cassandra.yaml" <<EOF
# generated by test/env/env.sh -- single test node, Cassandra $CASSANDRA_VERSION (5.0 key names)
cluster_name: cql_fdw_test
num_tokens: 1
initial_token: -9223372036854775808
auto_bootstrap: false
auto_snapshot: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$CASSANDRA_ADDRESS:$CASSANDRA_STORAGE_PORT"
listen_address: $CASSANDRA_ADDRESS
rpc_address: $CASSANDRA_ADDRESS
storage_port: $CASSANDRA_STORAGE_PORT
native_transport_port: $CQL_PORT
start_native_transport: true

authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager

data_file_directories:
  - $NODE_DIR/data
commitlog_directory: $NODE_DIR/commitlog
hints_directory: $NODE_DIR/hints
saved_caches_directory: $NODE_DIR/saved_caches
cdc_raw_directory: $NODE_DIR/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 32MiB
commitlog_total_space: 512MiB
disk_failure_policy: stop
commit_failure_policy: stop

materialized_views_enabled: true
user_defined_functions_enabled: true
EOF
    cat >"$NODE_CONF/logback.xml" <<'EOF'
<!-- generated by test/env/env.sh: INFO to ${cassandra.logdir}/system.log, small rotation -->
<configuration scan="false">
  <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>${cassandra.logdir}/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>${cassandra.logdir}/system.log.%i</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>2</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="SYSTEMLOG"/>
  </root>
</configuration>
EOF
}

cassandra_jvm_args() {
    local jamm
    jamm=$(compgen -G "$CASSANDRA_LIB/jamm-*.jar" | head -n 1)
    JVM_ARGS=(
        -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -Xss256k
        -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
        -XX:+UseThreadPriorities -XX:+ExitOnOutOfMemoryError
        -XX:+PerfDisableSharedMem
        -ea -da:net.openhft...
        -javaagent:"$jamm"
        -Djava.net.preferIPv4Stack=true
        -Djdk.attach.allowAttachSelf=true
        -Dio.netty.tryReflectionSetAccessible=true
        -Dio.netty.allocator.useCacheForAllThreads=true
        -Dio.netty.allocator.maxOrder=11
        -Djna.tmpdir="$NODE_DIR/tmp"
        # JDK 17 module access (conf/jvm17-server.options of Cassandra 5.0)
        --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
        --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
        --add-exports java.management/com.sun.jmx.remote.security=ALL-UNNAMED
        --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
        --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
        --add-exports java.sql/java.sql=ALL-UNNAMED
        --add-exports java.base/java.lang.ref=ALL-UNNAMED
        --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
        --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
        --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
        --add-opens java.base/java.lang.module=ALL-UNNAMED
        --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
        --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
        --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
        --add-opens java.base/jdk.internal.math=ALL-UNNAMED
        --add-opens java.base/jdk.internal.module=ALL-UNNAMED
        --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
        --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
        --add-opens java.base/sun.nio.ch=ALL-UNNAMED
        --add-opens java.base/java.io=ALL-UNNAMED
        --add-opens java.base/java.lang.reflect=ALL-UNNAMED
        --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
        --add-opens java.base/java.lang=ALL-UNNAMED
        --add-opens java.base/java.util=ALL-UNNAMED
        --add-opens java.base/java.nio=ALL-UNNAMED
        # Cassandra
        -Dcassandra-foreground=yes
        -Dcassandra-pidfile="$NODE_PIDFILE"
        -Dcassandra.config="file://$NODE_CONF/cassandra.yaml"
        -Dcassandra.storagedir="$NODE_DIR"
        -Dcassandra.logdir="$NODE_LOGDIR"
        -Dcassandra.triggers_dir="$NODE_DIR/triggers"
        -Dlogback.configurationFile="$NODE_CONF/logback.xml"
        -Dcassandra.skip_wait_for_gossip_to_settle=0
        -Dcassandra.ring_delay_ms=1000
        -Dcassandra.superuser_setup_delay_ms=0
        -Dcassandra.auth_bcrypt_gensalt_log2_rounds=4
    )
    if [[ -n $CASSANDRA_JMX_PORT ]]; then
        JVM_ARGS+=(-Dcassandra.jmx.local.port="$CASSANDRA_JMX_PORT")
    fi
}

print_node_log() {
    local f
    for f in "$NODE_SYSLOG" "$NODE_STDOUT"; do
        [[ -s $f ]] || continue
        printf -- '----- last 60 lines of %s (cut to 400 columns) -----\n' "$f" >&2
        tail -n 60 "$f" | cut -c1-400 >&2
    done
}

cassandra_up() {
    if cql_ready 2; then
        log "cassandra: a node already answers READY on $CASSANDRA_ADDRESS:$CQL_PORT, reusing it"
        return 0
    fi
    [[ -x $CASSANDRA_JAVA ]] || die "no java at $CASSANDRA_JAVA (openjdk-17-jdk-headless)"
    local pid t0
    t0=$(now_ms)
    pid=$(cassandra_pid)
    if [[ -n $pid ]]; then
        log "cassandra: our node (pid $pid) is running but not ready yet; waiting"
    else
        write_cassandra_conf
        cassandra_jvm_args
        : >"$NODE_STDOUT"
        log "cassandra: starting $CASSANDRA_VERSION (heap $CASSANDRA_HEAP) on $CASSANDRA_ADDRESS:$CQL_PORT, logs in $NODE_LOGDIR"
        (
            cd "$NODE_DIR"
            exec setsid nohup "$CASSANDRA_JAVA" "${JVM_ARGS[@]}" \
                -cp "$NODE_CONF:$CASSANDRA_LIB/*" org.apache.cassandra.service.CassandraDaemon \
                </dev/null >>"$NODE_STDOUT" 2>&1
        ) &
        pid=$!
        echo "$pid" >"$NODE_PIDFILE"
    fi
    local deadline=$(( $(date +%s) + CASSANDRA_READY_TIMEOUT ))
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            print_node_log
            die "cassandra: the JVM (pid $pid) died before the node became ready"
        fi
        if cql_ready 2; then break; fi
        if (( $(date +%s) >= deadline )); then
            print_node_log
            die "cassandra: not READY on $CASSANDRA_ADDRESS:$CQL_PORT after ${CASSANDRA_READY_TIMEOUT}s (pid $pid still running; 'env.sh down' stops it)"
        fi
        sleep 1
    done
    log "cassandra: READY on $CASSANDRA_ADDRESS:$CQL_PORT after $(secs_since "$t0")s (pid $pid)"
}

cassandra_down() {
    local pid i
    pid=$(cassandra_pid)
    if [[ -z $pid ]]; then
        log "cassandra: not running"
        rm -f "$NODE_PIDFILE"
        return 0
    fi
    log "cassandra: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "cassandra: still running after 30s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$NODE_PIDFILE"
    log "cassandra: stopped"
}

# ==============================================================================
# PostgreSQL
# ==============================================================================
pg_ready() { "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -t "${1:-2}"; }

ensure_pg_os_user() {
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    log "postgresql: creating OS user $PG_OS_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER"
}

write_pg_conf() {
    cat >"$PG_DATA/cql_fdw_env.conf" <<EOF
# generated by test/env/env.sh -- throwaway test cluster
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PG_STATE_DIR'
max_connections = 50
fsync = off
synchronous_commit = off
full_page_writes = off
lc_messages = 'C'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    chown "$PG_OS_USER:" "$PG_DATA/cql_fdw_env.conf"
    grep -qxF "include_if_exists = 'cql_fdw_env.conf'" "$PG_DATA/postgresql.conf" \
        || echo "include_if_exists = 'cql_fdw_env.conf'" >>"$PG_DATA/postgresql.conf"
}

postgres_up() {
    [[ -x $PG_BIN/pg_ctl ]] || die "no PostgreSQL 15 at $PG_BIN (postgresql-15)"
    local t0; t0=$(now_ms)
    if pg_ready 2; then
        log "postgresql: a server already answers on $PG_HOST:$PG_PORT, reusing it"
    else
        ensure_pg_os_user
        install -d -m 755 "$PG_STATE_ROOT"
        chmod a+rx "$PG_STATE_ROOT"
        install -d -m 700 -o "$PG_OS_USER" -g "$(id -gn "$PG_OS_USER")" "$PG_STATE_DIR"
        if [[ ! -f $PG_INIT_MARKER ]]; then
            rm -rf "$PG_DATA"
            log "postgresql: initdb $PG_DATA"
            as_pg "$PG_BIN/initdb" -D "$PG_DATA" -E UTF8 --locale=C.UTF-8 -U "$PG_SUPERUSER" \
                --auth=trust >"$PG_STATE_DIR/initdb.log" 2>&1 \
                || { tail -n 30 "$PG_STATE_DIR/initdb.log" >&2; die "initdb failed"; }
            touch "$PG_INIT_MARKER"
        fi
        write_pg_conf
        log "postgresql: starting on $PG_HOST:$PG_PORT (data $PG_DATA, log $PG_LOG)"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
            tail -n 40 "$PG_LOG" >&2 || true
            die "postgresql did not start"
        fi
    fi
    local psql=("$PG_BIN/psql" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_SUPERUSER")
    if [[ $("${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'") != 1 ]]; then
        log "postgresql: creating database $PG_DATABASE"
        "${psql[@]}" -d postgres -c "CREATE DATABASE $PG_DATABASE"
    fi
    log "postgresql: ready on $PG_HOST:$PG_PORT, database $PG_DATABASE ($(secs_since "$t0")s)"
}

postgres_down() {
    if [[ -f $PG_DATA/PG_VERSION ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        log "postgresql: stopping ($PG_DATA)"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
        log "postgresql: stopped"
    else
        log "postgresql: not running ($PG_DATA)"
    fi
}

# ==============================================================================
write_dotenv() {
    local tmp=$DOTENV.tmp.$$
    cat >"$tmp" <<EOF
# generated by test/env/env.sh up
export PGHOST=$PG_HOST
export PGPORT=$PG_PORT
export PGUSER=$PG_SUPERUSER
export PGDATABASE=$PG_DATABASE
export CQL_HOST=$CASSANDRA_ADDRESS
export CQL_PORT=$CQL_PORT
EOF
    mv -f "$tmp" "$DOTENV"
    log "wrote ${DOTENV#"$REPO_ROOT"/}"
}

cmd_up() {
    require_root
    local t0; t0=$(now_ms)
    cmd_deps
    cassandra_jars
    cassandra_up
    postgres_up
    write_dotenv
    log "up in $(secs_since "$t0")s"
}

cmd_down() {
    require_root
    cassandra_down
    postgres_down
}

cmd_status() {
    local pid rss
    pid=$(cassandra_pid)
    if [[ -n $pid ]]; then
        rss=$(awk '/^VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || true)
        echo "cassandra:  running, pid $pid, RSS ${rss:-?}, logs $NODE_LOGDIR"
    else
        echo "cassandra:  our node ($NODE_DIR) is not running"
    fi
    if cql_ready 2; then
        echo "cassandra:  READY on $CASSANDRA_ADDRESS:$CQL_PORT"
    else
        echo "cassandra:  nothing READY on $CASSANDRA_ADDRESS:$CQL_PORT"
    fi
    if pg_ready 2; then
        echo "postgresql: accepting connections on $PG_HOST:$PG_PORT (data $PG_DATA, log $PG_LOG)"
    else
        echo "postgresql: not answering on $PG_HOST:$PG_PORT (data $PG_DATA)"
    fi
    if [[ -f $DOTENV ]]; then echo "env file:   $DOTENV"; else echo "env file:   (none; run up)"; fi
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in
    deps) cmd_deps ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
