#!/usr/bin/env python3
"""check-imports.py — Package.swift says exactly what each target imports.

    scripts/check-imports.py [--package DIR]

For every Swift target in Package.swift (sources in Sources/<name>, tests in Tests/<name>, or
the `path:` given; `exclude:` honoured) this collects the modules its .swift files import
(`import X`, `@testable import X`, `@_exported import X`, `import struct X.Y`, imports under
`#if canImport(...)` too) and compares them with the target's declared dependencies (target
names and `.product(name:)` names). It also checks that dependencies point down only:

  * a target depends only on targets declared above it in Package.swift (the file lists the
    layers bottom-up: C, base, wire, engines, protocols, routing, adapters, runtime, app, tests);
  * `Routing` never depends on a protocol (`WebRTC`, `RTSP`, `WHIP`): adapters join them;
  * sans-IO targets never use SwiftNIO or Hummingbird: only the runtime (`Runtime`, `Server`),
    executables and test targets may.

Package.swift is read as text (it is a plain literal); C-only targets and system libraries
are skipped. Prints one line per problem and exits 1 when there is any, else prints a summary
and exits 0. Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field

# Modules that come with the toolchain or the OS: never declared in Package.swift.
SYSTEM_MODULES = {
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking",
    "FoundationXML", "CoreFoundation", "Glibc", "Musl", "Bionic", "Android", "Darwin", "WinSDK", "ucrt",
    "Dispatch", "Synchronization", "XCTest", "Testing", "_Concurrency", "os", "Swift",
    "_StringProcessing", "RegexBuilder", "Observation", "Distributed", "Cxx", "CxxStdlib",
}

# Product name → module name, for products whose module is named differently (none today).
PRODUCT_MODULES: dict[str, str] = {}

# Protocol targets that Routing must never depend on (ARCHITECTURE §2).
PROTOCOL_TARGETS = {"WebRTC", "RTSP", "WHIP"}
# Packages whose products are IO (sockets, event loops, HTTP servers), and the library targets
# allowed to use them; executables and test targets may use them too.
IO_PACKAGES = {"swift-nio", "swift-nio-ssl", "swift-nio-transport-services", "hummingbird"}
IO_TARGETS = {"Runtime", "Server", "ControlAPI"}

TARGET_KINDS = {"target", "executableTarget", "testTarget", "systemLibrary", "binaryTarget", "plugin", "macro"}


# ---------------------------------------------------------------------------------------------
# Swift source: blank out comments and string literals, keep the code and the line structure.

def strip_swift(text: str) -> str:
    """Returns `text` with comments and string literal contents replaced by spaces (newlines
    kept), so an `import` inside a multi-line string (an embedded script) is not taken for one.
    Handles nested block comments, multi-line and raw strings, and interpolation."""
    out: list[str] = []
    i, n = 0, len(text)
    # Stack of modes: ("code", paren depth for an interpolation or None) | ("string", hashes, multiline)
    stack: list[tuple] = [("code", None)]

    def blank(segment: str) -> str:
        return "".join(c if c == "\n" else " " for c in segment)

    while i < n:
        mode = stack[-1]
        c = text[i]
        if mode[0] == "code":
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                out.append(blank(text[i:end]))
                i = end
                continue
            if text.startswith("/*", i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if text.startswith("/*", j):
                        depth, j = depth + 1, j + 2
                    elif text.startswith("*/", j):
                        depth, j = depth - 1, j + 2
                    else:
                        j += 1
                out.append(blank(text[i:j]))
                i = j
                continue
            m = re.match(r'(#*)("""|")', text[i:i + 64])
            if m and (m.group(1) == "" or not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"))):
                out.append(m.group(0))
                stack.append(("string", len(m.group(1)), m.group(2) == '"""'))
                i += len(m.group(0))
                continue
            if mode[1] is not None:   # inside an interpolation
                if c == "(":
                    stack[-1] = ("code", mode[1] + 1)
                elif c == ")":
                    if mode[1] == 0:
                        stack.pop()
                        out.append(c)
                        i += 1
                        continue
                    stack[-1] = ("code", mode[1] - 1)
            out.append(c)
            i += 1
            continue
        # string
        _, hashes, multiline = mode
        closing = ('"""' if multiline else '"') + "#" * hashes
        if text.startswith(closing, i):
            out.append(closing)
            stack.pop()
            i += len(closing)
            continue
        escape = "\\" + "#" * hashes
        if text.startswith(escape, i):
            j = i + len(escape)
            if j < n and text[j] == "(":
                out.append(" " * (j - i) + "(")
                stack.append(("code", 0))
                i = j + 1
                continue
            out.append(blank(text[i:j + 1]))
            i = j + 1
            continue
        if c == "\n" and not multiline:   # unterminated single-line string: recover
            stack.pop()
        out.append(c if c == "\n" else " ")
        i += 1
    return "".join(out)


IMPORT_RE = re.compile(
    r"^\s*(?:@[A-Za-z_]\w*(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|package|internal|fileprivate|private|open)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func|actor)\s+)?"
    r"([A-Za-z_]\w*)"
)


def imports_of(path: str) -> set[str]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        code = strip_swift(handle.read())
    found = set()
    for line in code.splitlines():
        for statement in line.split(";"):
            m = IMPORT_RE.match(statement)
            if m:
                found.add(m.group(1))
    return found


# ---------------------------------------------------------------------------------------------
# Package.swift: tokens, then the `targets:` array.

TOKEN_RE = re.compile(
    r'(?P<space>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>"(?:\\.|[^"\\\n])*")'
    r"|(?P<ident>[A-Za-z_]\w*)|(?P<number>\d[\w.]*)|(?P<punct>.)",
    re.S,
)


@dataclass
class Token:
    kind: str
    text: str
    line: int

    @property
    def value(self) -> str:
        return self.text[1:-1] if self.kind == "string" else self.text


def tokenize(text: str) -> list[Token]:
    tokens, line = [], 1
    for m in TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, m.group(), line))
        line += m.group().count("\n")
    return tokens


