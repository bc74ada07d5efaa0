#!/usr/bin/env bash
# Local test environment for cql_fdw: one Apache Cassandra 5.0 node (from the
# Maven Central jars, run with plain `java` on OpenJDK 17), one PostgreSQL 15
# cluster and a second, "secure" single-node Cassandra cluster for TLS and
# authentication tests.  Debian bookworm, run as root.  Idempotent.
#
#   test/env/env.sh deps     install missing apt packages (test/env/packages.txt)
#   test/env/env.sh up       deps + Cassandra jars + start/reuse Cassandra + start/reuse
#                            PostgreSQL + TLS files + start/reuse the secure node
#                            + write test/.env
#   test/env/env.sh down     stop all servers, the cluster too (never fails if already stopped)
#   test/env/env.sh status   print what runs
#   test/env/env.sh up-secure    only the TLS files + the secure node (+ test/.env)
#   test/env/env.sh down-secure  only stop the secure node
#   test/env/env.sh up-cluster   start/reuse the three-node fault-test cluster (not part
#                                of `up`: three more JVMs), resume paused nodes, wait
#                                until every node sees all three UP; + test/.env
#   test/env/env.sh down-cluster stop only the cluster (+ test/.env)
#   test/env/env.sh up-sim       start/reuse DataStax Simulacron: three simulated nodes
#                                whose answers test/env/sim.py primes (overloaded,
#                                unavailable, read timeouts, unprepared... on demand);
#                                not part of `up`; + test/.env
#   test/env/env.sh down-sim     stop Simulacron (+ test/.env)
#   test/env/env.sh cluster-node N ACTION   N = 1|2|3, for fault-test drivers:
#       stop      SIGTERM (graceful; SIGKILL after 30 s)
#       kill      SIGKILL, returns once the process is gone
#       start     start it again from its directory (or SIGCONT if paused), wait for
#                 READY and, when all three run, until all see each other UP
#       pause     SIGSTOP: hangs with its sockets open (connects succeed, no answers)
#       resume    SIGCONT, then wait as for start
#       wait-down after kill/stop/pause: wait until every running node's failure
#                 detector has it (and any other stopped/paused node) DOWN: a write
#                 at ALL there gets Unavailable at once instead of a timeout (~18 s
#                 after a kill or pause with the default phi_convict_threshold 8)
#
# The cluster: cluster_name cql_fdw_cluster, node N on 127.0.0.1N (N = 1..3: .11,
# .12, .13; listen + rpc address, native port 9042, storage port 7000, no JMX),
# all seeds, num_tokens 1 with balanced initial_tokens, GossipingPropertyFileSnitch,
# dc1 with racks r1, r2, r3, AllowAllAuthenticator, data in <cache>/cassandra-cluster/nodeN.
# The readiness check creates keyspace cqlfdw_cluster_probe (SimpleStrategy RF 3).
# While any cluster node runs, test/.env also exports
# CQL_CLUSTER_HOSTS=127.0.0.11,127.0.0.12,127.0.0.13 and CQL_CLUSTER_PORT=9042.
#
# The secure node: its own cluster (cql_fdw_secure) on $CASSANDRA_SECURE_ADDRESS
# (listen + rpc address, native port 9042, storage port 7000 on that address, no
# JMX), data in <cache>/cassandra-secure, PasswordAuthenticator (superuser
# cassandra/cassandra; `up` creates the superuser role cqlfdw_test / cqlfdw_test_pw),
# client encryption with optional: true (plain and TLS clients on the same port),
# require_client_auth: false.  Test PKI in $CQL_TLS_DIR (generated once, outside
# the repo, readable by the postgres OS user): ca.pem (test CA), server.pem
# (SAN IP:127.0.0.9, DNS:cassandra-secure.test -- not 127.0.0.1/localhost),
# client.pem + client-key.pem (signed by the test CA), other-ca.pem (an unrelated
# CA); CA keys and the server keystore in $CQL_TLS_DIR/private (root only).
# test/.env then also exports CQL_SECURE_HOST, CQL_SECURE_PORT, CQL_USER,
# CQL_PASSWORD, CQL_TLS_DIR, CQL_TLS_SERVER_NAME (absent with CQL_FDW_SECURE=0).
#
# Simulacron: com.datastax.oss.simulacron:simulacron-standalone (one jar) from Maven
# Central into <cache>/simulacron-<version>, run with the same java: its HTTP API on
# $SIM_HTTP_ADDRESS:$SIM_HTTP_PORT, one cluster "cqlfdw" of three nodes in data centre
# dc1 on $SIM_IP and the next two addresses (127.0.2.1-3, node 0-2 for sim.py), native
# port 9042, log in <cache>/simulacron/simulacron.log.  While it runs, test/.env also
# exports CQL_SIM_HOSTS=127.0.2.1,127.0.2.2,127.0.2.3, CQL_SIM_PORT=9042 and
# CQL_SIM_HTTP=127.0.0.1:8187 (what sim.py talks to).
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
#   CQL_FDW_SECURE [1]              0: `up` skips the secure node (and its TLS files)
#   CASSANDRA_SECURE_HEAP [512M]    -Xms/-Xmx of the secure node
#   CASSANDRA_SECURE_ADDRESS [127.0.0.9]  CQL_SECURE_PORT [9042]
#   CASSANDRA_SECURE_STORAGE_PORT [7000]  CASSANDRA_SECURE_JMX_PORT [] (empty: no JMX)
#   CQL_TLS_DIR [$PG_STATE_ROOT/tls] CQL_TLS_SERVER_NAME [cassandra-secure.test]
#   CASSANDRA_CLUSTER_HEAP [512M]   -Xms/-Xmx of each cluster node
#   CASSANDRA_CLUSTER_TIMEOUT [240] seconds up-cluster / cluster-node start wait
#   CASSANDRA_CLUSTER_STAGGER [0]   seconds between node starts (0: all at once)
#   CASSANDRA_CLUSTER_JMX_BASE []   empty: no JMX; else node N gets JMX port BASE+N
#   CASSANDRA_CLUSTER_PHI [8]       phi_convict_threshold of the cluster nodes (Cassandra's
#                                   default 8: a dead peer is marked DOWN after ~18 s)
#   SIM_VERSION [0.12.0]            simulacron-standalone version
#   SIM_IP [127.0.2.1]              first simulated node (the other two follow it)
#   SIM_HTTP_ADDRESS [127.0.0.1]  SIM_HTTP_PORT [8187]   Simulacron's HTTP API
#   SIM_HEAP [256M]                 -Xmx of Simulacron
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

# --- secure Cassandra node (PasswordAuthenticator + client TLS) ------------------
CQL_FDW_SECURE=${CQL_FDW_SECURE:-1}
CASSANDRA_SECURE_HEAP=${CASSANDRA_SECURE_HEAP:-512M}
CASSANDRA_SECURE_ADDRESS=${CASSANDRA_SECURE_ADDRESS:-127.0.0.9}
CQL_SECURE_PORT=${CQL_SECURE_PORT:-9042}
CASSANDRA_SECURE_STORAGE_PORT=${CASSANDRA_SECURE_STORAGE_PORT:-7000}
CASSANDRA_SECURE_JMX_PORT=${CASSANDRA_SECURE_JMX_PORT-}
SECURE_DIR=$CACHE_DIR/cassandra-secure
SECURE_CONF=$SECURE_DIR/conf
SECURE_LOGDIR=$SECURE_DIR/logs
SECURE_PIDFILE=$SECURE_DIR/cassandra.pid
SECURE_STDOUT=$SECURE_LOGDIR/stdout.log
SECURE_SYSLOG=$SECURE_LOGDIR/system.log
CQL_SUPERUSER=cassandra            # created by Cassandra itself (PasswordAuthenticator)
CQL_SUPERUSER_PASSWORD=cassandra
CQL_USER=cqlfdw_test               # created by `up` for the tests
CQL_PASSWORD=cqlfdw_test_pw
CQL_TLS_SERVER_NAME=${CQL_TLS_SERVER_NAME:-cassandra-secure.test}
TLS_KEYSTORE_PASSWORD=cqlfdw-keystore   # throwaway test material

