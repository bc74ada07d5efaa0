#!/usr/bin/env python3
"""Minimal CQL native-protocol v4 probe (Python 3 standard library only).

    cql_ping.py [-q] [--timeout SECONDS] [--options]
                [--tls --ca FILE [--server-name NAME] [--cert FILE --key FILE]]
                [--user USER --password PASSWORD] [--query CQL ...]
                [--consistency LEVEL] [--min-rows N] [HOST [PORT]]

Default: send STARTUP {"CQL_VERSION": "3.0.0"} and exit 0 iff the server
answers READY (opcode 0x02).  With --options: send OPTIONS and print the
SUPPORTED multimap (exit 0 iff SUPPORTED arrives), for debugging.

--user/--password: when the server answers AUTHENTICATE, log in with SASL
PLAIN (AUTH_RESPONSE b"\\0user\\0password"); success is AUTH_SUCCESS.  A server
that answers READY (no authentication) also counts as success.

--tls: wrap the connection in TLS (python ssl, TLS 1.2+), verifying the
server certificate against --ca and its name against --server-name (default:
HOST; an IP address is matched against the IP subjectAltNames).  --cert/--key
present a client certificate.

--query CQL (repeatable): after STARTUP (and login), send each CQL text as a
QUERY at consistency ONE (or --consistency LEVEL: ONE, QUORUM, ALL,
LOCAL_QUORUM, ... or a number such as 0x0005); every one must answer RESULT.
A Rows result is printed with its row count ("RESULT Rows (2 rows)").
--min-rows N: every Rows result must hold at least N rows (exit 5 otherwise),
e.g. --query "SELECT peer FROM system.peers" --min-rows 2.

Exit codes: 0 success, 1 connection failure / timeout / unexpected answer,
2 the server wants authentication (AUTHENTICATE) and no --user was given,
3 the server sent ERROR (printed as "ERROR 0x<code>: <message>"; a bad login
is ERROR 0x0100), 4 TLS handshake or certificate/host-name verification failed,
5 a Rows result had fewer than --min-rows rows.
"""
import argparse
import socket
import ssl
import struct
import sys

VERSION_REQ = 0x04
OP_ERROR, OP_STARTUP, OP_READY, OP_AUTHENTICATE = 0x00, 0x01, 0x02, 0x03
OP_OPTIONS, OP_SUPPORTED, OP_QUERY, OP_RESULT = 0x05, 0x06, 0x07, 0x08
OP_AUTH_CHALLENGE, OP_AUTH_RESPONSE, OP_AUTH_SUCCESS = 0x0E, 0x0F, 0x10
OP_NAMES = {0x00: "ERROR", 0x01: "STARTUP", 0x02: "READY", 0x03: "AUTHENTICATE",
            0x05: "OPTIONS", 0x06: "SUPPORTED", 0x07: "QUERY", 0x08: "RESULT",
            0x0E: "AUTH_CHALLENGE", 0x0F: "AUTH_RESPONSE", 0x10: "AUTH_SUCCESS"}
RESULT_KINDS = {1: "Void", 2: "Rows", 3: "Set_keyspace", 4: "Prepared", 5: "Schema_change"}
CONSISTENCIES = {"ANY": 0x0000, "ONE": 0x0001, "TWO": 0x0002, "THREE": 0x0003,
                 "QUORUM": 0x0004, "ALL": 0x0005, "LOCAL_QUORUM": 0x0006,
                 "EACH_QUORUM": 0x0007, "SERIAL": 0x0008, "LOCAL_SERIAL": 0x0009,
                 "LOCAL_ONE": 0x000A}
RESULT_ROWS = 2


class ProbeError(Exception):
    """An answer that ends the probe: (exit code, message)."""

    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def cql_string(s):
    b = s.encode("utf-8")
    return struct.pack(">H", len(b)) + b


def cql_long_string(s):
    b = s.encode("utf-8")
    return struct.pack(">i", len(b)) + b


def cql_bytes(b):
    return struct.pack(">i", len(b)) + b


def frame(opcode, body=b"", stream=1):
    # header: version(1) flags(1) stream(2, signed) opcode(1) length(4)
    return struct.pack(">BBhBI", VERSION_REQ, 0, stream, opcode, len(body)) + body


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_string(body, pos):
    (n,) = struct.unpack_from(">H", body, pos)
    pos += 2
    return body[pos:pos + n].decode("utf-8", "replace"), pos + n


def parse_multimap(body):
    (count,) = struct.unpack_from(">H", body, 0)
    pos, out = 2, {}
    for _ in range(count):
        key, pos = read_string(body, pos)
        (nvals,) = struct.unpack_from(">H", body, pos)
        pos += 2
        vals = []
        for _ in range(nvals):
            v, pos = read_string(body, pos)
            vals.append(v)
        out[key] = vals
    return out


