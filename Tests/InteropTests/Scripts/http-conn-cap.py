#!/usr/bin/env python3
"""http-conn-cap.py — check an HTTP server's connection cap and idle timeout (stdlib only).

  http-conn-cap.py HOST PORT IDLE_CONNECTIONS

Opens IDLE_CONNECTIONS TCP connections that never send a byte, then sends `GET /api/stats` on one
more connection and waits (at most 20 s) for its response. Prints one JSON line:
  {"answered": true|false, "seconds": S, "idle_closed_before_answer": K, "idle_open_at_answer": M}
where K counts idle connections the server had already closed (EOF or reset) when the answer came
and M those still open. Under the cap the answer comes at once with every idle connection open;
one past the cap it waits until the server's idle timeout closes idle connections.
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
probe.sendall(f"GET /api/stats HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
answered, data = False, b""
deadline = start + 20
while time.monotonic() < deadline:
    ready, _, _ = select.select([probe], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        break
    chunk = probe.recv(4096)
    if not chunk:
        break
    data += chunk
    if b"\r\n\r\n" in data:
        answered = data.startswith(b"HTTP/1.1 200")
        break
seconds = time.monotonic() - start
closed = sum(1 for s in idle if closed_by_server(s))
print(json.dumps({"answered": answered, "seconds": round(seconds, 3),
                  "idle_closed_before_answer": closed, "idle_open_at_answer": idle_count - closed}))
