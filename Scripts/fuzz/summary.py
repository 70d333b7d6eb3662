"""Prints what Scripts/fuzz.sh tried and found.

Usage: summary.py REPORT_DIR ROLE...

Reads each role's schemathesis reports in REPORT_DIR/ROLE/: the NDJSON event stream (every
request sent, with its operation, generation mode and response status) and the JSON run report
(failures grouped by kind).
"""

from __future__ import annotations

import collections
import glob
import json
import os
import sys

import yaml

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def declared_operations(report_dir: str) -> set[str]:
    with open(os.path.join(report_dir, "openapi.yaml"), encoding="utf-8") as f:
        document = yaml.safe_load(f)
    return {
        f"{method.upper()} {path}"
        for path, item in (document.get("paths") or {}).items()
        for method in item
        if method in METHODS
    }


def status_class(status: object) -> str:
    return f"{str(status)[0]}xx" if isinstance(status, int) else "none"


def read_requests(path: str, role: str, counts, statuses, modes) -> None:
    """Counts the requests of one role's NDJSON report by operation (`METHOD /path/{template}`)."""
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if '"ScenarioFinished"' not in line[:40]:
                continue
            recorder = json.loads(line)["ScenarioFinished"]["recorder"]
            cases = recorder.get("cases", {})
            for case_id, interaction in recorder.get("interactions", {}).items():
                case = cases.get(case_id, {}).get("value", {})
                label = f"{case.get('method', interaction['request']['method'])} {case.get('path', '?')}"
                mode = ((case.get("meta") or {}).get("generation") or {}).get("mode", "-")
                response = interaction.get("response") or {}
                counts[label][role] += 1
                statuses[label][status_class(response.get("status_code"))] += 1
                modes[label][mode] += 1


def main() -> int:
    report_dir, roles = sys.argv[1], sys.argv[2:]
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    modes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for role in roles:
        for path in glob.glob(os.path.join(report_dir, role, "*.ndjson")):
            read_requests(path, role, counts, statuses, modes)

    # Requests with a method the document does not declare (the unsupported_method probes) are
    # one row per path.
    declared = declared_operations(report_dir)
    for label in [label for label in counts if label not in declared]:
        method, _, path = label.partition(" ")
        other = f"(undeclared) {path}"
        counts[other].update(counts.pop(label))
        statuses[other].update(statuses.pop(label))
        modes[other].update(modes.pop(label))

    def sort_key(label: str) -> tuple[str, str]:
        method, _, route = label.partition(" ")
        return (route, method == "(undeclared)", method)

    labels = sorted(counts, key=sort_key)
    width = max([len(label) for label in labels] + [len("operation")])
    head = f"{'operation':<{width}} " + " ".join(f"{role:>10}" for role in roles) + f" {'total':>7}  {'pos/neg':>11}  statuses"
    print("== requests tried per operation")
    print(head)
    print("-" * len(head))
    grand = collections.Counter()
    for label in labels:
        row = counts[label]
        total = sum(row.values())
        grand.update(row)
        split = f"{modes[label].get('positive', 0)}/{modes[label].get('negative', 0)}"
        classes = " ".join(f"{k}:{v}" for k, v in sorted(statuses[label].items()))
        print(f"{label:<{width}} " + " ".join(f"{row.get(role, 0):>10}" for role in roles) + f" {total:>7}  {split:>11}  {classes}")
    print("-" * len(head))
    print(f"{'all operations':<{width}} " + " ".join(f"{grand.get(role, 0):>10}" for role in roles) + f" {sum(grand.values()):>7}")

    print()
    print("== failures by role (schemathesis' own grouping; details in each role's st.log)")
    any_failure = False
    for role in roles:
        reports = [p for p in glob.glob(os.path.join(report_dir, role, "*.json")) if not p.endswith(".ndjson")]
        report = None
        for candidate in reports:
            try:
                with open(candidate, encoding="utf-8") as f:
                    document = json.load(f)
            except (OSError, ValueError):
                continue
            if isinstance(document, dict) and "failures" in document:
                report = document
                break
        if report is None:
            print(f"[{role}] no JSON report (did schemathesis start?)")
            any_failure = True
            continue
        cases = report.get("test_cases", {})
        print(f"[{role}] {cases.get('generated', 0)} test cases, {cases.get('with_failures', 0)} with failures, "
              f"{cases.get('errored', 0)} errored; exit {report.get('exit_code')}")
        for failure in report.get("failures", []):
            any_failure = True
            operations = ", ".join(failure.get("operations", []))
            print(f"   {failure.get('count', 0):>4} x {failure.get('title')} [{failure.get('code')}]: {operations}")
        for error in report.get("errors", []):
            any_failure = True
            print(f"   {error.get('count', 0):>4} x error: {error.get('title')}")
    if not any_failure:
        print("none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
