#!/usr/bin/env python3
"""http-conn-cap.py — check an HTTP server's connection cap and idle timeout (stdlib only).

  http-conn-cap.py HOST PORT IDLE_CONNECTIONS

Opens IDLE_CONNECTIONS TCP connections that never send a byte, then sends `GET /api/stats` on one
more connection and waits (at most 10 s) for its response or its close. Then waits (at most 10 s)
until the server has closed every idle connection. Prints one JSON line:
  {"answered": bool, "refused": bool, "seconds": T, "idle_open_at_answer": M, "idle_closed_after": S or null}
`refused` means the server closed the probe without answering; T is when that happened; M counts
idle connections still open then; S is when the last idle one was closed (seconds
after the probe started).
"""
import json, select, socket, sys, time

host, port, idle_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
idle = [socket.create_connection((host, port), timeout=5) for _ in range(idle_count)]
for s in idle:
    s.setblocking(False)

def closed_by_server(s):
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True

start = time.monotonic()
probe = socket.create_connection((host, port), timeout=5)
answered = refused = False
try:
    probe.sendall(f"GET /api/stats HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data, deadline = b"", start + 10
    while time.monotonic() < deadline:
        ready, _, _ = select.select([probe], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = probe.recv(4096)
        if not chunk:
            refused = not data
            break
        data += chunk
        if b"\r\n\r\n" in data:
            answered = data.startswith(b"HTTP/1.1 200")
            break
except OSError:
    refused = True
answer_seconds = round(time.monotonic() - start, 3)
open_at_answer = sum(1 for s in idle if not closed_by_server(s))
closed_after, deadline = None, start + 10
open_now = set(range(idle_count))
while time.monotonic() < deadline:
    open_now = {i for i in open_now if not closed_by_server(idle[i])}
    if not open_now:
        closed_after = round(time.monotonic() - start, 3)
        break
    time.sleep(0.05)
print(json.dumps({"answered": answered, "refused": refused, "seconds": answer_seconds,
                  "idle_open_at_answer": open_at_answer,
                  "idle_closed_after": closed_after}))
