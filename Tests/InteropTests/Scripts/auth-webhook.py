#!/usr/bin/env python3
"""auth-webhook.py: a stand-in for an auth webhook on 127.0.0.1 (ephemeral port, printed as
`PORT n`). POST: token "letmein" → 204, token "slow" → 204 after 5 s, anything else → 403.
Prints `REQUEST <path> <action> <protocol> <fields> ip=<ip> user=<user> token=<t>` for each POST,
where <t> is the token only when it is one of the test's own ("letmein", "slow", "nope"), else
"other" or "none". Exits after 120 s by itself."""
import http.server, json, sys, threading, time


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        token = body.get("token")
        shown = token if token in ("letmein", "slow", "nope") else ("none" if token is None else "other")
        print("REQUEST", body.get("path"), body.get("action"), body.get("protocol"), ",".join(sorted(body)),
              "ip=%s" % body.get("ip"), "user=%s" % body.get("user"), "token=%s" % shown, flush=True)
        if token == "slow":
            time.sleep(5)
        code = 204 if token in ("letmein", "slow") else 403
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
threading.Timer(120, server.shutdown).start()
server.serve_forever()
