#!/usr/bin/env python3
"""Regenerates the seed corpora in Fuzz/corpus/ from the project's test vectors and fixtures.

SDP: the browser offers in Tests/SDPTests/Vectors and two trickle-ICE fragments. STUN: the
RFC 5769 §2 vectors, read from Tests/STUNTests/RFC5769Vectors.swift. RTP: a few hand-built RTP
packets and RTCP compounds. Codecs: packet streams in FuzzCodecs' input format, cut from the
H.264, VP8, VP9, AV1 and H.265 fixtures, and hand-built AAC (RFC 3640) streams. Containers: the
fixtures in Tests/ContainersTests/Fixtures. RTSP: hand-built client and server streams with every
header the parsers know and interleaved frames. DTLS: hand-built record sequences. Every seed is
under 20 KB.

`make-seeds.py --capture` also records real sessions (needs ffmpeg, gst-launch-1.0 and openssl):
the bytes ffmpeg and GStreamer send to a scripted RTSP server on 127.0.0.1 (play over TCP and UDP
with Digest authentication, ffmpeg publishing with ANNOUNCE/RECORD and interleaved RTP) and the
server's answers, into Fuzz/corpus/FuzzRTSP/capture-*.bin, and the DTLS ClientHello datagrams
`openssl s_client -dtls` sends, into Fuzz/corpus/FuzzDTLS/capture-*.bin. Without --capture those
files are left as committed.
"""
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
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
    for fixture in ("tiny-aud.h264", "tiny.ivf", "tiny.opus", "tiny-h264-aac.ts", "tiny-h265-opus.ts"):
        shutil.copyfile(FIXTURES / fixture, CORPUS / "FuzzContainers" / fixture)


def trickle_seeds():
    # What Chromium sends in a WHIP PATCH (RFC 9725 §4.3): credentials, then per m-section the
    # mid, candidates and end-of-candidates.
    write("FuzzSDP", "trickle-chromium.sdpfrag", (
        "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
        "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n"
        "a=candidate:3471623853 1 udp 1686052607 198.51.100.2 61764 typ srflx raddr 192.0.2.1 rport 61764 "
        "generation 0 ufrag EsAw network-id 1\r\n"
        "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n"
        "a=candidate:2 1 UDP 1694498815 2001:db8::1 50000 typ relay raddr 0.0.0.0 rport 0\r\n"
        "a=end-of-candidates\r\n").encode())
    # An ICE restart (new credentials, RFC 8840 §4.4), mDNS candidate, LF line ends.
    write("FuzzSDP", "trickle-restart.sdpfrag", (
        "a=ice-lite\na=ice-ufrag:Xyz1\na=ice-pwd:abcdefghijklmnopqrstuvwx\n"
        "a=mid:0\na=candidate:1 1 udp 2122194687 6c3b2f9e-1d2a-4b5c-8d7e-9f0a1b2c3d4e.local 55000 typ host\n"
        "a=end-of-candidates\n").encode())


def vp9_seeds():
    ivf = (CODEC_FIXTURES / "tiny-vp9.ivf").read_bytes()
    frames = ivf_frames(ivf)[:3]
    stream = bytearray([0x05])
    for picture_id, frame in enumerate(frames):
        keyframe = frame[0] & 0x04 == 0  # uncompressed header: frame_type 0 after the profile bits
        pieces = [frame[i:i + 300] for i in range(0, len(frame), 300)]
        for index, piece in enumerate(pieces):
            # RFC 9628 §4.2: I (15-bit PictureID), P, B on the first packet, E on the last.
            descriptor = 0x80 | (0 if keyframe else 0x40) | (0x08 if index == 0 else 0) \
                | (0x04 if index == len(pieces) - 1 else 0)
            header = bytes([descriptor, 0x80 | picture_id >> 8, picture_id & 0xFF])
            stream += codec_packet(header + piece, marker=index == len(pieces) - 1, next_timestamp=index == 0)
    write("FuzzCodecs", "vp9-frames.bin", stream)


