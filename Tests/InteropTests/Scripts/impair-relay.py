#!/usr/bin/env python3
"""impair-relay.py — a UDP relay that impairs a link: loss, delay, jitter, reorder, rate cap (stdlib only).

  impair-relay.py --control FILE [--listen 127.0.0.1:0] [--seconds 60] [--seed 1]
                  [--down SPEC] [--up SPEC] [--all-packets]

Listens on one UDP port for the client (a browser: the gateway advertises this address as its ICE
candidate, `--ice-host 127.0.0.1:PORT`) and forwards what arrives to the target from one outbound
socket; what the target sends back goes to the client. "up" is client → target, "down" is target →
client. Prints `listening PORT` once bound.

A SPEC is comma-separated KEY=VALUE, every key optional:
  loss=0.05        drop each datagram with this probability
  delay=20         one-way delay in ms
  jitter=5         uniform extra delay in [0, jitter] ms (can reorder on its own)
  reorder=0.02     probability a datagram is held back a further `reorder-ms` (default 30)
  reorder-ms=30
  rate=2000        serialization rate in kbit/s (0 = no cap)
  queue=64         most datagrams waiting for the rate cap; more are tail-dropped (bounded queue)
By default only RTP/RTCP (first byte 128–191) is impaired, so ICE and DTLS set up as usual;
`--all-packets` impairs everything. The random generator is seeded (`--seed`): a run repeats.

Commands are lines appended to the control FILE (polled every 20 ms):
  target HOST PORT   where to forward; nothing is relayed before
  set DIR SPEC       replace a direction's settings (DIR is up or down)
  counters           print the counters
  quit               print the counters and exit
Each command is acknowledged with `ack COMMAND` and a `counters …` line. Exits by itself after
--seconds (bounded run time), printing the counters.
"""
import argparse, heapq, os, random, select, socket, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--control", required=True)
ap.add_argument("--listen", default="127.0.0.1:0")
ap.add_argument("--seconds", type=float, default=60)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--up", default="")
ap.add_argument("--down", default="")
ap.add_argument("--all-packets", action="store_true")
a = ap.parse_args()

KEYS = {"loss": float, "delay": float, "jitter": float, "reorder": float, "reorder-ms": float,
        "rate": float, "queue": int}
MAX_QUEUE = 100_000   # hard bound on scheduled datagrams whatever the settings


def out(line):
    print(line, flush=True)


def parse_spec(text):
    spec = {"loss": 0.0, "delay": 0.0, "jitter": 0.0, "reorder": 0.0, "reorder-ms": 30.0, "rate": 0.0, "queue": 64}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        if key not in KEYS:
            raise ValueError(f"unknown key {key!r}")
        spec[key] = KEYS[key](value)
    spec["queue"] = max(1, min(spec["queue"], MAX_QUEUE))
    return spec


class Direction:
    def __init__(self, name, spec):
        self.name, self.spec = name, spec
        self.link_free_at = 0.0     # when the rate-capped link finishes its last datagram
        self.waiting = []           # departure times of datagrams still in the rate queue
        self.c = {"in": 0, "out": 0, "lost": 0, "queueDrops": 0, "reordered": 0, "bytesOut": 0}

    def schedule(self, now, size, rng):
        """When the datagram leaves the relay, or None when it is dropped."""
        self.c["in"] += 1
        s = self.spec
        if s["loss"] > 0 and rng.random() < s["loss"]:
            self.c["lost"] += 1
            return None
        departure = now
        if s["rate"] > 0:
            self.waiting = [t for t in self.waiting if t > now]
            if len(self.waiting) >= s["queue"]:
                self.c["queueDrops"] += 1
                return None
            departure = max(now, self.link_free_at) + size * 8 / (s["rate"] * 1000)
            self.link_free_at = departure
            self.waiting.append(departure)
        departure += s["delay"] / 1000
        if s["jitter"] > 0:
            departure += rng.uniform(0, s["jitter"]) / 1000
        if s["reorder"] > 0 and rng.random() < s["reorder"]:
            self.c["reordered"] += 1
            departure += s["reorder-ms"] / 1000
        return departure


def impairable(data):
    return a.all_packets or (len(data) >= 2 and 128 <= data[0] <= 191)


host, port = a.listen.rsplit(":", 1)
listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listen.bind((host, int(port)))
outbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
outbound.bind((host, 0))
out(f"listening {listen.getsockname()[1]}")

rng = random.Random(a.seed)
up, down = Direction("up", parse_spec(a.up)), Direction("down", parse_spec(a.down))
target = None
client = None
heap = []          # (deliver_at, order, socket, data, address)
order = 0
passed = {"up": 0, "down": 0}


def report():
    parts = [f"{d.name}.{k}={v}" for d in (up, down) for k, v in d.c.items()]
    parts += [f"{k}.unimpaired={v}" for k, v in passed.items()]
    out("counters " + " ".join(parts))


def forward(direction, sock, data, address, now):
    global order
    if impairable(data):
        at = direction.schedule(now, len(data), rng)
        if at is None:
            return
    else:
        passed[direction.name] += 1
        at = now
    if len(heap) >= MAX_QUEUE:
        direction.c["queueDrops"] += 1
        return
    order += 1
    heapq.heappush(heap, (at, order, sock, data, address, direction if impairable(data) else None))


def command(line):
    global target
    words = line.split()
    if not words:
        return True
    if words[0] == "target" and len(words) == 3:
        target = (words[1], int(words[2]))
    elif words[0] == "set" and len(words) == 3 and words[1] in ("up", "down"):
        try:
            (up if words[1] == "up" else down).spec = parse_spec(words[2])
        except ValueError as error:
            out(f"error {error}")
    elif words[0] == "quit":
        out(f"ack {line}")
        report()
        return False
    out(f"ack {line}")
    report()
    return True


control_offset = 0
deadline = time.monotonic() + a.seconds
next_control = 0.0
running = True
while running and time.monotonic() < deadline:
    now = time.monotonic()
    timeout = 0.02
    if heap:
        timeout = max(0.0, min(timeout, heap[0][0] - now))
    readable, _, _ = select.select([listen, outbound], [], [], timeout)
    now = time.monotonic()
    for sock in readable:
        try:
            data, address = sock.recvfrom(65536)
        except OSError:
            continue
        if sock is listen:
            client = address
            if target is not None:
                forward(up, outbound, data, target, now)
        elif client is not None:
            forward(down, listen, data, client, now)
    while heap and heap[0][0] <= now:
        _, _, sock, data, address, direction = heapq.heappop(heap)
        try:
            sock.sendto(data, address)
        except OSError:
            continue
        if direction is not None:
            direction.c["out"] += 1
            direction.c["bytesOut"] += len(data)
    if now >= next_control:
        next_control = now + 0.02
        try:
            with open(a.control) as f:
                f.seek(control_offset)
                text = f.read()
        except FileNotFoundError:
            text = ""
        complete = text[:text.rfind("\n") + 1]
        control_offset += len(complete.encode())
        for line in complete.splitlines():
            if not command(line.strip()):
                running = False
                break
if running:
    report()
sys.stdout.flush()
os._exit(0)
