#!/usr/bin/env python3
"""A TCP listener that never accepts and never answers.

The kernel completes connections into the listen backlog, so a client's
connect() succeeds and its writes are buffered, but no byte ever comes back:
the shape of a hung Cassandra node.  The cancel suite points a server at it
to prove that waits stay cancellable.  Exits after --seconds (bounded) or
when killed.  With --port 0 the kernel picks a free port; the port is
printed on the first line of standard output either way.

    blackhole.py [--host 127.0.0.1] [--port 19042] [--seconds 3600]
"""
import sys
import argparse
import socket
import time

p = argparse.ArgumentParser()
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, default=19042)
p.add_argument("--seconds", type=float, default=3600)
a = p.parse_args()

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a.host, a.port))
s.listen(128)
print(s.getsockname()[1], flush=True)
sys.stdout.close()
time.sleep(a.seconds)