def skip_type_option(body, pos):
    """Skips one [option] of a column type (protocol v4 section 4.2.5.2)."""
    (tid,) = struct.unpack_from(">H", body, pos)
    pos += 2
    if tid == 0x0000:  # custom: class name
        _, pos = read_string(body, pos)
    elif tid in (0x0020, 0x0022):  # list, set
        pos = skip_type_option(body, pos)
    elif tid == 0x0021:  # map
        pos = skip_type_option(body, skip_type_option(body, pos))
    elif tid == 0x0030:  # UDT: keyspace, name, n * (field name, type)
        _, pos = read_string(body, pos)
        _, pos = read_string(body, pos)
        (n,) = struct.unpack_from(">H", body, pos)
        pos += 2
        for _ in range(n):
            _, pos = read_string(body, pos)
            pos = skip_type_option(body, pos)
    elif tid == 0x0031:  # tuple
        (n,) = struct.unpack_from(">H", body, pos)
        pos += 2
        for _ in range(n):
            pos = skip_type_option(body, pos)
    return pos


def rows_count(payload):
    """Row count of a RESULT Rows body (kind already at offset 0)."""
    flags, ncols = struct.unpack_from(">ii", payload, 4)
    pos = 12
    if flags & 0x0002:  # Has_more_pages: paging state [bytes]
        (n,) = struct.unpack_from(">i", payload, pos)
        pos += 4 + max(n, 0)
    if not flags & 0x0004:  # column specs unless No_metadata
        if flags & 0x0001:  # Global_tables_spec
            _, pos = read_string(payload, pos)
            _, pos = read_string(payload, pos)
        for _ in range(ncols):
            if not flags & 0x0001:
                _, pos = read_string(payload, pos)
                _, pos = read_string(payload, pos)
            _, pos = read_string(payload, pos)
            pos = skip_type_option(payload, pos)
    (count,) = struct.unpack_from(">i", payload, pos)
    return count


def consistency(text):
    t = text.strip().upper()
    if t in CONSISTENCIES:
        return CONSISTENCIES[t]
    try:
        return int(t, 0)
    except ValueError:
        raise argparse.ArgumentTypeError("unknown consistency %r (%s)"
                                         % (text, ", ".join(CONSISTENCIES)))


def error_text(payload):
    """"ERROR 0x<code>: <message>", plus the details of Unavailable and of read
    and write timeouts: " (consistency ALL, required 3, alive 2)"."""
    try:
        (code,) = struct.unpack_from(">i", payload, 0)
        msg, pos = read_string(payload, 4)
    except struct.error:
        return "ERROR 0x%04x: %s" % (-1, repr(payload))
    names = {v: k for k, v in CONSISTENCIES.items()}
    try:
        if code == 0x1000:  # Unavailable: <cl><required><alive>
            cl, required, alive = struct.unpack_from(">Hii", payload, pos)
            msg += " (consistency %s, required %d, alive %d)" % (names.get(cl, cl), required, alive)
        elif code in (0x1100, 0x1200):  # Write_timeout / Read_timeout: <cl><received><blockfor>
            cl, received, blockfor = struct.unpack_from(">Hii", payload, pos)
            msg += " (consistency %s, received %d, blockfor %d)" % (names.get(cl, cl), received, blockfor)
    except struct.error:
        pass
    return "ERROR 0x%04x: %s" % (code, msg)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.stream = 0

    def request(self, opcode, body=b""):
        self.stream += 1
        self.sock.sendall(frame(opcode, body, self.stream))
        while True:
            header = recv_exact(self.sock, 9)
            version, _flags, stream, op, length = struct.unpack(">BBhBI", header)
            payload = recv_exact(self.sock, length) if length else b""
            if stream == self.stream:
                return version, op, payload
            # stream -1 = server event, anything else is not ours: skip it


def connect(a):
    sock = socket.create_connection((a.host, a.port), timeout=a.timeout)
    sock.settimeout(a.timeout)
    if not a.tls:
        return sock
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=a.ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    try:
        return ctx.wrap_socket(sock, server_hostname=a.server_name or a.host)
    except BaseException:
        sock.close()
        raise


