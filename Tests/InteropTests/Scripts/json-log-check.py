#!/usr/bin/env python3
"""json-log-check.py FILE — check a `rtcbridge --log-format json` log: every non-empty line must be
one JSON object with label, level, message and time (metadata, when present, an object).
Prints one JSON line: {"lines": N, "events": [<metadata of each session lifecycle line>], "errors": [...]}
and exits 1 when a line does not parse or lacks a field."""
import json, sys

lines, events, errors = 0, [], []
with open(sys.argv[1], encoding="utf-8") as f:
    for number, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        lines += 1
        try:
            obj = json.loads(line)
        except ValueError as e:
            errors.append(f"line {number}: {e}: {line[:200]}")
            continue
        if not isinstance(obj, dict) or not all(isinstance(obj.get(k), str) for k in ("label", "level", "message", "time")):
            errors.append(f"line {number}: missing field: {line[:200]}")
            continue
        meta = obj.get("metadata", {})
        if not isinstance(meta, dict):
            errors.append(f"line {number}: metadata is not an object")
            continue
        if "event" in meta:
            events.append(dict(meta, message=obj["message"], level=obj["level"]))
print(json.dumps({"lines": lines, "events": events, "errors": errors}))
sys.exit(1 if errors or lines == 0 else 0)
