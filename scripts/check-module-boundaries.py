#!/usr/bin/env python3
"""The module boundaries `make test` holds: the rule language (Rules) and the state store (State)
link no networking. Reads `swift package describe --type json` and walks each target's
dependencies within the package; fails naming the path when Rules, State or WadialModels
reaches AsyncHTTPClient, SwiftNIO or Hummingbird."""
import json
import subprocess
import sys

FORBIDDEN = ("AsyncHTTPClient", "NIO", "Hummingbird")
GUARDED = {"Rules": FORBIDDEN, "State": FORBIDDEN, "WadialModels": None}  # None: no dependency at all

described = json.loads(subprocess.run(["swift", "package", "describe", "--type", "json"],
                                      check=True, capture_output=True, text=True).stdout)
targets = {t["name"]: t for t in described["targets"]}


def reach(name, path=()):
    """Every (product, path) reachable from target `name` inside this package."""
    target = targets[name]
    path = path + (name,)
    for product in target.get("product_dependencies") or []:
        yield product, path
    for dependency in target.get("target_dependencies") or []:
        yield dependency, path
        if dependency in targets:
            yield from reach(dependency, path)


failures = []
for name, forbidden in GUARDED.items():
    for dependency, path in reach(name):
        if forbidden is None:
            failures.append(f"{name} must have no dependencies; it depends on {dependency} ({' -> '.join(path)})")
        elif dependency.startswith(forbidden):
            failures.append(f"{name} reaches {dependency} through {' -> '.join(path)}")
for failure in failures:
    print(f"error: module boundary: {failure}", file=sys.stderr)
if failures:
    sys.exit(1)
print("module boundaries: Rules and State link no AsyncHTTPClient, NIO or Hummingbird; WadialModels depends on nothing")