# --- three-node cluster for fault tests (up-cluster; plain `up` does not start it) --
CASSANDRA_CLUSTER_HEAP=${CASSANDRA_CLUSTER_HEAP:-512M}
CASSANDRA_CLUSTER_TIMEOUT=${CASSANDRA_CLUSTER_TIMEOUT:-240}
CASSANDRA_CLUSTER_STAGGER=${CASSANDRA_CLUSTER_STAGGER:-0}
CASSANDRA_CLUSTER_JMX_BASE=${CASSANDRA_CLUSTER_JMX_BASE-}
CASSANDRA_CLUSTER_PHI=${CASSANDRA_CLUSTER_PHI:-8}
CLUSTER_NAME=cql_fdw_cluster
CLUSTER_ADDRESSES=(127.0.0.11 127.0.0.12 127.0.0.13)   # node N = index N-1
CLUSTER_TOKENS=(-9223372036854775808 -3074457345618258603 3074457345618258602)
CLUSTER_DC=dc1
CLUSTER_RACKS=(r1 r2 r3)
CLUSTER_CQL_PORT=9042
CLUSTER_STORAGE_PORT=7000
CLUSTER_DIR=$CACHE_DIR/cassandra-cluster
CLUSTER_PROBE_KEYSPACE=cqlfdw_cluster_probe

# --- Simulacron (up-sim; plain `up` does not start it) ---------------------------
SIM_VERSION=${SIM_VERSION:-0.12.0}
SIM_IP=${SIM_IP:-127.0.2.1}
SIM_HTTP_ADDRESS=${SIM_HTTP_ADDRESS:-127.0.0.1}
SIM_HTTP_PORT=${SIM_HTTP_PORT:-8187}
SIM_HEAP=${SIM_HEAP:-256M}
SIM_CLUSTER=cqlfdw
SIM_CQL_PORT=9042
SIM_READY_TIMEOUT=60
SIM_DIST=$CACHE_DIR/simulacron-$SIM_VERSION
SIM_JAR=$SIM_DIST/simulacron-standalone-$SIM_VERSION.jar
SIM_DIR=$CACHE_DIR/simulacron
SIM_PIDFILE=$SIM_DIR/simulacron.pid
SIM_LOG=$SIM_DIR/simulacron.log

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
CQL_TLS_DIR=${CQL_TLS_DIR:-$PG_STATE_ROOT/tls}
TLS_PRIVATE=$CQL_TLS_DIR/private
TLS_MARKER=$TLS_PRIVATE/.complete

if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
CQL_PING=$ENV_DIR/cql_ping.py
SIM_PY=$ENV_DIR/sim.py

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
cassandra_pid() { node_pid "$NODE_CONF" "$NODE_PIDFILE"; }

is_our_node() { is_node_with_conf "$1" "$NODE_CONF"; }

node_pid() { # $1 = conf dir, $2 = pid file -> pid of the JVM using $1/cassandra.yaml, or empty
    local conf=$1 pidfile=$2 pid=""
    [[ -f $pidfile ]] && pid=$(tr -dc '0-9' <"$pidfile")
    if [[ -n $pid ]] && is_node_with_conf "$pid" "$conf"; then echo "$pid"; return 0; fi
    # pid file lost/stale: look for a JVM started with exactly that cassandra.yaml
    local d
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        if is_node_with_conf "$pid" "$conf"; then echo "$pid"; return 0; fi
    done 2>/dev/null
    return 0
}

is_node_with_conf() { # $1 = pid, $2 = conf dir
    [[ -r /proc/$1/cmdline ]] || return 1
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null \
        | grep -qxF -- "-Dcassandra.config=file://$2/cassandra.yaml"
}