class ManifestError(Exception):
    pass


def matching(tokens: list[Token], start: int) -> int:
    """Index of the bracket closing the one at `start`."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for index in range(start, len(tokens)):
        text = tokens[index].text
        if tokens[index].kind == "punct" and text in pairs:
            stack.append(pairs[text])
        elif tokens[index].kind == "punct" and stack and text == stack[-1]:
            stack.pop()
            if not stack:
                return index
    raise ManifestError(f"line {tokens[start].line}: unbalanced '{tokens[start].text}'")


def split_top(tokens: list[Token], start: int, end: int) -> list[list[Token]]:
    """The comma-separated items between tokens[start] and tokens[end] (exclusive), top level."""
    items, current, index = [], [], start
    while index < end:
        token = tokens[index]
        if token.kind == "punct" and token.text in "([{":
            close = matching(tokens, index)
            current.extend(tokens[index:close + 1])
            index = close + 1
            continue
        if token.kind == "punct" and token.text == ",":
            items.append(current)
            current = []
        else:
            current.append(token)
        index += 1
    if current:
        items.append(current)
    return items


def labelled(items: list[list[Token]]) -> dict[str, list[Token]]:
    """`label: value` arguments of a call, by label."""
    result = {}
    for item in items:
        if len(item) >= 2 and item[0].kind == "ident" and item[1].text == ":":
            result[item[0].text] = item[2:]
    return result


def call_arguments(item: list[Token]) -> tuple[str, dict[str, list[Token]]] | None:
    """For `.name(args)`, the name and its labelled arguments."""
    if len(item) >= 3 and item[0].text == "." and item[1].kind == "ident" and item[2].text == "(":
        close = matching(item, 2)
        if close == len(item) - 1:
            return item[1].text, labelled(split_top(item, 3, close))
    return None


def string_value(value: list[Token] | None) -> str | None:
    if value and len(value) == 1 and value[0].kind == "string":
        return value[0].value
    return None


def string_list(value: list[Token] | None, what: str) -> list[str]:
    if not value:
        return []
    if value[0].text != "[" or matching(value, 0) != len(value) - 1:
        raise ManifestError(f"line {value[0].line}: {what} is not a literal list")
    strings = []
    for item in split_top(value, 1, len(value) - 1):
        text = string_value(item)
        if text is None:
            raise ManifestError(f"line {item[0].line}: {what} entry is not a string literal")
        strings.append(text)
    return strings


@dataclass
class Dependency:
    name: str          # target or product name
    is_product: bool
    package: str | None
    line: int

    @property
    def module(self) -> str:
        return PRODUCT_MODULES.get(self.name, self.name) if self.is_product else self.name


@dataclass
class Target:
    name: str
    kind: str
    line: int
    order: int
    path: str | None = None
    dependencies: list[Dependency] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def directory(self) -> str:
        if self.path is not None:
            return self.path
        return os.path.join({"testTarget": "Tests", "plugin": "Plugins"}.get(self.kind, "Sources"), self.name)


def parse_dependency(item: list[Token], target: str) -> Dependency:
    text = string_value(item)
    if text is not None:
        return Dependency(text, False, None, item[0].line)
    call = call_arguments(item)
    if call and call[0] in ("target", "product", "byName"):
        name = string_value(call[1].get("name"))
        if name is not None:
            return Dependency(name, call[0] == "product", string_value(call[1].get("package")), item[0].line)
    line = item[0].line if item else 0
    raise ManifestError(f"line {line}: cannot read a dependency of target {target} "
                        f"(write it as \"Name\", .target(name:), .product(name:package:) or .byName(name:))")


def parse_manifest(text: str) -> list[Target]:
    tokens = tokenize(text)
    for index in range(len(tokens) - 1):
        if tokens[index].text == "Package" and tokens[index + 1].text == "(":
            close = matching(tokens, index + 1)
            entries = labelled(split_top(tokens, index + 2, close)).get("targets")
            break
    else:
        raise ManifestError("no `Package(` in Package.swift")
    if not entries or entries[0].text != "[" or matching(entries, 0) != len(entries) - 1:
        raise ManifestError("Package(targets:) is not a literal list")
    targets = []
    for item in split_top(entries, 1, len(entries) - 1):
        call = call_arguments(item)
        if not call or call[0] not in TARGET_KINDS:
            raise ManifestError(f"line {item[0].line if item else 0}: a targets entry is not a .target(...) call")
        kind, arguments = call
        name = string_value(arguments.get("name"))
        if name is None:
            raise ManifestError(f"line {item[0].line}: a target without a literal name")
        target = Target(name=name, kind=kind, line=item[0].line, order=len(targets),
                        path=string_value(arguments.get("path")),
                        exclude=string_list(arguments.get("exclude"), f"{name}'s exclude"),
                        sources=string_list(arguments.get("sources"), f"{name}'s sources"))
        deps = arguments.get("dependencies")
        if deps:
            if deps[0].text != "[" or matching(deps, 0) != len(deps) - 1:
                raise ManifestError(f"line {deps[0].line}: {name}'s dependencies are not a literal list")
            target.dependencies = [parse_dependency(d, name) for d in split_top(deps, 1, len(deps) - 1)]
        targets.append(target)
    return targets


# ---------------------------------------------------------------------------------------------

def swift_files(root: str, target: Target) -> list[str]:
    base = os.path.join(root, target.directory)
    excluded = [os.path.normpath(e) for e in target.exclude]
    included = [os.path.normpath(s) for s in target.sources]

    def inside(relative: str, prefixes: list[str]) -> bool:
        return any(relative == p or relative.startswith(p + os.sep) for p in prefixes)

    files = []
    for directory, subdirectories, names in os.walk(base):
        subdirectories.sort()
        for name in sorted(names):
            if not name.endswith(".swift"):
                continue
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, base)
            if inside(relative, excluded) or (included and not inside(relative, included)):
                continue
            files.append(full)
    return files


def check(root: str) -> tuple[list[str], int]:
    with open(os.path.join(root, "Package.swift"), encoding="utf-8") as handle:
        targets = parse_manifest(handle.read())
    by_name = {t.name: t for t in targets}
    problems: list[str] = []
    checked = 0
    for target in targets:
        if target.kind in ("systemLibrary", "binaryTarget"):
            continue
        for dep in target.dependencies:
            if dep.is_product:
                if dep.package in IO_PACKAGES and target.kind == "target" and target.name not in IO_TARGETS:
                    problems.append(f"{target.name}: uses {dep.name} ({dep.package}), but only "
                                    f"{', '.join(sorted(IO_TARGETS))}, executables and tests may do IO (sans-IO rule)")
                continue
            below = by_name.get(dep.name)
            if below is None:
                problems.append(f"{target.name}: depends on {dep.name}, which is not a target of Package.swift")
            elif below.order >= target.order:
                problems.append(f"{target.name}: depends on {dep.name}, which is declared below it in Package.swift "
                                f"(list targets bottom-up; dependencies point down only)")
            if target.name == "Routing" and dep.name in PROTOCOL_TARGETS:
                problems.append(f"Routing: depends on {dep.name}; Routing never depends on a protocol, adapters join them")

        directory = os.path.join(root, target.directory)
        if not os.path.isdir(directory):
            problems.append(f"{target.name}: source directory {target.directory} does not exist")
            continue
        files = swift_files(root, target)
        if not files:
            continue   # C (or otherwise non-Swift) target: its #includes are not checked
        checked += 1
        imported: dict[str, str] = {}
        for path in files:
            for module in sorted(imports_of(path)):
                imported.setdefault(module, os.path.relpath(path, root))
        imported = {m: f for m, f in imported.items() if m not in SYSTEM_MODULES and m != target.name}
        declared = {dep.module: dep for dep in target.dependencies}
        for module in sorted(set(imported) - set(declared)):
            problems.append(f"{target.name}: imports {module} ({imported[module]}) but does not declare it in Package.swift")
        for module in sorted(set(declared) - set(imported)):
            problems.append(f"{target.name}: declares {module} (Package.swift line {declared[module].line}) but never imports it")
    return problems, checked


def main() -> int:
    parser = argparse.ArgumentParser(description="Check that Package.swift declares exactly what each target imports.")
    parser.add_argument("--package", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                        help="the package directory (default: this script's parent)")
    root = os.path.normpath(parser.parse_args().package)
    try:
        problems, checked = check(root)
    except (ManifestError, OSError) as error:
        print(f"check-imports: cannot check {os.path.join(root, 'Package.swift')}: {error}")
        return 1
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-imports: {len(problems)} problem(s); Package.swift must declare exactly what each target imports")
        return 1
    print(f"check-imports: OK, {checked} Swift targets import exactly what Package.swift declares")
    return 0


if __name__ == "__main__":
    sys.exit(main())