def leb128(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def read_leb128(data, offset):
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def av1_seeds():
    ivf = (CODEC_FIXTURES / "tiny-av1.ivf").read_bytes()
    stream = bytearray([0x07])
    for tu_index, tu in enumerate(ivf_frames(ivf)[:3]):
        elements, offset = [], 0
        while offset < len(tu):  # low-overhead OBUs → RTP elements without obu_size (§4.3)
            header = tu[offset]
            extension = 1 if header & 0x04 else 0
            size, payload_start = read_leb128(tu, offset + 1 + extension)
            if header >> 3 & 0x0F != 2:  # temporal delimiters are not sent (§5)
                elements.append(bytes([header & ~0x02 & 0xFF]) + tu[offset + 1:offset + 1 + extension]
                                + tu[payload_start:payload_start + size])
            offset = payload_start + size
        starts_sequence = any(e[0] >> 3 & 0x0F == 1 for e in elements)
        packets = []
        for element in elements:  # one element per packet (W = 1), fragments of 250 bytes (Z, Y)
            pieces = [element[i:i + 250] for i in range(0, len(element), 250)]
            for index, piece in enumerate(pieces):
                header = 0x10 | (0x80 if index > 0 else 0) | (0x40 if index < len(pieces) - 1 else 0)
                packets.append(bytearray([header]) + piece)
        if starts_sequence:
            packets[0][0] |= 0x08  # N: first packet of a coded video sequence
        for index, packet in enumerate(packets):
            stream += codec_packet(bytes(packet), marker=index == len(packets) - 1, next_timestamp=index == 0)
        if tu_index == 0:
            # The same first temporal unit as one aggregated packet, every element with a length (W = 0).
            write("FuzzCodecs", "av1-aggregated.bin", bytes([0x07]) + codec_packet(
                bytes([0x08]) + b"".join(leb128(len(e)) + e for e in elements), marker=True, next_timestamp=True))
    write("FuzzCodecs", "av1-temporal-units.bin", stream)


def h265_seeds():
    nals = annexb_nal_units((CODEC_FIXTURES / "tiny-h265.hevc").read_bytes())
    stream = bytearray([0x05])
    pending = []
    units = []
    for nal in nals:  # one picture per VCL NAL unit in this fixture; VPS/SPS/PPS/SEI go before it
        pending.append(nal)
        if nal[0] >> 1 & 0x3F < 32:
            units.append(pending)
            pending = []
    for unit in units[:4]:
        packets = []
        parameter_sets = [n for n in unit if 32 <= n[0] >> 1 & 0x3F <= 34]
        if parameter_sets:  # aggregation packet (RFC 7798 §4.4.2): type 48, then (size, NAL unit)...
            packets.append(bytes([48 << 1, 0x01]) + b"".join(struct.pack("!H", len(n)) + n for n in parameter_sets))
        for nal in unit:
            if nal in parameter_sets:
                continue
            if len(nal) <= 400:
                packets.append(nal)
                continue
            body = nal[2:]  # fragmentation units (§4.4.3): payload header type 49, FU header S/E/type
            pieces = [body[i:i + 300] for i in range(0, len(body), 300)]
            for index, piece in enumerate(pieces):
                fu = nal[0] >> 1 & 0x3F | (0x80 if index == 0 else 0) | (0x40 if index == len(pieces) - 1 else 0)
                packets.append(bytes([nal[0] & 0x81 | 49 << 1, nal[1], fu]) + piece)
        for index, packet in enumerate(packets):
            stream += codec_packet(packet, marker=index == len(packets) - 1, next_timestamp=index == 0)
    write("FuzzCodecs", "h265-ap-fu.bin", stream)


def aac_seeds():
    # Byte 0 picks the payload layout (FuzzCodecs' aacFormats, byte 0 mod 5): 0 AAC-hbr, 1 AAC-lbr,
    # 4 no AU-headers. AU bytes are arbitrary: the depacketizer does not decode them.
    aus = [bytes((i * 7 + j) & 0xFF for j in range(n)) for i, n in enumerate((180, 9, 33, 700))]

    def hbr(sizes):  # 16-bit AU-headers-length, then 13-bit AU-size + 3-bit AU-Index(-delta) each
        return struct.pack("!H", 16 * len(sizes)) + b"".join(struct.pack("!H", size << 3) for size in sizes)

    stream = bytearray([0x05])
    stream += codec_packet(hbr([180]) + aus[0], marker=True, next_timestamp=True)
    stream += codec_packet(hbr([9, 33]) + aus[1] + aus[2], marker=True, next_timestamp=True)
    big = aus[3]  # one AU in three fragments, each with the whole AU-size, the marker on the last
    for index, start in enumerate(range(0, len(big), 300)):
        stream += codec_packet(hbr([len(big)]) + big[start:start + 300], marker=start + 300 >= len(big),
                               next_timestamp=index == 0)
    write("FuzzCodecs", "aac-hbr.bin", stream)

    def lbr(sizes):  # 6-bit AU-size + 2-bit AU-Index(-delta)
        return struct.pack("!H", 8 * len(sizes)) + bytes(size << 2 for size in sizes)

    write("FuzzCodecs", "aac-lbr.bin", bytes([0x06]) + codec_packet(lbr([9, 33]) + aus[1] + aus[2], marker=True)
          + codec_packet(lbr([20]) + aus[0][:20], marker=True, next_timestamp=True))
    write("FuzzCodecs", "aac-no-headers.bin", bytes([0x04]) + codec_packet(aus[0][:100], marker=False)
          + codec_packet(aus[0][100:], marker=True) + codec_packet(aus[2], marker=True, next_timestamp=True))


def ivf_frames(ivf):
    offset, frames = struct.unpack_from("<H", ivf, 6)[0], []
    while offset + 12 <= len(ivf):
        size = struct.unpack_from("<I", ivf, offset)[0]
        frames.append(ivf[offset + 12:offset + 12 + size])
        offset += 12 + size
    return frames


def crlf(*lines, body=b""):
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def interleaved(channel, payload):
    return b"$" + bytes([channel]) + struct.pack("!H", len(payload)) + payload


def rtsp_seeds():
    sdp = (b"v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=Camera\r\nt=0 0\r\na=control:*\r\n"
           b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"
           b"m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
           b"a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\n"
           b"a=control:trackID=1\r\n")
    digest = ('Authorization: Digest username="admin", realm="IP Camera(C6294)", '
              'nonce="7d7e4cf1c1fdc3a2b3e0f6a1", uri="rtsp://192.0.2.9:554/Streaming/Channels/101", '
              'response="58e1a4a1d2f1b8d0f0c7e55e0e6c1c9b", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"')
    url = "rtsp://192.0.2.9:554/Streaming/Channels/101"
    # A camera's answers to ffmpeg (what the bridge's RTSP client parses), then media.
    rtp = bytes([0x80, 0x60, 0x12, 0x67]) + struct.pack("!II", 3000, 0x11223344) + bytes([0x65, 0x88, 0x84, 0x00])
    rtcp = bytes.fromhex("80c8000611223344e0000000800000000001e24000000001000000c8")
    write("FuzzRTSP", "camera-answers.bin",
          crlf("RTSP/1.0 200 OK", "CSeq: 1", "Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER")
          + crlf("RTSP/1.0 401 Unauthorized", "CSeq: 2",
                 'WWW-Authenticate: Digest realm="IP Camera(C6294)", nonce="7d7e4cf1c1fdc3a2b3e0f6a1", stale="FALSE", '
                 'qop="auth", algorithm=MD5, opaque="5ccc069c403ebaf9f0171e9517f40e41"',
                 'WWW-Authenticate: Basic realm="IP Camera(C6294)"')
          + crlf("RTSP/1.0 200 OK", "CSeq: 3", f"Content-Base: {url}/", "Content-Location: trackID=9",
                 "Content-Type: application/sdp", f"Content-Length: {len(sdp)}", body=sdp)
          + crlf("RTSP/1.0 200 OK", "CSeq: 4", "Session: 1273475389;timeout=60",
                 "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=11223344;mode=\"play\"")
          + crlf("RTSP/1.0 200 OK", "CSeq: 5", "Session: 1273475389",
                 "Transport: RTP/AVP;unicast;client_port=5002-5003;server_port=8002-8003;source=192.0.2.9;ssrc=5a5b")
          + crlf("RTSP/1.0 200 OK", "CSeq: 6", "Session: 1273475389", "Range: npt=0.000-",
                 f"RTP-Info: url={url}/trackID=0;seq=4711;rtptime=123456789,url={url}/trackID=1?a=1,b=2;seq=17")
          + interleaved(0, rtp) + interleaved(1, rtcp)
          + crlf("RTSP/1.0 200 OK", "CSeq: 7", "Session: 1273475389", "Range: npt=00:01:02.5-0:10:00")
          + crlf("RTSP/1.0 454 Session Not Found", "CSeq: 8"))
    # A client's requests with everything the server parses (ffmpeg's order, GStreamer's extras).
    write("FuzzRTSP", "client-requests.bin",
          crlf(f"OPTIONS {url} RTSP/1.0", "CSeq: 1", "User-Agent: Lavf59.27.100")
          + crlf(f"DESCRIBE {url} RTSP/1.0", "Accept: application/sdp", "CSeq: 2", "User-Agent: Lavf59.27.100", digest)
          + crlf(f"SETUP {url}/trackID=0 RTSP/1.0",
                 "Transport: RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=0-1",
                 "CSeq: 3", "Authorization: Basic YWRtaW46MTIzNDU=")
          + crlf(f"PLAY rtsp://[2001:db8::9]:8554/live?ch=1 RTSP/1.0", "Range: npt=now-", "CSeq: 4",
                 "Session: 1273475389", "Require: onvif-replay")
          + crlf("GET_PARAMETER * RTSP/1.0", "CSeq: 5", "Session: 1273475389")
          + crlf(f"TEARDOWN rtsp://user:p%40ss@192.0.2.9/live RTSP/1.0", "CSeq: 6", "Session: 1273475389"))
    # Publishing (ffmpeg -f rtsp): ANNOUNCE with SDP, SETUP mode=record, RECORD, then RTP and
    # RTCP frames (one empty). The harness itself feeds every stream in random chunks.
    write("FuzzRTSP", "publish-record.bin",
          crlf("ANNOUNCE rtsp://192.0.2.1:8554/pub RTSP/1.0", "Content-Type: application/sdp", "CSeq: 2",
               f"Content-Length: {len(sdp)}", body=sdp)
          + crlf("SETUP rtsp://192.0.2.1:8554/pub/streamid=0 RTSP/1.0",
                 "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", "CSeq: 3")
          + crlf("RECORD rtsp://192.0.2.1:8554/pub RTSP/1.0", "Range: npt=0.000-", "CSeq: 4", "Session: 5f3a9c21")
          + interleaved(0, rtp) + interleaved(0, rtp[:-1]) + interleaved(1, rtcp) + interleaved(0, b""))
    # Garbage a reconnecting client or a broken camera leaves, then valid messages: resync, folded
    # headers, a body, and multicast / legacy transport parameters.
    write("FuzzRTSP", "resync-folding.bin",
          b"\x00\xffRTSP/1.0 2000 X\r\nGARBAGE\r\nrtsp\r\n$"
          + crlf("RTSP/1.0 200 OK", "CSeq: 9", "X-Long: a", " b,", "\tc", "Session:  7f9c ;timeout = 30",
                 "Transport: RTP/AVP;multicast;destination=232.0.0.1;port=6000-6001;ttl=16;append",
                 "Content-Length: 5", body=b"hello"))


def dtls_seeds():
    def record(content_type, version, epoch, sequence, body):
        return struct.pack("!BHH", content_type, version, epoch) + sequence.to_bytes(6, "big") \
            + struct.pack("!H", len(body)) + body

    # A DTLS 1.2 ClientHello as browsers send it first (record version DTLS 1.0, RFC 6347 §4.1):
    # handshake header (type 1, length, message_seq 0, fragment 0..length), client_version,
    # random, empty session id and cookie, two suites, null compression, use_srtp and EC extensions.
    extensions = (struct.pack("!HHH", 0x000E, 5, 2) + struct.pack("!HB", 0x0007, 0)  # use_srtp: AEAD_AES_128_GCM
                  + struct.pack("!HHH", 0x000A, 4, 2) + struct.pack("!H", 0x0017)   # supported_groups: P-256
                  + struct.pack("!HHB", 0x000B, 2, 1) + b"\x00")                     # ec_point_formats
    hello = (struct.pack("!H", 0xFEFD) + bytes(range(32)) + b"\x00" + b"\x00"
             + struct.pack("!HHH", 4, 0xC02B, 0xC02F) + b"\x01\x00" + struct.pack("!H", len(extensions)) + extensions)
    handshake = struct.pack("!B", 1) + len(hello).to_bytes(3, "big") + struct.pack("!H", 0) \
        + (0).to_bytes(3, "big") + len(hello).to_bytes(3, "big") + hello
    write("FuzzDTLS", "client-hello.bin", record(22, 0xFEFF, 0, 0, handshake))
    # A flight of several records: ChangeCipherSpec, an encrypted Finished (epoch 1), an alert.
    write("FuzzDTLS", "flight.bin", record(20, 0xFEFD, 0, 5, b"\x01") + record(22, 0xFEFD, 1, 0, bytes(40))
          + record(21, 0xFEFD, 1, 1, bytes(26)))
    write("FuzzDTLS", "application-data.bin", record(23, 0xFEFD, 1, 7, bytes(range(100))))


class RTSPScriptedServer:
    """Answers OPTIONS, DESCRIBE (401 Digest first), ANNOUNCE, SETUP, PLAY, RECORD and the rest,
    and records each connection's bytes in both directions."""

    SDP = ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Fuzz\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\n"
           "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
           "a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==\r\n"
           "a=control:trackID=0\r\n"
           "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
           "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\n"
           "a=control:trackID=1\r\n")

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.sessions = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            record = {"client": bytearray(), "server": bytearray()}
            self.sessions.append(record)
            threading.Thread(target=self.serve, args=(connection, record), daemon=True).start()

    def serve(self, connection, record):
        def send(data):
            record["server"] += data
            connection.sendall(data)
        buffer = b""
        connection.settimeout(5)
        try:
            while data := connection.recv(65536):
                record["client"] += data
                buffer += data
                while True:
                    if buffer.startswith(b"$"):
                        if len(buffer) < 4 or len(buffer) < 4 + int.from_bytes(buffer[2:4], "big"):
                            break
                        buffer = buffer[4 + int.from_bytes(buffer[2:4], "big"):]
                        continue
                    end = buffer.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = buffer[:end].decode("latin1")
                    length = re.search(r"(?im)^content-length:\s*(\d+)", head)
                    total = end + 4 + (int(length.group(1)) if length else 0)
                    if len(buffer) < total:
                        break
                    buffer = buffer[total:]
                    self.answer(head, send)
        except OSError:
            pass
        connection.close()

    def answer(self, head, send):
        method, url = head.split(" ")[:2]
        cseq = re.search(r"(?im)^cseq:\s*(\d+)", head).group(1)
        common = f"CSeq: {cseq}\r\nServer: RTCBridge\r\n"
        if method == "OPTIONS":
            send(f"RTSP/1.0 200 OK\r\n{common}Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, "
                 "TEARDOWN, GET_PARAMETER\r\n\r\n".encode())
        elif method in ("DESCRIBE", "ANNOUNCE") and not re.search(r"(?im)^authorization:", head):
            send(f"RTSP/1.0 401 Unauthorized\r\n{common}WWW-Authenticate: Digest realm=\"rtcbridge\", "
                 "nonce=\"0000018c5f2a1b3c9d0e7f6a5b4c3d2e1f00a1b2c3d4e5f6\", algorithm=MD5\r\n"
                 "WWW-Authenticate: Basic realm=\"rtcbridge\"\r\n\r\n".encode())
        elif method == "DESCRIBE":
            send(f"RTSP/1.0 200 OK\r\n{common}Content-Base: {url}/\r\nContent-Type: application/sdp\r\n"
                 f"Content-Length: {len(self.SDP)}\r\n\r\n{self.SDP}".encode())
        elif method == "SETUP":
            transport = re.search(r"(?im)^transport:\s*(.*)$", head).group(1).split(",")[0].strip()
            if "client_port" in transport:
                transport += ";server_port=40000-40001;ssrc=1A2B3C4D"
            send(f"RTSP/1.0 200 OK\r\n{common}Transport: {transport}\r\nSession: 5f3a9c21;timeout=60\r\n\r\n".encode())
        elif method == "PLAY":
            send(f"RTSP/1.0 200 OK\r\n{common}Session: 5f3a9c21\r\nRange: npt=0.000-\r\nRTP-Info: url={url}trackID=0;"
                 f"seq=4711;rtptime=123456,url={url}trackID=1;seq=17;rtptime=9876\r\n\r\n".encode())
            sps = bytes.fromhex("6742c01ed903c56840000003004000000c03c58b92")
            send(interleaved(0, bytes([0x80, 0xE0, 0x12, 0x67]) + struct.pack("!II", 123456, 0x11223344) + sps))
            send(interleaved(1, bytes.fromhex("80c8000611223344e0000000800000000001e24000000001000000c8")))
        else:
            send(f"RTSP/1.0 200 OK\r\n{common}Session: 5f3a9c21\r\n\r\n".encode())