rss_of() { awk '/^VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$1/status" 2>/dev/null || true; }

write_cassandra_conf() {
    make_node_dirs "$NODE_DIR" "$NODE_CONF" "$NODE_LOGDIR"
    {
        cat <<EOF
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

EOF
        yaml_storage_section "$NODE_DIR"
    } >"$NODE_CONF/cassandra.yaml"
    write_logback "$NODE_CONF"
}

# $1 node dir, $2 conf dir, $3 log dir
make_node_dirs() {
    mkdir -p "$2" "$3" "$1"/{data,commitlog,hints,saved_caches,cdc_raw,triggers,tmp}
}

# The part of cassandra.yaml every node shares (directories under $1, commit log,
# failure policies, features the tests use); printed to stdout.
yaml_storage_section() {
    cat <<EOF
data_file_directories:
  - $1/data
commitlog_directory: $1/commitlog
hints_directory: $1/hints
saved_caches_directory: $1/saved_caches
cdc_raw_directory: $1/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 32MiB
commitlog_total_space: 512MiB
disk_failure_policy: stop
commit_failure_policy: stop

materialized_views_enabled: true
user_defined_functions_enabled: true
EOF
}

write_logback() { # $1 = conf dir
    cat >"$1/logback.xml" <<'EOF'
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
    node_jvm_args "$NODE_DIR" "$NODE_CONF" "$NODE_LOGDIR" "$NODE_PIDFILE" "$CASSANDRA_HEAP" "$CASSANDRA_JMX_PORT"
}

# JVM_ARGS for a node: $1 node dir, $2 conf dir, $3 log dir, $4 pid file, $5 heap,
# $6 local JMX port (empty: no JMX)
node_jvm_args() {
    local dir=$1 conf=$2 logdir=$3 pidfile=$4 heap=$5 jmx=$6 jamm
    jamm=$(compgen -G "$CASSANDRA_LIB/jamm-*.jar" | head -n 1)
    JVM_ARGS=(
        -Xms"$heap" -Xmx"$heap" -Xss256k
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
        -Djna.tmpdir="$dir/tmp"
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
        -Dcassandra-pidfile="$pidfile"
        -Dcassandra.config="file://$conf/cassandra.yaml"
        -Dcassandra.storagedir="$dir"
        -Dcassandra.logdir="$logdir"
        -Dcassandra.triggers_dir="$dir/triggers"
        -Dlogback.configurationFile="$conf/logback.xml"
        -Dcassandra.skip_wait_for_gossip_to_settle=0
        -Dcassandra.ring_delay_ms=1000
        -Dcassandra.superuser_setup_delay_ms=0
        -Dcassandra.auth_bcrypt_gensalt_log2_rounds=4
    )
    if [[ -n $jmx ]]; then
        JVM_ARGS+=(-Dcassandra.jmx.local.port="$jmx")
    fi
}

# Start the JVM of a node in the background, detached (JVM_ARGS must be set):
# $1 node dir, $2 conf dir, $3 stdout file, $4 pid file.  Sets STARTED_PID.
start_node_jvm() {
    local dir=$1 conf=$2 out=$3 pidfile=$4
    : >"$out"
    (
        cd "$dir"
        exec setsid nohup "$CASSANDRA_JAVA" "${JVM_ARGS[@]}" \
            -cp "$conf:$CASSANDRA_LIB/*" org.apache.cassandra.service.CassandraDaemon \
            </dev/null >>"$out" 2>&1
    ) &
    STARTED_PID=$!
    echo "$STARTED_PID" >"$pidfile"
}

# Stop a node: $1 label, $2 pid (may be empty), $3 pid file
stop_node() {
    local label=$1 pid=$2 pidfile=$3 i
    if [[ -z $pid ]]; then
        log "$label: not running"
        rm -f "$pidfile"
        return 0
    fi
    log "$label: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$label: still running after 30s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
    log "$label: stopped"
}

print_node_log() { # [files...], default node1's logs
    local f
    (($# > 0)) || set -- "$NODE_SYSLOG" "$NODE_STDOUT"
    for f in "$@"; do
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
        log "cassandra: starting $CASSANDRA_VERSION (heap $CASSANDRA_HEAP) on $CASSANDRA_ADDRESS:$CQL_PORT, logs in $NODE_LOGDIR"
        start_node_jvm "$NODE_DIR" "$NODE_CONF" "$NODE_STDOUT" "$NODE_PIDFILE"
        pid=$STARTED_PID
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

cassandra_down() { stop_node cassandra "$(cassandra_pid)" "$NODE_PIDFILE"; }

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
# Test PKI for the secure node (openssl + keytool), outside the repo
# ==============================================================================
tls_san() { echo "IP:$CASSANDRA_SECURE_ADDRESS, DNS:$CQL_TLS_SERVER_NAME"; }

tls_complete() {
    local f
    [[ -f $TLS_MARKER && $(cat "$TLS_MARKER") == "san=$(tls_san)" ]] || return 1
    for f in "$CQL_TLS_DIR"/{ca.pem,server.pem,client.pem,client-key.pem,other-ca.pem} \
        "$TLS_PRIVATE"/{ca-key.pem,other-ca-key.pem,server-key.pem,server-keystore.p12,truststore.p12}; do
        [[ -s $f ]] || return 1
    done
    openssl verify -CAfile "$CQL_TLS_DIR/ca.pem" "$CQL_TLS_DIR/server.pem" "$CQL_TLS_DIR/client.pem" \
        >/dev/null 2>&1 || return 1
    openssl x509 -checkend 86400 -noout -in "$CQL_TLS_DIR/server.pem" >/dev/null 2>&1 || return 1
    openssl x509 -checkend 86400 -noout -in "$CQL_TLS_DIR/client.pem" >/dev/null 2>&1
}

tls_permissions() {
    local g
    g=$(id -gn "$PG_OS_USER")
    chown root:root "$CQL_TLS_DIR" "$CQL_TLS_DIR"/*.pem
    chmod 755 "$CQL_TLS_DIR"
    chmod 644 "$CQL_TLS_DIR"/{ca.pem,server.pem,client.pem,other-ca.pem}
    chown "root:$g" "$CQL_TLS_DIR/client-key.pem"
    chmod 640 "$CQL_TLS_DIR/client-key.pem"
    chown -R root:root "$TLS_PRIVATE"
    chmod 700 "$TLS_PRIVATE"
    chmod 600 "$TLS_PRIVATE"/* "$TLS_MARKER"
}

# Generates (once) the test CA, the server certificate + keystore, the client
# certificate + key and an unrelated second CA.  Sets TLS_REGENERATED=1 when it
# had to (re)generate them.
tls_material() {
    TLS_REGENERATED=0
    ensure_pg_os_user
    mkdir -p "$(dirname "$CQL_TLS_DIR")"
    if tls_complete; then
        tls_permissions
        log "tls: reusing $CQL_TLS_DIR"
    else
        command -v openssl >/dev/null || die "no openssl (apt package openssl)"
        local keytool t0 tmp
        keytool=$(dirname "$CASSANDRA_JAVA")/keytool
        [[ -x $keytool ]] || die "no keytool at $keytool (openjdk-17-jdk-headless)"
        t0=$(now_ms)
        log "tls: generating test CA, server/client certificates and keystore in $CQL_TLS_DIR"
        tmp=$CQL_TLS_DIR.new.$$
        rm -rf "$tmp"
        install -d -m 700 "$tmp" "$tmp/private"
        cat >"$tmp/private/openssl.cnf" <<CNF
# generated by test/env/env.sh -- throwaway test PKI
[req]
distinguished_name = dn
prompt = no
[dn]
O = cql_fdw tests
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $(tls_san)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
CNF
        if ! (
            set -e
            cd "$tmp"
            cnf=private/openssl.cnf
            days=3650
            serial() { echo "0x$(openssl rand -hex 16)"; }
            # two unrelated self-signed CAs: the test CA and the "wrong CA"
            openssl req -x509 -new -config $cnf -extensions v3_ca -newkey rsa:2048 -nodes -sha256 \
                -days $days -subj "/O=cql_fdw tests/CN=cql_fdw test CA" \
                -keyout private/ca-key.pem -out ca.pem
            openssl req -x509 -new -config $cnf -extensions v3_ca -newkey rsa:2048 -nodes -sha256 \
                -days $days -subj "/O=cql_fdw tests/CN=cql_fdw unrelated CA" \
                -keyout private/other-ca-key.pem -out other-ca.pem
            # server and client certificates, signed by the test CA
            openssl req -new -config $cnf -newkey rsa:2048 -nodes \
                -subj "/O=cql_fdw tests/CN=$CQL_TLS_SERVER_NAME" \
                -keyout private/server-key.pem -out private/server.csr
            openssl x509 -req -in private/server.csr -CA ca.pem -CAkey private/ca-key.pem \
                -set_serial "$(serial)" -days $days -sha256 -extfile $cnf -extensions server -out server.pem
            openssl req -new -config $cnf -newkey rsa:2048 -nodes \
                -subj "/O=cql_fdw tests/CN=$CQL_USER" -keyout client-key.pem -out private/client.csr
            openssl x509 -req -in private/client.csr -CA ca.pem -CAkey private/ca-key.pem \
                -set_serial "$(serial)" -days $days -sha256 -extfile $cnf -extensions client -out client.pem
            rm -f private/*.csr
            openssl verify -CAfile ca.pem server.pem client.pem
            # Cassandra side: PKCS12 keystore (server key + chain) and truststore (test CA)
            openssl pkcs12 -export -in server.pem -inkey private/server-key.pem -certfile ca.pem \
                -name cassandra-secure -passout "pass:$TLS_KEYSTORE_PASSWORD" -out private/server-keystore.p12
            "$keytool" -list -storetype PKCS12 -keystore private/server-keystore.p12 \
                -storepass "$TLS_KEYSTORE_PASSWORD" | grep -q PrivateKeyEntry
            "$keytool" -importcert -noprompt -alias cql_fdw_test_ca -file ca.pem -storetype PKCS12 \
                -keystore private/truststore.p12 -storepass "$TLS_KEYSTORE_PASSWORD"
        ) >"$tmp/private/generate.log" 2>&1; then
            cat "$tmp/private/generate.log" >&2
            rm -rf "$tmp"
            die "tls: generating the test certificates failed"
        fi
        echo "san=$(tls_san)" >"$tmp/private/.complete"
        rm -rf "$CQL_TLS_DIR"
        mv "$tmp" "$CQL_TLS_DIR"
        tls_permissions
        TLS_REGENERATED=1
        log "tls: generated in $(secs_since "$t0")s"
    fi
    as_pg test -r "$CQL_TLS_DIR/client-key.pem" \
        || die "tls: the $PG_OS_USER OS user cannot read $CQL_TLS_DIR/client-key.pem (modes of the parent directories?)"
}

# ==============================================================================
# Secure Cassandra node (own cluster, PasswordAuthenticator, client TLS optional)
# ==============================================================================
secure_enabled() { [[ $CQL_FDW_SECURE != 0 ]]; }

secure_pid() { node_pid "$SECURE_CONF" "$SECURE_PIDFILE"; }

# cql_ping.py against the secure node, extra options in "$@"; exit codes of cql_ping.py
secure_ping() {
    "$PYTHON" "$CQL_PING" -q --timeout "${SECURE_PING_TIMEOUT:-3}" "$@" \
        "$CASSANDRA_SECURE_ADDRESS" "$CQL_SECURE_PORT"
}
secure_ping_tls() { secure_ping --tls --ca "$CQL_TLS_DIR/ca.pem" --server-name "$CQL_TLS_SERVER_NAME" "$@"; }
secure_asks_login() { local rc=0; secure_ping || rc=$?; ((rc == 2)); }
secure_superuser_login() { secure_ping --user "$CQL_SUPERUSER" --password "$CQL_SUPERUSER_PASSWORD"; }
secure_user_login() { secure_ping --user "$CQL_USER" --password "$CQL_PASSWORD"; }
# one CQL statement as the superuser; prints the answer when it fails
secure_query() {
    local out
    out=$("$PYTHON" "$CQL_PING" --timeout 10 --user "$CQL_SUPERUSER" --password "$CQL_SUPERUSER_PASSWORD" \
        --query "$1" "$CASSANDRA_SECURE_ADDRESS" "$CQL_SECURE_PORT" 2>&1) && return 0
    printf '%s\n' "$out" | sed -n '$p' >&2
    return 1
}
secure_user_login_tls() { secure_ping_tls --user "$CQL_USER" --password "$CQL_PASSWORD"; }
# what the tests rely on: $CQL_USER logs in, plain and with TLS (CA + host name verified)
secure_check() { secure_user_login && secure_user_login_tls; }

write_secure_conf() {
    make_node_dirs "$SECURE_DIR" "$SECURE_CONF" "$SECURE_LOGDIR"
    {
        cat <<EOF
# generated by test/env/env.sh -- the "secure" test node: its own single-node
# cluster with authentication and client TLS, Cassandra $CASSANDRA_VERSION (5.0 key names)
cluster_name: cql_fdw_secure
num_tokens: 1
initial_token: -9223372036854775808
auto_bootstrap: false
auto_snapshot: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$CASSANDRA_SECURE_ADDRESS:$CASSANDRA_SECURE_STORAGE_PORT"
listen_address: $CASSANDRA_SECURE_ADDRESS
rpc_address: $CASSANDRA_SECURE_ADDRESS
storage_port: $CASSANDRA_SECURE_STORAGE_PORT
native_transport_port: $CQL_SECURE_PORT
start_native_transport: true

# superuser cassandra/cassandra, created right after startup
# (-Dcassandra.superuser_setup_delay_ms=0)
authenticator: PasswordAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager

# TLS for CQL clients; optional: plain and TLS clients share the native port
client_encryption_options:
  enabled: true
  optional: true
  keystore: $TLS_PRIVATE/server-keystore.p12
  keystore_password: $TLS_KEYSTORE_PASSWORD
  truststore: $TLS_PRIVATE/truststore.p12
  truststore_password: $TLS_KEYSTORE_PASSWORD
  store_type: PKCS12
  require_client_auth: false
  accepted_protocols: [TLSv1.2, TLSv1.3]

EOF
        yaml_storage_section "$SECURE_DIR"
    } >"$SECURE_CONF/cassandra.yaml"
    write_logback "$SECURE_CONF"
}

# usage: secure_wait PID DEADLINE WHAT COMMAND...
# Retries COMMAND every second; dies when the JVM PID (if any) dies or at DEADLINE.
secure_wait() {
    local pid=$1 deadline=$2 what=$3
    shift 3
    until "$@"; do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            print_node_log "$SECURE_SYSLOG" "$SECURE_STDOUT"
            die "secure: the JVM (pid $pid) died before $what"
        fi
        if (($(date +%s) >= deadline)); then
            print_node_log "$SECURE_SYSLOG" "$SECURE_STDOUT"
            die "secure: gave up waiting for $what on $CASSANDRA_SECURE_ADDRESS:$CQL_SECURE_PORT ('env.sh down-secure' stops our node)"
        fi
        sleep 1
    done
}

secure_up() {
    if ! secure_enabled; then
        log "secure: skipped (CQL_FDW_SECURE=0)"
        return 0
    fi
    tls_material
    local where=$CASSANDRA_SECURE_ADDRESS:$CQL_SECURE_PORT
    local pid rc=0 t0 t_auth t_super deadline
    t0=$(now_ms)
    pid=$(secure_pid)
    if [[ -n $pid && $TLS_REGENERATED == 1 ]]; then
        log "secure: new certificates: restarting our node (pid $pid)"
        secure_down
        pid=""
    fi
    secure_ping || rc=$?
    if ((rc == 0)); then
        die "secure: $where answers READY without authentication: not our secure node (stop it, or set CASSANDRA_SECURE_ADDRESS)"
    fi
    if ((rc == 2)) && secure_check; then
        log "secure: a node already accepts $CQL_USER (plain and TLS) on $where, reusing it${pid:+ (pid $pid)}"
        return 0
    fi
    if ((rc == 2)); then
        log "secure: a node answers on $where${pid:+ (pid $pid)} but $CQL_USER cannot log in (plain and TLS); setting it up"
    elif [[ -n $pid ]]; then
        log "secure: our node (pid $pid) is running but not ready yet; waiting"
    else
        [[ -x $CASSANDRA_JAVA ]] || die "no java at $CASSANDRA_JAVA (openjdk-17-jdk-headless)"
        write_secure_conf
        node_jvm_args "$SECURE_DIR" "$SECURE_CONF" "$SECURE_LOGDIR" "$SECURE_PIDFILE" \
            "$CASSANDRA_SECURE_HEAP" "$CASSANDRA_SECURE_JMX_PORT"
        log "secure: starting $CASSANDRA_VERSION (heap $CASSANDRA_SECURE_HEAP, auth + client TLS) on $where, logs in $SECURE_LOGDIR"
        start_node_jvm "$SECURE_DIR" "$SECURE_CONF" "$SECURE_STDOUT" "$SECURE_PIDFILE"
        pid=$STARTED_PID
    fi
    deadline=$(($(date +%s) + CASSANDRA_READY_TIMEOUT))
    secure_wait "$pid" "$deadline" "AUTHENTICATE answer" secure_asks_login
    t_auth=$(secs_since "$t0")
    secure_wait "$pid" "$deadline" "successful login as $CQL_SUPERUSER" secure_superuser_login
    t_super=$(secs_since "$t0")
    # the role for the tests (ALTER it when it exists with another password; 5.0
    # refuses a password change within 5 s of the previous one: retry)
    secure_query "CREATE ROLE IF NOT EXISTS $CQL_USER WITH PASSWORD = '$CQL_PASSWORD' AND LOGIN = true AND SUPERUSER = true" \
        || die "secure: could not create role $CQL_USER"
    if ! secure_user_login; then
        deadline=$(($(date +%s) + 30))
        secure_wait "$pid" "$deadline" "ALTER ROLE $CQL_USER" secure_query \
            "ALTER ROLE $CQL_USER WITH PASSWORD = '$CQL_PASSWORD' AND LOGIN = true AND SUPERUSER = true"
        secure_wait "$pid" "$deadline" "login as $CQL_USER" secure_user_login
    fi
    if ! secure_user_login_tls; then
        "$PYTHON" "$CQL_PING" --tls --ca "$CQL_TLS_DIR/ca.pem" --server-name "$CQL_TLS_SERVER_NAME" \
            --user "$CQL_USER" --password "$CQL_PASSWORD" "$CASSANDRA_SECURE_ADDRESS" "$CQL_SECURE_PORT" >&2 || true
        die "secure: TLS login (CA $CQL_TLS_DIR/ca.pem, name $CQL_TLS_SERVER_NAME) fails on $where"
    fi
    log "secure: ready on $where after $(secs_since "$t0")s (AUTHENTICATE after ${t_auth}s, $CQL_SUPERUSER login after ${t_super}s; role $CQL_USER, plain + TLS logins checked)${pid:+ (pid $pid)}"
}

secure_down() { stop_node secure "$(secure_pid)" "$SECURE_PIDFILE"; }

secure_status() {
    local pid rc=0 state
    secure_enabled || echo "secure:     disabled for 'up' (CQL_FDW_SECURE=0)"
    pid=$(secure_pid)
    if [[ -n $pid ]]; then
        echo "secure:     running, pid $pid, RSS $(rss_of "$pid"), logs $SECURE_LOGDIR"
    else
        echo "secure:     our node ($SECURE_DIR) is not running"
    fi
    SECURE_PING_TIMEOUT=2 secure_ping || rc=$?
    case $rc in
        2) state="asks for a login" ;;
        0) state="READY without authentication (not our secure node?)" ;;
        *) state="nothing answers" ;;
    esac
    if ((rc == 2)); then
        if secure_user_login; then state+="; $CQL_USER login ok"; else state+="; $CQL_USER login FAILS"; fi
        if [[ -f $CQL_TLS_DIR/ca.pem ]] && secure_user_login_tls; then
            state+="; TLS ($CQL_TLS_SERVER_NAME, ca.pem) ok"
        else
            state+="; TLS ($CQL_TLS_SERVER_NAME, ca.pem) FAILS"
        fi
    fi
    echo "secure:     $CASSANDRA_SECURE_ADDRESS:$CQL_SECURE_PORT $state"
    if tls_complete; then echo "secure:     TLS files in $CQL_TLS_DIR"; else echo "secure:     TLS files: none/incomplete in $CQL_TLS_DIR"; fi
}

# ==============================================================================
# Three-node cluster for fault tests (cql_fdw_cluster): node N (1..3) listens on
# ${CLUSTER_ADDRESSES[N-1]} (native 9042, storage 7000), data in $CLUSTER_DIR/nodeN
# ==============================================================================
CLUSTER_NODE_IDS=(1 2 3)

cl_addr() { echo "${CLUSTER_ADDRESSES[$1 - 1]}"; }
cl_dir() { echo "$CLUSTER_DIR/node$1"; }
cluster_pid() { node_pid "$CLUSTER_DIR/node$1/conf" "$CLUSTER_DIR/node$1/cassandra.pid"; }
cluster_logs() { # $1 = node -> its system.log and stdout.log
    echo "$CLUSTER_DIR/node$1/logs/system.log" "$CLUSTER_DIR/node$1/logs/stdout.log"
}

# the process exists and is not a zombie (kill -0 also succeeds on a zombie)
pid_alive() {
    local st
    st=$(awk '/^State:/ {print $2; exit}' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}
pid_paused() { [[ $(awk '/^State:/ {print $2; exit}' "/proc/$1/status" 2>/dev/null) == T ]]; }

# cql_ping.py against node $1, extra options in "${@:2}"
cluster_ping() {
    local n=$1
    shift
    "$PYTHON" "$CQL_PING" -q --timeout "${CLUSTER_PING_TIMEOUT:-2}" "$@" "$(cl_addr "$n")" "$CLUSTER_CQL_PORT"
}

# The probe keyspace (SimpleStrategy RF 3: every node holds every row).
cluster_schema() { # $1 = node to run it on
    cluster_ping "$1" --timeout 15 \
        --query "CREATE KEYSPACE IF NOT EXISTS $CLUSTER_PROBE_KEYSPACE WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}" \
        --query "CREATE TABLE IF NOT EXISTS $CLUSTER_PROBE_KEYSPACE.probe (node text PRIMARY KEY, at timestamp)"
}

# Node $1 knows both peers (system.peers) and, as coordinator, writes one row at
# consistency ALL to the RF 3 probe keyspace: all three replicas are UP in its
# failure detector and answer.
cluster_node_sees_all() {
    local n=$1
    cluster_ping "$n" --timeout 5 --min-rows 2 --query "SELECT peer FROM system.peers" \
        && cluster_ping "$n" --timeout 5 --consistency ALL \
            --query "INSERT INTO $CLUSTER_PROBE_KEYSPACE.probe (node, at) VALUES ('$(cl_addr "$n")', toTimestamp(now()))"
}

write_cluster_conf() { # $1 = node
    local n=$1 dir conf seeds a
    dir=$(cl_dir "$n")
    conf=$dir/conf
    seeds=""
    for a in "${CLUSTER_ADDRESSES[@]}"; do seeds+=${seeds:+,}$a:$CLUSTER_STORAGE_PORT; done
    make_node_dirs "$dir" "$conf" "$dir/logs"
    {
        cat <<EOF
# generated by test/env/env.sh -- node $n of the three-node fault-test cluster
# $CLUSTER_NAME, Cassandra $CASSANDRA_VERSION (5.0 key names)
cluster_name: $CLUSTER_NAME
num_tokens: 1
initial_token: ${CLUSTER_TOKENS[$n - 1]}
auto_bootstrap: false
auto_snapshot: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
# dc/rack from cassandra-rackdc.properties (conf dir, first on the classpath)
endpoint_snitch: GossipingPropertyFileSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$seeds"
listen_address: $(cl_addr "$n")
rpc_address: $(cl_addr "$n")
storage_port: $CLUSTER_STORAGE_PORT
native_transport_port: $CLUSTER_CQL_PORT
start_native_transport: true
# failure detector: a silent peer is convicted after ~ phi * 2.3 gossip intervals (1 s)
phi_convict_threshold: $CASSANDRA_CLUSTER_PHI

authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager

EOF
        yaml_storage_section "$dir"
    } >"$conf/cassandra.yaml"
    cat >"$conf/cassandra-rackdc.properties" <<EOF
# generated by test/env/env.sh
dc=$CLUSTER_DC
rack=${CLUSTER_RACKS[$n - 1]}
EOF
    write_logback "$conf"
}

cluster_start_node() { # $1 = node; sets STARTED_PID
    local n=$1 dir jmx=""
    dir=$(cl_dir "$n")
    if cluster_ping "$n"; then
        die "cluster: $(cl_addr "$n"):$CLUSTER_CQL_PORT answers READY but is not our node $n ($dir): stop it first"
    fi
    write_cluster_conf "$n"
    [[ -n $CASSANDRA_CLUSTER_JMX_BASE ]] && jmx=$((CASSANDRA_CLUSTER_JMX_BASE + n))
    node_jvm_args "$dir" "$dir/conf" "$dir/logs" "$dir/cassandra.pid" "$CASSANDRA_CLUSTER_HEAP" "$jmx"
    log "cluster: starting node $n on $(cl_addr "$n") (rack ${CLUSTER_RACKS[$n - 1]}, heap $CASSANDRA_CLUSTER_HEAP${jmx:+, JMX $jmx}), logs in $dir/logs"
    start_node_jvm "$dir" "$dir/conf" "$dir/logs/stdout.log" "$dir/cassandra.pid"
}

cluster_fail() { # $1 = message; prints the tail of every node's logs, dies
    local n
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        # shellcheck disable=SC2046
        print_node_log $(cluster_logs "$n")
    done
    die "$1"
}

# usage: cluster_wait T0_MS NODE...
# Waits (CASSANDRA_CLUSTER_TIMEOUT seconds) until the listed nodes answer READY;
# then, when all three nodes run (none paused), until every node sees all three
# UP (cluster_node_sees_all).  Timings relative to T0_MS.
cluster_wait() {
    local t0=$1 n pid all deadline schema=0 waiting
    shift
    local -a nodes=("$@")
    local -A pids=() ready=() up=()
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$n")
        if [[ -n $pid ]] && ! pid_paused "$pid"; then pids[$n]=$pid; fi
    done
    for n in "${nodes[@]}"; do
        [[ -n ${pids[$n]:-} ]] || die "cluster: node $n is not running (or paused)"
    done
    deadline=$(($(date +%s) + CASSANDRA_CLUSTER_TIMEOUT))
    while :; do
        all=1
        for n in "${nodes[@]}"; do
            [[ -n ${ready[$n]:-} ]] && continue
            pid_alive "${pids[$n]}" || cluster_fail "cluster: node $n (pid ${pids[$n]}) died before it became READY"
            if cluster_ping "$n"; then
                ready[$n]=$(secs_since "$t0")
                log "cluster: node $n READY on $(cl_addr "$n"):$CLUSTER_CQL_PORT after ${ready[$n]}s (pid ${pids[$n]}, RSS $(rss_of "${pids[$n]}"))"
            else
                all=0
            fi
        done
        if ((all)); then
            ((${#pids[@]} == ${#CLUSTER_NODE_IDS[@]})) || {
                log "cluster: not waiting for all three UP: node(s) $(for n in "${CLUSTER_NODE_IDS[@]}"; do [[ -n ${pids[$n]:-} ]] || printf '%s ' "$n"; done)down or paused"
                return 0
            }
            if ((!schema)) && cluster_schema "${nodes[0]}" >/dev/null 2>&1; then schema=1; fi
            if ((schema)); then
                for n in "${CLUSTER_NODE_IDS[@]}"; do
                    [[ -n ${up[$n]:-} ]] && continue
                    if cluster_node_sees_all "$n"; then up[$n]=$(secs_since "$t0"); else all=0; fi
                done
                if ((all)); then
                    log "cluster: all three nodes UP (2 peers each, consistency ALL write from each) after $(secs_since "$t0")s"
                    return 0
                fi
            fi
        fi
        if (($(date +%s) >= deadline)); then
            waiting=""
            for n in "${CLUSTER_NODE_IDS[@]}"; do
                if [[ -z ${ready[$n]:-} ]]; then waiting+=" node $n: not READY;"
                elif [[ -z ${up[$n]:-} ]]; then
                    # the same checks again, verbose: the last line says what fails
                    waiting+=" node $n: $("$PYTHON" "$CQL_PING" --timeout 5 --min-rows 2 --consistency ALL \
                        --query "SELECT peer FROM system.peers" \
                        --query "INSERT INTO $CLUSTER_PROBE_KEYSPACE.probe (node, at) VALUES ('$(cl_addr "$n")', toTimestamp(now()))" \
                        "$(cl_addr "$n")" "$CLUSTER_CQL_PORT" 2>&1 | tail -n 1);"
                fi
            done
            cluster_fail "cluster: gave up after ${CASSANDRA_CLUSTER_TIMEOUT}s (CASSANDRA_CLUSTER_TIMEOUT):$waiting ('env.sh down-cluster' stops it)"
        fi
        sleep 1
    done
}

cluster_running_nodes() { # prints "N:pid" for each running node
    local n pid
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$n")
        [[ -n $pid ]] && echo "$n:$pid"
    done
    return 0
}

cmd_up_cluster() {
    require_root
    [[ -x $CASSANDRA_JAVA ]] || die "no java at $CASSANDRA_JAVA (openjdk-17-jdk-headless)"
    cassandra_jars
    local t0 n pid started=0
    t0=$(now_ms)
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$n")
        if [[ -n $pid ]] && pid_paused "$pid"; then
            log "cluster: node $n (pid $pid) is paused: resuming it (SIGCONT)"
            kill -CONT "$pid"
        elif [[ -n $pid ]]; then
            log "cluster: node $n running (pid $pid)"
        else
            if ((started > 0 && CASSANDRA_CLUSTER_STAGGER > 0)); then sleep "$CASSANDRA_CLUSTER_STAGGER"; fi
            cluster_start_node "$n"
            started=$((started + 1))
        fi
    done
    cluster_wait "$t0" "${CLUSTER_NODE_IDS[@]}"
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$n")
        log "cluster: node $n $(cl_addr "$n") pid $pid RSS $(rss_of "$pid")"
    done
    dotenv_cluster
    log "cluster: up in $(secs_since "$t0")s ($started node(s) started)"
}

# stop every running node in parallel (SIGCONT first: a paused JVM ignores SIGTERM)
cluster_down() {
    local n pid jobs=()
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$n")
        [[ -n $pid ]] || continue
        kill -CONT "$pid" 2>/dev/null || true
        stop_node "cluster node $n" "$pid" "$(cl_dir "$n")/cassandra.pid" &
        jobs+=($!)
    done
    ((${#jobs[@]} > 0)) && wait "${jobs[@]}"
    ((${#jobs[@]} > 0)) || log "cluster: not running"
    dotenv_cluster
}

cmd_down_cluster() {
    require_root
    cluster_down
}

cmd_cluster_node() { # $1 = node, $2 = action
    require_root
    local n=${1:-} action=${2:-} pid t0 i
    [[ $n =~ ^[123]$ && -n $action ]] || die "usage: env.sh cluster-node 1|2|3 stop|kill|start|pause|resume|wait-down"
    t0=$(now_ms)
    pid=$(cluster_pid "$n")
    case $action in
        stop)
            [[ -n $pid ]] && kill -CONT "$pid" 2>/dev/null
            stop_node "cluster node $n" "$pid" "$(cl_dir "$n")/cassandra.pid"
            ;;
        kill)
            if [[ -z $pid ]]; then log "cluster node $n: not running"; return 0; fi
            kill -KILL "$pid"
            for ((i = 0; i < 100; i++)); do pid_alive "$pid" || break; sleep 0.1; done
            pid_alive "$pid" && die "cluster node $n: pid $pid survives SIGKILL"
            rm -f "$(cl_dir "$n")/cassandra.pid"
            log "cluster node $n: killed pid $pid (SIGKILL)"
            ;;
        start)
            if [[ -n $pid ]] && pid_paused "$pid"; then
                log "cluster node $n: pid $pid is paused: resuming it (SIGCONT)"
                kill -CONT "$pid"
            elif [[ -n $pid ]]; then
                log "cluster node $n: running (pid $pid)"
            else
                [[ -x $CASSANDRA_JAVA ]] || die "no java at $CASSANDRA_JAVA"
                cassandra_jars >/dev/null
                cluster_start_node "$n"
            fi
            cluster_wait "$t0" "$n"
            log "cluster node $n: started in $(secs_since "$t0")s"
            ;;
        pause)
            [[ -n $pid ]] || die "cluster node $n: not running"
            kill -STOP "$pid"
            for ((i = 0; i < 50; i++)); do pid_paused "$pid" && break; sleep 0.1; done
            pid_paused "$pid" || die "cluster node $n: pid $pid not stopped after SIGSTOP"
            log "cluster node $n: paused pid $pid (SIGSTOP; its sockets stay open, nothing answers)"
            ;;
        resume)
            [[ -n $pid ]] || die "cluster node $n: not running"
            kill -CONT "$pid"
            log "cluster node $n: resumed pid $pid (SIGCONT)"
            cluster_wait "$t0" "$n"
            log "cluster node $n: resumed in $(secs_since "$t0")s"
            ;;
        wait-down)
            cluster_wait_down "$n" "$t0"
            ;;
        *) die "cluster-node: unknown action '$action' (stop|kill|start|pause|resume|wait-down)" ;;
    esac
}

# Waits until every running (not paused) node other than $1 sees node $1 -- and
# every other stopped or paused node -- DOWN: a write at consistency ALL to the
# RF 3 probe keyspace coordinated there fails fast with Unavailable, alive = the
# number of running nodes, instead of timing out (0x1100) while the failure
# detector still counts a dead node as alive.  For tests that expect Unavailable.
cluster_wait_down() {
    local n=$1 t0=$2 m pid out deadline
    local -a live=()
    for m in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$m")
        if [[ -n $pid ]] && ! pid_paused "$pid"; then live+=("$m"); fi
    done
    [[ " ${live[*]} " != *" $n "* ]] || die "cluster node $n: running (not paused): stop, kill or pause it first"
    ((${#live[@]} > 0)) || die "cluster node $n: no running node to ask"
    deadline=$(($(date +%s) + CASSANDRA_CLUSTER_TIMEOUT))
    for m in "${live[@]}"; do
        while :; do
            out=$("$PYTHON" "$CQL_PING" --timeout 5 --consistency ALL \
                --query "INSERT INTO $CLUSTER_PROBE_KEYSPACE.probe (node, at) VALUES ('wait-down', toTimestamp(now()))" \
                "$(cl_addr "$m")" "$CLUSTER_CQL_PORT" 2>&1 | tail -n 1) || true
            if [[ $out == *"ERROR 0x1000"*", alive ${#live[@]})"* ]]; then
                log "cluster node $n: DOWN for node $m (Unavailable at ALL, alive ${#live[@]}) after $(secs_since "$t0")s"
                break
            fi
            (($(date +%s) < deadline)) \
                || die "cluster node $n: node $m does not see it DOWN after ${CASSANDRA_CLUSTER_TIMEOUT}s (last: $out)"
            sleep 0.5
        done
    done
}

cluster_status() {
    local n pid state rc
    for n in "${CLUSTER_NODE_IDS[@]}"; do
        pid=$(cluster_pid "$n")
        if [[ -z $pid ]]; then
            state="not running"
        elif pid_paused "$pid"; then
            state="PAUSED (SIGSTOP), pid $pid, RSS $(rss_of "$pid")"
        else
            rc=0
            cluster_ping "$n" || rc=$?
            state="running, pid $pid, RSS $(rss_of "$pid"), "
            if ((rc != 0)); then state+="not READY"
            elif cluster_node_sees_all "$n"; then state+="READY, sees all three UP"
            else state+="READY, does not see all three UP"; fi
        fi
        echo "cluster:    node $n $(cl_addr "$n") rack ${CLUSTER_RACKS[$n - 1]}: $state"
    done
}

# CQL_CLUSTER_HOSTS/CQL_CLUSTER_PORT are in test/.env while a cluster node runs
cluster_dotenv_lines() {
    [[ -n $(cluster_running_nodes) ]] || return 0
    local IFS=,
    cat <<EOF
# three-node cluster cql_fdw_cluster (env.sh up-cluster; node N = Nth host), dc1, racks r1 r2 r3
export CQL_CLUSTER_HOSTS=${CLUSTER_ADDRESSES[*]}
export CQL_CLUSTER_PORT=$CLUSTER_CQL_PORT
EOF
}

# refresh only the cluster lines of test/.env (the whole file when there is none)
dotenv_cluster() {
    if [[ ! -f $DOTENV ]]; then
        write_dotenv
        return 0
    fi
    local tmp=$DOTENV.tmp.$$
    {
        grep -v -e '^# three-node cluster cql_fdw_cluster' -e '^export CQL_CLUSTER_' "$DOTENV" || true
        cluster_dotenv_lines
    } >"$tmp"
    if cmp -s "$tmp" "$DOTENV"; then rm -f "$tmp"; return 0; fi
    mv -f "$tmp" "$DOTENV"
    log "updated ${DOTENV#"$REPO_ROOT"/} (CQL_CLUSTER_HOSTS $(if grep -q '^export CQL_CLUSTER_HOSTS' "$DOTENV"; then echo set; else echo removed; fi))"
}

# ==============================================================================
# Simulacron (simulated nodes: server errors a real node gives only by chance)
# ==============================================================================
simulacron_jar() {
    if [[ -s $SIM_JAR ]]; then
        log "simulacron $SIM_VERSION jar: cached"
        return 0
    fi
    local t0; t0=$(now_ms)
    log "simulacron $SIM_VERSION jar: resolving from Maven Central"
    mkdir -p "$SIM_DIST"
    rm -rf "$SIM_DIST.tmp"
    if ! JAVA_HOME=$(dirname "$(dirname "$CASSANDRA_JAVA")") mvn -B -q \
        "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN_VERSION:copy" \
        -Dartifact="com.datastax.oss.simulacron:simulacron-standalone:$SIM_VERSION" \
        -DoutputDirectory="$SIM_DIST.tmp" >"$SIM_DIST/mvn.log" 2>&1; then
        tail -n 40 "$SIM_DIST/mvn.log" >&2
        die "maven could not resolve simulacron-standalone $SIM_VERSION (log: $SIM_DIST/mvn.log)"
    fi
    mv -f "$SIM_DIST.tmp/simulacron-standalone-$SIM_VERSION.jar" "$SIM_JAR"
    rm -rf "$SIM_DIST.tmp"
    log "simulacron $SIM_VERSION jar: resolved in $(secs_since "$t0")s"
}

# pid of our Simulacron JVM (pid file checked against /proc, else a scan), or empty
sim_pid() {
    local pid="" d
    [[ -f $SIM_PIDFILE ]] && pid=$(tr -dc '0-9' <"$SIM_PIDFILE")
    if [[ -n $pid ]] && is_our_sim "$pid"; then echo "$pid"; return 0; fi
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        if is_our_sim "$pid"; then echo "$pid"; return 0; fi
    done 2>/dev/null
    return 0
}

is_our_sim() {
    [[ -r /proc/$1/cmdline ]] || return 1
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$SIM_JAR"
}

sim_py() {
    CQL_SIM_HTTP=$SIM_HTTP_ADDRESS:$SIM_HTTP_PORT CQL_SIM_CLUSTER=$SIM_CLUSTER \
        "$PYTHON" "$SIM_PY" "$@"
}

sim_api_up() { sim_py wait "${1:-0.5}" >/dev/null 2>&1; }

# the cluster's node addresses, "127.0.2.1 127.0.2.2 127.0.2.3" (empty when none)
sim_node_ips() {
    local out
    out=$(sim_py nodes 2>/dev/null) || return 0
    sed -e 's/:[0-9]*//g' <<<"$out"
}

sim_up() {
    local pid t0 ip ips
    t0=$(now_ms)
    pid=$(sim_pid)
    if [[ -z $pid ]] && sim_api_up; then
        die "simulacron: something else answers on http://$SIM_HTTP_ADDRESS:$SIM_HTTP_PORT"
    fi
    if [[ -n $pid ]]; then
        log "simulacron: running (pid $pid)"
    else
        [[ -x $CASSANDRA_JAVA ]] || die "no java at $CASSANDRA_JAVA"
        simulacron_jar
        mkdir -p "$SIM_DIR"
        : >"$SIM_LOG"
        (
            cd "$SIM_DIR"
            exec setsid nohup "$CASSANDRA_JAVA" "-Xmx$SIM_HEAP" -jar "$SIM_JAR" \
                --ip "$SIM_IP" --httpintf "$SIM_HTTP_ADDRESS" --httpport "$SIM_HTTP_PORT" \
                </dev/null >>"$SIM_LOG" 2>&1
        ) &
        pid=$!
        echo "$pid" >"$SIM_PIDFILE"
        log "simulacron: starting $SIM_VERSION (pid $pid), HTTP API on $SIM_HTTP_ADDRESS:$SIM_HTTP_PORT, log $SIM_LOG"
    fi
    local deadline=$(($(date +%s) + SIM_READY_TIMEOUT))
    until sim_api_up 1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$SIM_LOG" >&2
            die "simulacron: the JVM (pid $pid) died before its HTTP API answered"
        fi
        if (($(date +%s) >= deadline)); then
            tail -n 40 "$SIM_LOG" >&2
            die "simulacron: no HTTP API after ${SIM_READY_TIMEOUT}s (pid $pid still running; 'env.sh down-sim' stops it)"
        fi
    done
    sim_py create >/dev/null || die "simulacron: could not create cluster $SIM_CLUSTER"
    ips=$(sim_node_ips)
    [[ $(wc -w <<<"$ips") -eq 3 ]] || die "simulacron: cluster $SIM_CLUSTER has nodes '$ips', not three"
    for ip in $ips; do
        "$PYTHON" "$CQL_PING" -q --timeout 5 "$ip" "$SIM_CQL_PORT" \
            || die "simulacron: node $ip:$SIM_CQL_PORT does not answer STARTUP with READY"
    done
    # a clean slate: no primes, no activity log
    sim_py clear >/dev/null
    log "simulacron: cluster $SIM_CLUSTER READY on $(tr ' ' ',' <<<"$ips") port $SIM_CQL_PORT after $(secs_since "$t0")s (pid $pid)"
}

sim_down() { stop_node simulacron "$(sim_pid)" "$SIM_PIDFILE"; }

sim_status() {
    local pid
    pid=$(sim_pid)
    if [[ -z $pid ]]; then
        echo "simulacron: not running"
    elif sim_api_up; then
        echo "simulacron: running, pid $pid, RSS $(rss_of "$pid"), HTTP $SIM_HTTP_ADDRESS:$SIM_HTTP_PORT, nodes $(sim_node_ips | tr ' ' ',') port $SIM_CQL_PORT, log $SIM_LOG"
    else
        echo "simulacron: pid $pid, HTTP API not answering on $SIM_HTTP_ADDRESS:$SIM_HTTP_PORT"
    fi
}

# CQL_SIM_* are in test/.env while Simulacron runs
sim_dotenv_lines() {
    [[ -n $(sim_pid) ]] || return 0
    local ips
    ips=$(sim_node_ips)
    [[ -n $ips ]] || return 0
    cat <<EOF
# Simulacron (env.sh up-sim): cluster $SIM_CLUSTER, dc1; primed with test/env/sim.py
export CQL_SIM_HOSTS=$(tr ' ' ',' <<<"$ips")
export CQL_SIM_PORT=$SIM_CQL_PORT
export CQL_SIM_HTTP=$SIM_HTTP_ADDRESS:$SIM_HTTP_PORT
EOF
}

# refresh only the Simulacron lines of test/.env (the whole file when there is none)
dotenv_sim() {
    if [[ ! -f $DOTENV ]]; then
        write_dotenv
        return 0
    fi
    local tmp=$DOTENV.tmp.$$
    {
        grep -v -e '^# Simulacron (env.sh up-sim)' -e '^export CQL_SIM_' "$DOTENV" || true
        sim_dotenv_lines
    } >"$tmp"
    if cmp -s "$tmp" "$DOTENV"; then rm -f "$tmp"; return 0; fi
    mv -f "$tmp" "$DOTENV"
    log "updated ${DOTENV#"$REPO_ROOT"/} (CQL_SIM_HOSTS $(if grep -q '^export CQL_SIM_HOSTS' "$DOTENV"; then echo set; else echo removed; fi))"
}

cmd_up_sim() {
    require_root
    sim_up
    dotenv_sim
}

cmd_down_sim() {
    require_root
    sim_down
    dotenv_sim
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
    if secure_enabled; then
        cat >>"$tmp" <<EOF
# secure node: PasswordAuthenticator + client TLS (optional), see test/env/env.sh
export CQL_SECURE_HOST=$CASSANDRA_SECURE_ADDRESS
export CQL_SECURE_PORT=$CQL_SECURE_PORT
export CQL_USER=$CQL_USER
export CQL_PASSWORD=$CQL_PASSWORD
export CQL_TLS_DIR=$CQL_TLS_DIR
export CQL_TLS_SERVER_NAME=$CQL_TLS_SERVER_NAME
EOF
    fi
    cluster_dotenv_lines >>"$tmp"
    sim_dotenv_lines >>"$tmp"
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
    secure_up
    write_dotenv
    log "up in $(secs_since "$t0")s"
}

cmd_down() {
    require_root
    secure_down # whatever CQL_FDW_SECURE says: do not leave a JVM behind
    cluster_down
    sim_down
    cassandra_down
    postgres_down
}

cmd_up_secure() {
    require_root
    CQL_FDW_SECURE=1
    cassandra_jars
    secure_up
    write_dotenv
}

cmd_down_secure() {
    require_root
    secure_down
}

cmd_status() {
    local pid rss
    pid=$(cassandra_pid)
    if [[ -n $pid ]]; then
        rss=$(rss_of "$pid")
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
    secure_status
    cluster_status
    sim_status
    if [[ -f $DOTENV ]]; then echo "env file:   $DOTENV"; else echo "env file:   (none; run up)"; fi
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in
    deps) cmd_deps ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    up-secure) cmd_up_secure ;;
    down-secure) cmd_down_secure ;;
    up-cluster) cmd_up_cluster ;;
    down-cluster) cmd_down_cluster ;;
    up-sim) cmd_up_sim ;;
    down-sim) cmd_down_sim ;;
    cluster-node) shift; cmd_cluster_node "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
