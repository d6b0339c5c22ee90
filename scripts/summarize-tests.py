#!/usr/bin/python3
"""Counts the test cases in a meson test log and prints "N passed, M failed".

gst-check programs report "Checks: X, Failures: Y, Errors: Z"; programs of
our own may report "N passed, M failed"; any other test counts as one case.
Further arguments NAME=STATUS add steps run outside meson (an exit status
of 0 passes).
"""
import json
import re
import sys

CHECK = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
PLAIN = re.compile(r"^(?:\w+: )?(\d+) passed, (\d+) failed", re.M)


def count(entry):
    out = entry.get("stdout") or ""
    if entry["result"] == "SKIP":
        return 0, 0
    ok = entry["result"] in ("OK", "EXPECTEDFAIL")
    checks = CHECK.findall(out)
    if checks:
        passed = sum(int(c) - int(f) - int(e) for c, f, e in checks)
        failed = sum(int(f) + int(e) for c, f, e in checks)
    else:
        plain = PLAIN.findall(out)
        if plain:
            passed, failed = (sum(int(p[i]) for p in plain) for i in (0, 1))
        else:
            passed, failed = (1, 0) if ok else (0, 1)
    # A crash after the last report still fails the program.
    if not ok and failed == 0:
        failed = 1
    return passed, failed


def main(path, extra):
    total_passed = total_failed = skipped = 0
    with open(path) as log:
        for line in log:
            entry = json.loads(line)
            passed, failed = count(entry)
            skipped += entry["result"] == "SKIP"
            total_passed += passed
            total_failed += failed
            print(f"  {entry['name']:<36} {entry['result']:<8} "
                  f"{passed} passed, {failed} failed")
    for step in extra:
        name, status = step.split("=", 1)
        ok = status == "0"
        total_passed += ok
        total_failed += not ok
        print(f"  {name:<36} {'OK' if ok else 'FAIL':<8} "
              f"{int(ok)} passed, {int(not ok)} failed")
    # A skipped program is not a pass: it is reported, never counted as one.
    print(f"{total_passed} passed, {total_failed} failed, {skipped} skipped")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