def capture_rtsp():
    server = RTSPScriptedServer()
    base = f"rtsp://fuzz:secret@127.0.0.1:{server.port}"
    runs = [
        ("ffmpeg-play-tcp", ["ffmpeg", "-nostdin", "-loglevel", "quiet", "-rtsp_transport", "tcp", "-i",
                             f"{base}/live", "-t", "1", "-f", "null", "-"]),
        ("ffmpeg-play-udp", ["ffmpeg", "-nostdin", "-loglevel", "quiet", "-rtsp_transport", "udp", "-i",
                             f"{base}/udp", "-t", "1", "-f", "null", "-"]),
        ("ffmpeg-record-tcp", ["ffmpeg", "-nostdin", "-loglevel", "quiet", "-re", "-f", "lavfi", "-i",
                               "testsrc2=size=64x48:rate=10", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                               "-t", "1", "-c:v", "libx264", "-g", "5", "-c:a", "aac", "-f", "rtsp", "-rtsp_transport",
                               "tcp", f"{base}/publish"]),
        ("gstreamer-play-tcp", ["gst-launch-1.0", "-q", "rtspsrc", f"location=rtsp://127.0.0.1:{server.port}/gst",
                                "user-id=fuzz", "user-pw=secret", "protocols=tcp", "!", "fakesink"]),
        ("gstreamer-play-udp", ["gst-launch-1.0", "-q", "rtspsrc", f"location=rtsp://127.0.0.1:{server.port}/gstudp",
                                "user-id=fuzz", "user-pw=secret", "protocols=udp", "!", "fakesink"]),
    ]
    for name, command in runs:
        before = len(server.sessions)
        try:
            subprocess.run(command, timeout=5, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pass  # rtspsrc keeps playing; what it sent so far is what we want
        client = b"".join(bytes(s["client"]) for s in server.sessions[before:])
        answers = b"".join(bytes(s["server"]) for s in server.sessions[before:])
        write("FuzzRTSP", f"capture-{name}.bin", client[:MAX_SEED])
        if name.endswith("play-tcp"):
            write("FuzzRTSP", f"capture-{name}-answers.bin", answers[:MAX_SEED])
    server.sock.close()


def capture_dtls():
    for name, option in (("openssl-dtls1_2", "-dtls1_2"), ("openssl-dtls", "-dtls")):
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(5)
        port = listener.getsockname()[1]
        client = subprocess.Popen(["openssl", "s_client", option, "-connect", f"127.0.0.1:{port}", "-use_srtp",
                                   "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            datagram, _ = listener.recvfrom(65536)
            write("FuzzDTLS", f"capture-{name}-client-hello.bin", datagram)
        finally:
            client.kill()
            client.wait()
            listener.close()


CODEC_FIXTURES = ROOT / "Tests" / "CodecsTests" / "Fixtures"

if __name__ == "__main__":
    for target in ("FuzzSDP", "FuzzSTUN", "FuzzRTP", "FuzzCodecs", "FuzzContainers", "FuzzRTSP", "FuzzDTLS"):
        (CORPUS / target).mkdir(parents=True, exist_ok=True)
    sdp_seeds()
    trickle_seeds()
    stun_seeds()
    rtp_seeds()
    codecs_seeds()
    vp9_seeds()
    av1_seeds()
    h265_seeds()
    aac_seeds()
    containers_seeds()
    rtsp_seeds()
    dtls_seeds()
    if "--capture" in sys.argv[1:]:
        capture_rtsp()
        capture_dtls()
