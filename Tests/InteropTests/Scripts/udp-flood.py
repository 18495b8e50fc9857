#!/usr/bin/env python3
"""udp-flood.py — flood a gateway's data device port with datagrams, as fast as possible (stdlib only).

  udp-flood.py HOST PORT [--count 200000] [--size 200] [--big-every 100] [--big-size 1500]

Sends --count datagrams from one socket without pacing: --size bytes each (binary: FF, a 32-bit
number, then a pattern), every --big-every-th one --big-size bytes instead (over the device's
maxSize in the flood test). Prints one JSON line {"sent", "big", "seconds", "perSecond"}.
"""
import argparse, json, socket, time

ap = argparse.ArgumentParser()
ap.add_argument("host"); ap.add_argument("port", type=int)
ap.add_argument("--count", type=int, default=200000); ap.add_argument("--size", type=int, default=200)
ap.add_argument("--big-every", type=int, default=100); ap.add_argument("--big-size", type=int, default=1500)
a = ap.parse_args()

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
target = (a.host, a.port)
small = bytearray(bytes([0xFF]) + bytes(4) + bytes((k * 7) & 0xFF for k in range(max(0, a.size - 5))))
big = bytearray(bytes([0xFF]) + bytes(4) + bytes((k * 7) & 0xFF for k in range(max(0, a.big_size - 5))))
sent = bigs = 0
start = time.monotonic()
for n in range(a.count):
    is_big = a.big_every > 0 and n % a.big_every == a.big_every - 1
    body = big if is_big else small
    body[1:5] = n.to_bytes(4, "big")
    while True:
        try:
            sock.sendto(body, target)
            break
        except BlockingIOError:  # the local send buffer is full: try again (never on loopback in practice)
            time.sleep(0)
    sent += 1
    bigs += is_big
elapsed = time.monotonic() - start
print(json.dumps({"sent": sent, "big": bigs, "seconds": round(elapsed, 3), "perSecond": round(sent / max(elapsed, 1e-9))}),
      flush=True)
