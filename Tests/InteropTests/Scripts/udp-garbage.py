#!/usr/bin/env python3
"""udp-garbage.py — blast hostile datagrams at a WebRTC UDP port (stdlib only).

  udp-garbage.py HOST PORT [--random 1000] [--stun 200] [--rtp 200] [--dtls 50] [--seed N]

Sends, from one ephemeral source port, interleaved:
  * random datagrams of 0..1500 random bytes;
  * STUN Binding requests that look right (magic cookie, lengths, USERNAME, a correct
    FINGERPRINT per RFC 8489 §14.7) but carry an unknown username and a random MESSAGE-INTEGRITY,
    so a gateway must reject them on credentials;
  * RTP-looking packets (V=2, PT 96/111/127, random SSRC and payload): no session owns this
    source address, and they are not valid SRTP;
  * DTLS-looking records (content type 22, version DTLS 1.2) with a random body.
Paced in bursts (50 datagrams, then 1 ms) so the kernel socket buffer does not drop them locally.
Prints one line: `sent random=N stun=N rtp=N dtls=N`.
"""
import argparse, os, random, socket, struct, time, zlib

ap = argparse.ArgumentParser()
ap.add_argument("host"); ap.add_argument("port", type=int)
ap.add_argument("--random", type=int, default=1000); ap.add_argument("--stun", type=int, default=200)
ap.add_argument("--rtp", type=int, default=200); ap.add_argument("--dtls", type=int, default=50)
ap.add_argument("--seed", type=int, default=0x5eed)
a = ap.parse_args()
rng = random.Random(a.seed)

def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))

def stun_attr(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad

def bad_stun():
    username = stun_attr(0x0006, b"bogus:" + rbytes(4).hex().encode())
    integrity = stun_attr(0x0008, rbytes(20))              # wrong HMAC-SHA1
    priority = stun_attr(0x0024, struct.pack("!I", rng.getrandbits(32)))
    body = username + priority + integrity
    txid = rbytes(12)
    header = struct.pack("!HHI", 0x0001, len(body) + 8, 0x2112A442) + txid  # length incl. FINGERPRINT
    crc = (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF
    return header + body + stun_attr(0x8028, struct.pack("!I", crc))

def rtp_like():
    pt = rng.choice([96, 111, 127]) | (0x80 if rng.random() < 0.3 else 0)
    header = struct.pack("!BBHII", 0x80, pt, rng.getrandbits(16), rng.getrandbits(32), rng.getrandbits(32))
    return header + rbytes(rng.randint(0, 1200))

def dtls_like():
    body = rbytes(rng.randint(0, 300))
    return struct.pack("!BHHIH", 22, 0xFEFD, 0, rng.getrandbits(32), len(body)) + body

kinds = ["random"] * a.random + ["stun"] * a.stun + ["rtp"] * a.rtp + ["dtls"] * a.dtls
rng.shuffle(kinds)
make = {"random": lambda: rbytes(rng.randint(0, 1500)), "stun": bad_stun, "rtp": rtp_like, "dtls": dtls_like}
counts = dict.fromkeys(make, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i, kind in enumerate(kinds):
    try:
        s.sendto(make[kind](), (a.host, a.port))
        counts[kind] += 1
    except OSError:  # e.g. ECONNREFUSED reported from an earlier ICMP error: keep going
        pass
    if i % 50 == 49:
        time.sleep(0.001)
print("sent " + " ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
