#!/usr/bin/env python3
"""nat-relay.py — a UDP relay that plays a NAT in front of a WebRTC viewer (stdlib only).

  nat-relay.py --control FILE [--listen 127.0.0.1:0] [--seconds 60]

Listens on one UDP port for the browser (the gateway advertises this address as its candidate,
`--ice-host 127.0.0.1:PORT`) and forwards what arrives to the gateway from an outbound socket
(the NAT mapping); what the gateway sends to that socket goes back to the browser. Prints
`listening PORT` once bound. Commands are lines appended to the control FILE (polled every 20 ms):

  target HOST PORT   where to forward (the gateway's WebRTC UDP port); nothing is relayed before
  rebind             a NAT rebinding: close the outbound socket and forward from a new one (a new
                     source port the gateway has never seen)
  forge              replay the browser's next nominating STUN check (Binding request with
                     USE-CANDIDATE) to the gateway, unchanged, from a third socket that answers
                     nothing: a spoofed claim of a new address; its port then only counts what the
                     gateway sends it (our probe, the check's response)
  counters           just print the counters
  quit               print the counters and exit

Every check from the browser is logged as `check ms=N use-candidate=0|1` (ms since the relay
started), to measure the browser's check interval. Each command is acknowledged with
`ack COMMAND` and a `counters …` line. After a rebind the relay prints the first datagrams of note on the new socket, with milliseconds since the rebind:
`after-rebind first-check-ms=N use-candidate=0|1`, `after-rebind first-probe-ms=N` (a Binding
request from the gateway), `after-rebind first-media-ms=N` (the first non-STUN datagram from the
gateway). Exits by itself after --seconds (bounded run time), printing the counters.
"""
import argparse, os, select, socket, struct, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--control", required=True)
ap.add_argument("--listen", default="127.0.0.1:0")
ap.add_argument("--seconds", type=float, default=60)
a = ap.parse_args()

MAGIC = 0x2112A442
USE_CANDIDATE = 0x0025


def out(line):
    print(line, flush=True)


def stun_kind(data):
    """(method+class, has USE-CANDIDATE) for a STUN message, None for anything else."""
    if len(data) < 20 or data[0] > 3:
        return None
    kind, length, cookie = struct.unpack("!HHI", data[:8])
    if cookie != MAGIC or 20 + length > len(data):
        return None
    offset, use_candidate = 20, False
    while offset + 4 <= 20 + length:
        attr, size = struct.unpack("!HH", data[offset:offset + 4])
        use_candidate |= attr == USE_CANDIDATE
        offset += 4 + size + (4 - size % 4) % 4
    return kind, use_candidate


host, port = a.listen.rsplit(":", 1)
listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listen.bind((host, int(port)))
out(f"listening {listen.getsockname()[1]}")


def new_outbound():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    return s


outbound = new_outbound()
forger = None
target = None
browser = None
forge_armed = False
rebind_at = None
noted = set()
counters = {"toGateway": 0, "fromGateway": 0, "rebinds": 0, "forged": 0, "forgerReceived": 0,
            "forgerProbes": 0, "checksFromBrowser": 0, "nominationsFromBrowser": 0}


def report():
    fields = " ".join(f"{k}={v}" for k, v in counters.items())
    out(f"counters {fields} outboundPort={outbound.getsockname()[1]}")


def note(name, text):
    if rebind_at is not None and name not in noted:
        noted.add(name)
        out(f"after-rebind {name}-ms={int((time.monotonic() - rebind_at) * 1000)}{text}")


control_offset = 0
started = time.monotonic()
deadline = time.monotonic() + a.seconds
done = False
while not done and time.monotonic() < deadline:
    # Commands appended to the control file since the last look.
    try:
        with open(a.control, "rb") as f:
            f.seek(control_offset)
            chunk = f.read()
    except FileNotFoundError:
        chunk = b""
    while b"\n" in chunk:
        line, chunk = chunk.split(b"\n", 1)
        control_offset += len(line) + 1
        words = line.decode().split()
        if not words:
            continue
        if words[0] == "target" and len(words) == 3:
            target = (words[1], int(words[2]))
        elif words[0] == "rebind":
            outbound.close()
            outbound = new_outbound()
            counters["rebinds"] += 1
            rebind_at = time.monotonic()
            noted.clear()
        elif words[0] == "forge":
            forge_armed = True
        elif words[0] == "counters":
            pass
        elif words[0] == "quit":
            done = True
        else:
            out(f"unknown command {line.decode()!r}")
            continue
        out(f"ack {' '.join(words)}")
        report()
    sockets = [listen, outbound] + ([forger] if forger else [])
    readable, _, _ = select.select(sockets, [], [], 0.02)
    for s in readable:
        try:
            data, source = s.recvfrom(65535)
        except OSError:   # ICMP port unreachable from an earlier send
            continue
        kind = stun_kind(data)
        if s is listen:
            browser = source
            if target is None:
                continue
            if kind is not None and kind[0] == 0x0001:
                counters["checksFromBrowser"] += 1
                counters["nominationsFromBrowser"] += kind[1]
                out(f"check ms={int((time.monotonic() - started) * 1000)} use-candidate={int(kind[1])}")
                note("first-check", f" use-candidate={int(kind[1])}")
                if forge_armed and kind[1]:
                    forge_armed = False
                    forger = new_outbound()
                    forger.sendto(data, target)
                    counters["forged"] += 1
                    out(f"forged from port {forger.getsockname()[1]}")
            outbound.sendto(data, target)
            counters["toGateway"] += 1
        elif s is outbound:
            counters["fromGateway"] += 1
            if kind is not None and kind[0] == 0x0001:
                note("first-probe", "")
            elif kind is None:
                note("first-media", "")
            if browser is not None:
                listen.sendto(data, browser)
        else:
            # The forger never answers: it only counts what the gateway sends to the claimed address.
            counters["forgerReceived"] += 1
            if kind is not None and kind[0] == 0x0001:
                counters["forgerProbes"] += 1
report()
