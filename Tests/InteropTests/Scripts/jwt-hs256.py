#!/usr/bin/env python3
"""jwt-hs256.py SECRET PAYLOAD_JSON [--alg none]: prints a compact JWT (RFC 7519) signed with
HS256 (standard library only), or an unsigned `alg: none` one for refusal tests."""
import base64, hashlib, hmac, json, sys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


secret, payload = sys.argv[1], json.loads(sys.argv[2])
alg = "none" if "--alg" in sys.argv and sys.argv[sys.argv.index("--alg") + 1] == "none" else "HS256"
head = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
body = b64url(json.dumps(payload, separators=(",", ":")).encode())
signing_input = f"{head}.{body}".encode()
signature = b"" if alg == "none" else hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
print(f"{head}.{body}.{b64url(signature)}")
