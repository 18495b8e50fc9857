#!/usr/bin/env python3
"""prom-parse.py FILE — parse a Prometheus text exposition (GET /metrics) with prometheus_client's
own parser and print one JSON line: {"samples": [{"name", "labels", "value"}, ...], "families": N}.
Exits 1 (with the parser's error on stderr) when the text does not parse. Used by MetricsTests."""
import json, sys
from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
try:
    families = list(text_string_to_metric_families(text))
except Exception as e:  # the parser raises ValueError (and others) on malformed text
    print(f"parse error: {type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
samples = [{"name": s.name, "labels": s.labels, "value": s.value, "type": f.type}
           for f in families for s in f.samples]
print(json.dumps({"samples": samples, "families": len(families)}), flush=True)
