#!/usr/bin/env python3
"""udp-echo-device.py — the UDP echo "device" of the data channel matrix test (stdlib only).

  udp-echo-device.py BIND_PORT GATEWAY_HOST GATEWAY_PORT [--count 1000] [--channels 4] [--timeout 55]

Binds 127.0.0.1:BIND_PORT (the gateway's `?reply=`), and sends every datagram it receives back to
GATEWAY_HOST:GATEWAY_PORT unchanged. Checks each one against the generator of web/datamatrix.html
(message i of channel c; see there) byte for byte. Stops when channels·count datagrams arrived (or at
--timeout). Prints one JSON line {"received", "bytes", "bad", "dups", "empties", "perChannel": [...],
"orderErrors": {c: n} for the ordered channels 0 and 2}. Exit status 0 when every message arrived intact.
"""
import argparse, json, socket, time

ap = argparse.ArgumentParser()
ap.add_argument("bind_port", type=int); ap.add_argument("host"); ap.add_argument("port", type=int)
ap.add_argument("--count", type=int, default=1000); ap.add_argument("--channels", type=int, default=4)
ap.add_argument("--timeout", type=float, default=55)
a = ap.parse_args()

ALPHA = b"abcdefghijklmnopqrstuvwxyz"
ORDERED = {0, 2}

def size_of(i):
    m = i % 100
    if m in (50, 51): return 0
    if m == 0: return 65507
    if i % 25 == 10: return 16384
    if i % 10 == 3: return 4096
    return 8 + (i * 37) % 1200

def payload(c, i):
    size = size_of(i)
    if size == 0: return b""
    if i % 2 == 0:
        head = f"{c}:{i}:".encode()
        rot = ALPHA[i % 26:] + ALPHA[:i % 26]
        return head + (rot * (size // 26 + 2))[len(head):size]
    return bytes([0xB0 + c, i >> 8, i & 0xFF]) + bytes((i * 7 + k) & 0xFF for k in range(3, size))

def header(d):
    if d[:1] and 0xB0 <= d[0] < 0xB0 + a.channels and len(d) >= 3:
        return d[0] - 0xB0, (d[1] << 8) | d[2]
    parts = d[:16].split(b":")
    if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
        return int(parts[0]), int(parts[1])
    return None

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root): bursts of 64 KiB datagrams
except OSError:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
sock.bind(("127.0.0.1", a.bind_port))
sock.settimeout(0.2)
target = (a.host, a.port)
total = a.count * a.channels
received = nbytes = bad = dups = empties = 0
seen = [bytearray(a.count) for _ in range(a.channels)]
last = [-1] * a.channels
order_errors = {c: 0 for c in ORDERED}
per_channel = [0] * a.channels
start = time.monotonic()
print(f"listening 127.0.0.1:{a.bind_port}", flush=True)
while received < total and time.monotonic() - start < a.timeout:
    try:
        data, _ = sock.recvfrom(65536)
    except socket.timeout:
        continue
    sock.sendto(data, target)
    received += 1
    nbytes += len(data)
    if not data:
        empties += 1
        continue
    h = header(data)
    if h is None or h[0] >= a.channels or h[1] >= a.count or data != payload(*h):
        bad += 1
        continue
    c, i = h
    if seen[c][i]:
        dups += 1
        continue
    seen[c][i] = 1
    per_channel[c] += 1
    if c in ORDERED and i < last[c]:
        order_errors[c] += 1
    last[c] = max(last[c], i)
expected_empties = a.channels * sum(1 for i in range(a.count) if size_of(i) == 0)
missing = sum(1 for c in range(a.channels) for i in range(a.count) if not seen[c][i] and size_of(i) > 0)
ok = received == total and bad == 0 and dups == 0 and missing == 0 and empties == expected_empties \
    and not any(order_errors.values())
print(json.dumps({"ok": ok, "received": received, "bytes": nbytes, "bad": bad, "dups": dups, "empties": empties,
                  "missing": missing, "perChannel": per_channel, "orderErrors": order_errors,
                  "seconds": round(time.monotonic() - start, 2)}), flush=True)
raise SystemExit(0 if ok else 1)
