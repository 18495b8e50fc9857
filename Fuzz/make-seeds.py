#!/usr/bin/env python3
"""Regenerates the seed corpora in Fuzz/corpus/ from the project's test vectors and fixtures.

SDP: the browser offers in Tests/SDPTests/Vectors. STUN: the RFC 5769 §2 vectors, read from
Tests/STUNTests/RFC5769Vectors.swift. RTP: a few hand-built RTP packets and RTCP compounds.
Codecs: packet streams in FuzzCodecs' input format, cut from the H.264 and VP8 fixtures.
Containers: the fixtures in Tests/ContainersTests/Fixtures. Every seed is under 20 KB.
"""
import re
import shutil
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "corpus"
FIXTURES = ROOT / "Tests" / "ContainersTests" / "Fixtures"
MAX_SEED = 20 * 1024


def write(target, name, data):
    assert len(data) <= MAX_SEED, f"{target}/{name} is {len(data)} bytes"
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))


def sdp_seeds():
    for vector in sorted((ROOT / "Tests" / "SDPTests" / "Vectors").glob("*.sdp")):
        write("FuzzSDP", vector.name, vector.read_bytes())


def stun_seeds():
    text = (ROOT / "Tests" / "STUNTests" / "RFC5769Vectors.swift").read_text()
    for name in ("request", "ipv4Response", "ipv6Response", "longTermRequest"):
        match = re.search(r"static let " + name + r": \[UInt8\] = \[(.*?)\]", text, re.S)
        assert match, name
        write("FuzzSTUN", f"rfc5769-{name}.bin", [int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})", match.group(1))])


def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, padding=0):
    first = 0x80 | (0x20 if padding else 0) | (0x10 if ext else 0) | len(csrcs)
    out = bytearray([first, (0x80 if marker else 0) | pt]) + struct.pack("!HII", seq, ts, ssrc)
    for csrc in csrcs:
        out += struct.pack("!I", csrc)
    if ext:
        profile, data = ext
        data = data + bytes(-len(data) % 4)
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += bytes(padding - 1) + bytes([padding])
    return out


