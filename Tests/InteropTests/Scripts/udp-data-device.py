#!/usr/bin/env python3
"""udp-data-device.py — a UDP "IoT device" for the data channel interop tests (stdlib only).

  udp-data-device.py HOST PORT [--rate 100] [--binary-every 4] [--binary-size 200]
                     [--replies 10] [--after-replies 50] [--timeout 40]

Sends numbered datagrams to HOST:PORT (the gateway's --data port) at --rate per second: JSON text
{"seq": n, "t": <wall clock ms>, "temp": 21.5}, and every --binary-every-th one binary
FF <n hi> <n lo> followed by a pattern (--binary-size bytes in all; not valid UTF-8). Receives what
comes back on the same socket. Stops --after-replies datagrams after the --replies-th reply arrived
(or at --timeout). Prints one line per reply (`reply len=N hex=…`), then a JSON summary line
{"sent": N, "replies": N, "replyFrom": "HOST:PORT", "texts": [...], "binaries": [...]}.
Exit status 0 when --replies replies arrived.
"""
import argparse, json, socket, time

ap = argparse.ArgumentParser()
ap.add_argument("host"); ap.add_argument("port", type=int)
ap.add_argument("--rate", type=float, default=100); ap.add_argument("--binary-every", type=int, default=4)
ap.add_argument("--binary-size", type=int, default=200); ap.add_argument("--replies", type=int, default=10)
ap.add_argument("--after-replies", type=int, default=50); ap.add_argument("--timeout", type=float, default=40)
a = ap.parse_args()

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
sock.setblocking(False)
target = (a.host, a.port)
sent, replies, texts, binaries, reply_from = 0, 0, [], [], None
stop_at_sent = None
start = time.monotonic(); next_send = start
while time.monotonic() - start < a.timeout:
    now = time.monotonic()
    if now >= next_send:
        seq = sent & 0xFFFF
        if a.binary_every and sent % a.binary_every == a.binary_every - 1:
            body = bytes([0xFF, seq >> 8, seq & 0xFF]) + bytes((i * 7) & 0xFF for i in range(max(0, a.binary_size - 3)))
        else:
            body = json.dumps({"seq": seq, "t": time.time() * 1000, "temp": 21.5}).encode()
        sock.sendto(body, target)
        sent += 1
        next_send += 1 / a.rate
        if stop_at_sent is not None and sent >= stop_at_sent:
            break
    try:
        data, addr = sock.recvfrom(65536)
        replies += 1
        reply_from = f"{addr[0]}:{addr[1]}"
        print(f"reply len={len(data)} hex={data[:16].hex()}", flush=True)
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            binaries.append(data.hex())
        if replies == a.replies:
            stop_at_sent = sent + a.after_replies
        continue
    except BlockingIOError:
        pass
    time.sleep(min(0.002, max(0.0, next_send - time.monotonic())))
# Collect replies still in flight for a moment.
end = time.monotonic() + 0.5
while time.monotonic() < end:
    try:
        data, addr = sock.recvfrom(65536)
        replies += 1
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            binaries.append(data.hex())
    except BlockingIOError:
        time.sleep(0.01)
print(json.dumps({"sent": sent, "replies": replies, "replyFrom": reply_from, "texts": texts, "binaries": binaries}), flush=True)
raise SystemExit(0 if replies >= a.replies else 1)
