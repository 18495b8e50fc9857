#!/usr/bin/env python3
"""fake-rtsp-camera.py — a scripted, hostile RTSP "camera" for the gateway's RTSP client.

Usage: fake-rtsp-camera.py MODE:PORT [MODE:PORT ...]   (listens on 127.0.0.1)
Modes (what every connection on that port gets):
  truncated   half a response header, then the connection closes
  negative    a response with Content-Length: -5
  huge        a response with Content-Length: 999999999 (and a few bytes of it)
  headers     a response with 10,000 header lines
  garbage     a well-behaved camera up to PLAY (TCP interleaved; UDP SETUP gets 461), then
              garbage bytes, interleaved frames on unknown channels and truncated frames, forever
Prints "READY" when listening and "CLIENT MODE connected" per connection.
"""
import os, socket, sys, threading, time

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
       "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
       "a=control:trackID=0\r\n")

def read_request(conn, buf):
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            return None, buf
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode(errors="replace").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        rest += chunk
    return (lines[0].split(" ")[0], headers), rest[length:]

def reply(conn, cseq, status="200 OK", extra="", body=""):
    msg = f"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\n{extra}"
    if body:
        msg += f"Content-Length: {len(body)}\r\n"
    conn.sendall((msg + "\r\n" + body).encode())

def serve(mode, conn):
    buf = b""
    try:
        request, buf = read_request(conn, buf)
        if request is None:
            return
        cseq = request[1].get("cseq", "1")
        if mode == "truncated":
            conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nPubl".encode()); return
        if mode == "negative":
            conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Length: -5\r\n\r\nabc".encode()); time.sleep(1); return
        if mode == "huge":
            conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Length: 999999999\r\n\r\n".encode() + b"x" * 70000)
            time.sleep(1); return
        if mode == "headers":
            lines = "".join(f"X-Junk-{i}: {i}\r\n" for i in range(10000))
            conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{lines}\r\n".encode()); time.sleep(1); return
        # garbage: behave until PLAY, then misbehave on the interleaved stream
        while request is not None:
            method, headers = request
            cseq = headers.get("cseq", "1")
            if method == "OPTIONS":
                reply(conn, cseq, extra="Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n")
            elif method == "DESCRIBE":
                reply(conn, cseq, extra="Content-Type: application/sdp\r\nContent-Base: rtsp://127.0.0.1/x/\r\n", body=SDP)
            elif method == "SETUP":
                if "TCP" not in headers.get("transport", ""):
                    reply(conn, cseq, "461 Unsupported Transport")
                else:
                    reply(conn, cseq, extra="Session: 1234abcd;timeout=60\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
            elif method == "PLAY":
                reply(conn, cseq, extra="Session: 1234abcd\r\n")
                for n in range(400):
                    conn.sendall(os.urandom(200))                                   # garbage
                    conn.sendall(b"$\x09\x00\x10" + os.urandom(16))                  # unknown channel
                    conn.sendall(b"$\x00\x00\x0c\x80\x60" + os.urandom(10))          # a tiny RTP frame
                    conn.sendall(b"$\x00\xff")                                     # truncated frame header
                    time.sleep(0.02)
                return
            else:
                reply(conn, cseq)
            request, buf = read_request(conn, buf)
    except OSError:
        pass
    finally:
        conn.close()

def listen(mode, port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port)); srv.listen(16)
    while True:
        conn, _ = srv.accept()
        print(f"CLIENT {mode} connected", flush=True)
        threading.Thread(target=serve, args=(mode, conn), daemon=True).start()

for spec in sys.argv[1:]:
    mode, port = spec.split(":")
    threading.Thread(target=listen, args=(mode, int(port)), daemon=True).start()
time.sleep(0.3)
print("READY", flush=True)
while True:
    time.sleep(3600)
