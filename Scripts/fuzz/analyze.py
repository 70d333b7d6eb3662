"""Groups every failed check of a fuzz run, not only the first one per operation.

Usage: analyze.py REPORT_DIR [ROLE...]   (the report directory Scripts/fuzz.sh wrote)

Schemathesis' terminal output shows one example per operation and failure kind. This reads the
NDJSON event streams and prints, per failure kind and operation, each distinct server answer
(status and error code) or, for accepted invalid requests, each distinct invalid component, with
the roles that saw it, a count and one request to reproduce it with.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import re
import shlex
import sys


def text_of(response: dict) -> str | None:
    content = response.get("content")
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return content if isinstance(content, str) else None


def body_of(response: dict) -> dict:
    content = text_of(response)
    if isinstance(content, str):
        try:
            value = json.loads(content)
            return value if isinstance(value, dict) else {}
        except ValueError:
            return {}
    return {}


def curl_for(interaction: dict) -> str:
    request = interaction["request"]
    parts = ["curl", "-X", request["method"]]
    for name, values in (request.get("headers") or {}).items():
        if name.lower() in {"user-agent", "accept", "accept-encoding", "connection", "content-length"}:
            continue
        if name.lower().startswith("x-schemathesis"):
            continue
        for value in values:
            if name.lower() == "authorization":
                value = "Bearer $TOKEN"
            elif name.lower() == "idempotency-key" and value == "[Filtered]":
                value = "$KEY"
            parts += ["-H", f"{name}: {value}"]
    body = request.get("body")
    if isinstance(body, str):
        parts += ["-d", body]
    elif isinstance(body, dict) and "$base64" in body:
        parts += ["--data-binary", base64.b64decode(body["$base64"]).decode("utf-8", "replace")]
    url = re.sub(r"^http://127\.0\.0\.1:\d+", "$SERVER", request["uri"])
    parts.append(url)
    return " ".join(shlex.quote(p) if not p.startswith("$") else f'"{p}"' for p in parts).replace(
        "'Authorization: Bearer $TOKEN'", '"Authorization: Bearer $TOKEN"'
    ).replace("'Idempotency-Key: $KEY'", '"Idempotency-Key: $KEY"')


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def main() -> int:
    report_dir = sys.argv[1]
    roles = sys.argv[2:] or sorted(
        d for d in os.listdir(report_dir) if glob.glob(os.path.join(report_dir, d, "*.ndjson"))
    )
    groups: dict[tuple, dict] = {}
    for role in roles:
        for path in glob.glob(os.path.join(report_dir, role, "*.ndjson")):
            with open(path, encoding="utf-8") as stream:
                for line in stream:
                    if '"ScenarioFinished"' not in line[:40]:
                        continue
                    recorder = json.loads(line)["ScenarioFinished"]["recorder"]
                    interactions = recorder.get("interactions", {})
                    for case_id, checks in (recorder.get("checks") or {}).items():
                        for check in checks:
                            if check.get("status") != "failure":
                                continue
                            failure = (check.get("failure_info") or {}).get("failure") or {}
                            interaction = interactions.get(case_id) or {}
                            response = interaction.get("response") or {}
                            code = failure.get("code", "?")
                            operation = failure.get("operation", "?")
                            message = failure.get("message", "")
                            if code == "ST204":  # one line for all undeclared-method probes
                                detail = re.sub(r"Unsupported method (\w+) ", "Unsupported method X ", first_line(message))
                                operation = "(all paths)"
                            elif code == "ST201":
                                match = re.search(r"Invalid component: (.*)", message)
                                detail = match.group(1) if match else first_line(message)
                                detail = re.sub(r" - .*", "", detail)
                            elif code in {"ST202", "ST101"}:
                                body = body_of(response)
                                detail = f"{response.get('status_code')} {body.get('code', '')}".strip()
                            elif code == "ST108":
                                detail = first_line(message)[-80:]
                            else:
                                detail = first_line(message)
                            key = (code, failure.get("title", ""), operation, detail)
                            group = groups.setdefault(key, {"count": 0, "roles": set(), "example": None, "answer": None})
                            group["count"] += 1
                            group["roles"].add(role)
                            if group["example"] is None and interaction:
                                group["example"] = curl_for(interaction)
                                content = text_of(response)
                                group["answer"] = content[:300] if isinstance(content, str) else None
    if not groups:
        print("no failed checks")
        return 0
    current = None
    for key in sorted(groups):
        code, title, operation, detail = key
        group = groups[key]
        if (code, title) != current:
            current = (code, title)
            print(f"\n## {code} {title}")
        print(f"- {operation}: {detail}  [{group['count']}x; {', '.join(sorted(group['roles']))}]")
        if group["example"]:
            print(f"    {group['example']}")
        if group["answer"] and code != "ST108":
            print(f"    -> {group['answer'].strip()[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