def probe(a, say):
    """Returns the exit code; raises ProbeError/OSError/ConnectionError/struct.error."""
    where = "%s:%d" % (a.host, a.port)
    with connect(a) as sock:
        if a.tls:
            say("cql_ping: %s: TLS %s %s, server certificate verified for %s"
                % (where, sock.version(), sock.cipher()[0], a.server_name or a.host))
        conn = Conn(sock)
        if a.options:
            version, op, payload = conn.request(OP_OPTIONS)
            if op == OP_ERROR:
                raise ProbeError(3, error_text(payload))
            if op != OP_SUPPORTED:
                raise ProbeError(1, "expected SUPPORTED, got %s" % OP_NAMES.get(op, "0x%02x" % op))
            say("cql_ping: %s: SUPPORTED (response version 0x%02x)" % (where, version))
            for k, v in sorted(parse_multimap(payload).items()):
                say("  %s: %s" % (k, ", ".join(v)))
            return 0

        body = struct.pack(">H", 1) + cql_string("CQL_VERSION") + cql_string("3.0.0")
        _version, op, payload = conn.request(OP_STARTUP, body)
        if op == OP_ERROR:
            raise ProbeError(3, error_text(payload))
        if op == OP_READY:
            say("cql_ping: %s: READY" % where)
        elif op == OP_AUTHENTICATE:
            auth, _ = read_string(payload, 0)
            if a.user is None:
                say("cql_ping: %s: AUTHENTICATE %s" % (where, auth))
                return 2
            token = b"\0" + a.user.encode("utf-8") + b"\0" + a.password.encode("utf-8")
            _version, op, payload = conn.request(OP_AUTH_RESPONSE, cql_bytes(token))
            if op == OP_ERROR:
                raise ProbeError(3, error_text(payload))
            if op != OP_AUTH_SUCCESS:
                raise ProbeError(1, "login: expected AUTH_SUCCESS, got %s"
                                 % OP_NAMES.get(op, "0x%02x" % op))
            say("cql_ping: %s: AUTH_SUCCESS as %s (%s)" % (where, a.user, auth))
        else:
            raise ProbeError(1, "unexpected %s" % OP_NAMES.get(op, "0x%02x" % op))

        for q in a.query:
            body = cql_long_string(q) + struct.pack(">HB", a.consistency, 0)
            _version, op, payload = conn.request(OP_QUERY, body)
            if op == OP_ERROR:
                raise ProbeError(3, "%s  [query: %s]" % (error_text(payload), q))
            if op != OP_RESULT:
                raise ProbeError(1, "query: expected RESULT, got %s"
                                 % OP_NAMES.get(op, "0x%02x" % op))
            (kind,) = struct.unpack_from(">i", payload, 0)
            what = RESULT_KINDS.get(kind, kind)
            if kind == RESULT_ROWS:
                n = rows_count(payload)
                what = "Rows (%d row%s)" % (n, "" if n == 1 else "s")
                if a.min_rows is not None and n < a.min_rows:
                    raise ProbeError(5, "RESULT %s, fewer than --min-rows %d  [query: %s]"
                                     % (what, a.min_rows, q))
            say("cql_ping: %s: RESULT %s  [query: %s]" % (where, what, q))
        return 0


def main():
    ap = argparse.ArgumentParser(description="CQL native protocol v4 STARTUP/OPTIONS probe")
    ap.add_argument("host", nargs="?", default="127.0.0.1")
    ap.add_argument("port", nargs="?", type=int, default=9042)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--options", action="store_true", help="send OPTIONS, print SUPPORTED")
    ap.add_argument("--user", help="log in (SASL PLAIN) when the server asks")
    ap.add_argument("--password", help="password for --user")
    ap.add_argument("--query", action="append", default=[], metavar="CQL",
                    help="send this QUERY after STARTUP/login (repeatable)")
    ap.add_argument("--consistency", type=consistency, default=CONSISTENCIES["ONE"],
                    metavar="LEVEL", help="consistency of every --query (default ONE)")
    ap.add_argument("--min-rows", type=int, metavar="N",
                    help="every Rows result must hold at least N rows (else exit 5)")
    ap.add_argument("--tls", action="store_true", help="connect with TLS")
    ap.add_argument("--ca", help="CA certificate (PEM) that must sign the server certificate")
    ap.add_argument("--server-name", help="name to verify (and send as SNI); default HOST")
    ap.add_argument("--cert", help="client certificate (PEM)")
    ap.add_argument("--key", help="client private key (PEM)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if (a.user is None) != (a.password is None):
        ap.error("--user and --password go together")
    if (a.ca or a.server_name or a.cert or a.key) and not a.tls:
        ap.error("--ca/--server-name/--cert/--key need --tls")
    if a.tls and not a.ca:
        ap.error("--tls needs --ca FILE")
    if (a.cert is None) != (a.key is None):
        ap.error("--cert and --key go together")
    if a.options and (a.user or a.query):
        ap.error("--options does not combine with --user/--query")

    def say(msg):
        if not a.quiet:
            print(msg)

    where = "%s:%d" % (a.host, a.port)
    try:
        return probe(a, say)
    except ProbeError as e:
        say("cql_ping: %s: %s" % (where, e))
        return e.code
    except (ssl.SSLError, ssl.CertificateError) as e:
        say("cql_ping: %s: TLS: %s" % (where, e))
        return 4
    except (OSError, ConnectionError, struct.error) as e:
        say("cql_ping: %s: %s" % (where, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