def rtcp(count, packet_type, body):
    return struct.pack("!BBH", 0x80 | count, packet_type, len(body) // 4) + body


def rtp_seeds():
    one_byte = bytes([0x10, 0x30, 0x22, 0x00, 0x2a])  # mid "0", transport-wide seq 42
    write("FuzzRTP", "rtp-one-byte-ext.bin",
          rtp(96, 1000, 90000, 0x11223344, bytes([0x7c, 0x85]) + bytes(range(40)), marker=True,
              ext=(0xBEDE, one_byte)))
    two_byte = bytes([0x01, 0x01, 0x30, 0x03, 0x00, 0x04, 0x00, 0x00])
    write("FuzzRTP", "rtp-csrc-two-byte-padded.bin",
          rtp(111, 65535, 4_294_967_000, 0xCAFEBABE, bytes(range(20)), csrcs=(1, 2), ext=(0x1000, two_byte),
              padding=4))
    report_block = struct.pack("!IIIIII", 0xCAFEBABE, 0x01000010, 1234, 20, 0x12345678, 1000)
    sr = rtcp(1, 200, struct.pack("!IIIIII", 0x11223344, 0xE000_0000, 0x8000_0000, 90000, 10, 1200) + report_block)
    cname = b"\x01\x04fuzz"
    sdes_chunk = struct.pack("!I", 0x11223344) + cname + bytes(4 - len(cname) % 4)
    write("FuzzRTP", "rtcp-sr-sdes.bin", sr + rtcp(1, 202, sdes_chunk))
    rr = rtcp(1, 201, struct.pack("!I", 0xCAFEBABE) + report_block)
    pli = rtcp(1, 206, struct.pack("!II", 0xCAFEBABE, 0x11223344))
    fir = rtcp(4, 206, struct.pack("!IIIBBH", 0xCAFEBABE, 0, 0x11223344, 7, 0, 0))
    nack = rtcp(1, 205, struct.pack("!IIHH", 0xCAFEBABE, 0x11223344, 100, 0x8005))
    write("FuzzRTP", "rtcp-rr-pli-fir-nack.bin", rr + pli + fir + nack)
    remb = rtcp(15, 206, struct.pack("!II", 0xCAFEBABE, 0) + b"REMB" + bytes([1, 0x0B, 0xD0, 0x90])
                + struct.pack("!I", 0x11223344))
    bye = rtcp(1, 203, struct.pack("!I", 0x11223344) + b"\x03bye")
    write("FuzzRTP", "rtcp-remb-bye.bin", remb + bye)
    # TWCC: base seq 1, 4 packets, reference time 1, fb count 0, one run-length chunk (received,
    # small delta) and four 1-byte deltas.
    twcc = struct.pack("!IIHHI", 0xCAFEBABE, 0x11223344, 1, 4, 0x00000100) + struct.pack("!H", 0x2004) + bytes([4, 4, 4, 4])
    write("FuzzRTP", "rtcp-twcc.bin", rtcp(15, 205, twcc + bytes(-len(twcc) % 4)))


def codec_packet(payload, marker=False, next_timestamp=False, step=1):
    control = {1: 0, 2: 2, 0: 3}[step] | (0x04 if next_timestamp else 0) | (0x08 if marker else 0)
    control |= (len(payload) >> 8) << 4
    return bytes([control, len(payload) & 0xFF]) + payload


def annexb_nal_units(data):
    starts = [m.end() for m in re.finditer(b"\x00\x00\x01", data)]
    ends = [m.start() for m in re.finditer(b"\x00\x00\x01", data)][1:] + [len(data)]
    return [data[s:e].rstrip(b"\x00") for s, e in zip(starts, ends)]


def codecs_seeds():
    nals = annexb_nal_units((FIXTURES / "tiny-aud.h264").read_bytes())
    sps = next(n for n in nals if n[0] & 0x1F == 7)
    pps = next(n for n in nals if n[0] & 0x1F == 8)
    idr = [n for n in nals if n[0] & 0x1F == 5][:2]
    stap = bytes([0x78]) + b"".join(struct.pack("!H", len(n)) + n for n in (sps, pps))
    stream = bytearray([0x05]) + codec_packet(stap)
    for slice_nal in idr:  # each slice as FU-A fragments of at most 200 bytes
        body = slice_nal[1:]
        pieces = [body[i:i + 200] for i in range(0, len(body), 200)]
        for index, piece in enumerate(pieces):
            header = slice_nal[0] & 0x1F | (0x80 if index == 0 else 0) | (0x40 if index == len(pieces) - 1 else 0)
            fu = bytes([slice_nal[0] & 0xE0 | 28, header]) + piece
            stream += codec_packet(fu, marker=slice_nal is idr[-1] and index == len(pieces) - 1)
    write("FuzzCodecs", "h264-stap-fua.bin", stream)
    write("FuzzCodecs", "h264-sps.bin", bytes([0x00]) + codec_packet(sps, marker=True))

    ivf = (FIXTURES / "tiny.ivf").read_bytes()
    offset, frames = struct.unpack_from("<H", ivf, 6)[0], []
    while offset + 12 <= len(ivf) and len(frames) < 3:
        size = struct.unpack_from("<I", ivf, offset)[0]
        frames.append(ivf[offset + 12:offset + 12 + size])
        offset += 12 + size
    stream = bytearray([0x05])
    for picture_id, frame in enumerate(frames):
        pieces = [frame[i:i + 300] for i in range(0, len(frame), 300)]
        for index, piece in enumerate(pieces):
            descriptor = bytes([0x90 if index == 0 else 0x80, 0x80, 0x80, picture_id])
            stream += codec_packet(descriptor + piece, marker=index == len(pieces) - 1, next_timestamp=index == 0)
    write("FuzzCodecs", "vp8-frames.bin", stream)


def containers_seeds():
    for fixture in ("tiny-aud.h264", "tiny.ivf", "tiny.opus"):
        shutil.copyfile(FIXTURES / fixture, CORPUS / "FuzzContainers" / fixture)


if __name__ == "__main__":
    for target in ("FuzzSDP", "FuzzSTUN", "FuzzRTP", "FuzzCodecs", "FuzzContainers"):
        (CORPUS / target).mkdir(parents=True, exist_ok=True)
    sdp_seeds()
    stun_seeds()
    rtp_seeds()
    codecs_seeds()
    containers_seeds()
