#!/usr/bin/env python3
"""Minimal CQL native-protocol v4 probe (Python 3 standard library only).

    cql_ping.py [-q] [--timeout SECONDS] [--options] [HOST [PORT]]

Default: send STARTUP {"CQL_VERSION": "3.0.0"} and exit 0 iff the server
answers READY (opcode 0x02).  With --options: send OPTIONS and print the
SUPPORTED multimap (exit 0 iff SUPPORTED arrives), for debugging.

Exit codes: 0 success, 1 connection failure / timeout / unexpected answer,
2 the server wants authentication (AUTHENTICATE), 3 the server sent ERROR.
"""
import argparse
import socket
import struct
import sys

VERSION_REQ = 0x04
OP_ERROR, OP_STARTUP, OP_READY, OP_AUTHENTICATE = 0x00, 0x01, 0x02, 0x03
OP_OPTIONS, OP_SUPPORTED = 0x05, 0x06
OP_NAMES = {0x00: "ERROR", 0x01: "STARTUP", 0x02: "READY", 0x03: "AUTHENTICATE",
            0x05: "OPTIONS", 0x06: "SUPPORTED", 0x07: "QUERY", 0x08: "RESULT"}


def cql_string(s):
    b = s.encode("utf-8")
    return struct.pack(">H", len(b)) + b


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


def exchange(host, port, timeout, opcode, body):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(frame(opcode, body))
        header = recv_exact(sock, 9)
        version, _flags, _stream, op, length = struct.unpack(">BBhBI", header)
        payload = recv_exact(sock, length) if length else b""
        return version, op, payload


def main():
    ap = argparse.ArgumentParser(description="CQL native protocol v4 STARTUP/OPTIONS probe")
    ap.add_argument("host", nargs="?", default="127.0.0.1")
    ap.add_argument("port", nargs="?", type=int, default=9042)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--options", action="store_true", help="send OPTIONS, print SUPPORTED")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()

    def say(msg):
        if not a.quiet:
            print(msg)

    if a.options:
        opcode, body = OP_OPTIONS, b""
    else:
        body = struct.pack(">H", 1) + cql_string("CQL_VERSION") + cql_string("3.0.0")
        opcode = OP_STARTUP
    try:
        version, op, payload = exchange(a.host, a.port, a.timeout, opcode, body)
    except (OSError, ConnectionError, struct.error) as e:
        say("cql_ping: %s:%d: %s" % (a.host, a.port, e))
        return 1
    name = OP_NAMES.get(op, "0x%02x" % op)
    if op == OP_ERROR:
        try:
            (code,) = struct.unpack_from(">i", payload, 0)
            msg, _ = read_string(payload, 4)
        except struct.error:
            code, msg = -1, repr(payload)
        say("cql_ping: %s:%d: ERROR 0x%04x: %s" % (a.host, a.port, code, msg))
        return 3
    if a.options:
        if op != OP_SUPPORTED:
            say("cql_ping: %s:%d: expected SUPPORTED, got %s" % (a.host, a.port, name))
            return 1
        say("cql_ping: %s:%d: SUPPORTED (response version 0x%02x)" % (a.host, a.port, version))
        for k, v in sorted(parse_multimap(payload).items()):
            say("  %s: %s" % (k, ", ".join(v)))
        return 0
    if op == OP_READY:
        say("cql_ping: %s:%d: READY" % (a.host, a.port))
        return 0
    if op == OP_AUTHENTICATE:
        auth, _ = read_string(payload, 0)
        say("cql_ping: %s:%d: AUTHENTICATE %s" % (a.host, a.port, auth))
        return 2
    say("cql_ping: %s:%d: unexpected %s" % (a.host, a.port, name))
    return 1


if __name__ == "__main__":
    sys.exit(main())
