#!/usr/bin/env python3
"""Compares the component's verdicts (the corpus's `ours`) with the peers' verdicts.

- A token WE accept that a peer REJECTS is a potential security defect: it fails the run and
  is printed with both verdicts and the token.
- Tokens we reject that a peer accepts are listed, grouped by OUR rejection code, each group
  annotated with the rule that makes us stricter, read from the table in
  tests/differential/README.md (a code without a row fails the run: the table must explain it).

    python compare.py --corpus tests/vectors/differential.json --readme tests/differential/README.md \
        --report target/differential-report.md target/differential/{pyjwt,joserfc,jose}.json

Exit status: 0 when no token we accept is rejected by a peer (and every peer judged every
case and every stricter code has a rule); 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from typing import Any

ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|\s*(.+?)\s*\|\s*$")


def rules_from_readme(path: str) -> dict[str, str]:
    """The `| `code` | rule |` rows of the README's rules table."""
    rules: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        in_table = False
        for line in f:
            if line.startswith("## "):
                in_table = line.strip().lower().startswith("## why we are stricter")
                continue
            m = ROW.match(line) if in_table else None
            if m:
                rules[m.group(1)] = m.group(2)
    return rules


def short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--readme", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("peers", nargs="+", help="peer verdict files (peers.py / peers.mjs)")
    args = parser.parse_args()

    with open(args.corpus, encoding="utf-8") as f:
        corpus = json.load(f)
    cases = corpus["cases"]
    peers = []
    for path in args.peers:
        with open(path, encoding="utf-8") as f:
            peers.append(json.load(f))
    rules = rules_from_readme(args.readme)

    categories = list(corpus["categories"])
    per_category = Counter(c["category"] for c in cases)
    ours_valid = Counter(c["category"] for c in cases if c["ours"] == "valid")

    failures = []  # (case, peer, reason)
    missing = []
    stricter: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    table: dict[str, Counter] = {}
    for peer in peers:
        counts: Counter = Counter()
        for case in cases:
            verdict = peer["verdicts"].get(case["id"])
            if verdict is None:
                missing.append((peer["peer"], case["id"]))
                continue
            we_accept = case["ours"] == "valid"
            they_accept = verdict["verdict"] == "accept"
            cat = case["category"]
            if we_accept and they_accept:
                counts["agree-accept", cat] += 1
            elif not we_accept and not they_accept:
                counts["agree-reject", cat] += 1
            elif not we_accept:
                counts["we-stricter", cat] += 1
                stricter[case["ours"]][case["id"]].append(peer["peer"])
            else:
                counts["peer-stricter", cat] += 1
                failures.append((case, peer, verdict["reason"]))
        table[peer["peer"]] = counts

    unexplained = sorted(code for code in stricter if code not in rules)
    by_id = {c["id"]: c for c in cases}
    peer_names = ", ".join(f"{p['library']} {p['version']} ({p['runtime']})" for p in peers)
    kinds = ["agree-accept", "agree-reject", "we-stricter", "peer-stricter"]

    out: list[str] = []
    out.append("# Differential report\n")
    out.append(
        f"Corpus `{os.path.relpath(args.corpus)}` ({corpus['format']}): {len(cases)} tokens, now = {corpus['now']}. "
        f"Peers: {peer_names}.\n"
    )
    out.append("## Summary\n")
    out.append("| category | tokens | ours valid | " + " | ".join(
        f"{p['peer']}: agree / we stricter / peer stricter" for p in peers) + " |")
    out.append("|---|---|---|" + "---|" * len(peers))
    for cat in categories + ["total"]:
        cells = []
        for p in peers:
            counts = table[p["peer"]]
            if cat == "total":
                n = {k: sum(v for (kk, _), v in counts.items() if kk == k) for k in kinds}
            else:
                n = {k: counts[k, cat] for k in kinds}
            cells.append(f"{n['agree-accept'] + n['agree-reject']} / {n['we-stricter']} / {n['peer-stricter']}")
        total = len(cases) if cat == "total" else per_category[cat]
        valid = sum(ours_valid.values()) if cat == "total" else ours_valid[cat]
        out.append(f"| {cat} | {total} | {valid} | " + " | ".join(cells) + " |")
    out.append("")

    out.append("## Tokens we accept that a peer rejects (failures)\n")
    if not failures:
        out.append("None.\n")
    for case, peer, reason in failures:
        out.append(f"- **{case['id']}** ({case['profile']}, {case['mutation']}): ours `valid`, "
                   f"{peer['library']} {peer['version']} rejects: {reason}\n\n  `{case['token']}`\n")

    out.append("## Tokens we reject that a peer accepts, by our code\n")
    if not stricter:
        out.append("None.\n")
    for code in sorted(stricter, key=lambda c: (-len(stricter[c]), c)):
        ids = stricter[code]
        out.append(f"### `{code}` — {len(ids)} tokens\n")
        out.append(f"Why we are stricter: {rules.get(code, '**no rule in tests/differential/README.md**')}\n")
        out.append("| case | catalog | mutation | accepted by |")
        out.append("|---|---|---|---|")
        for case_id, who in ids.items():
            case = by_id[case_id]
            out.append(f"| `{case_id}` | {case['catalog'] or ''} | {short(case['mutation']).replace('|', '/')} | {', '.join(who)} |")
        out.append("")
    if missing:
        out.append("## Missing peer verdicts\n")
        out.extend(f"- {peer}: {case_id}" for peer, case_id in missing)
    with open(args.report, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")

    # --- terminal summary -------------------------------------------------------------------
    cats = ", ".join(f"{c} {per_category[c]}" for c in categories)
    print(f"differential: {len(cases)} tokens ({cats}); ours: {sum(ours_valid.values())} valid")
    print(f"differential: peers {peer_names}")
    width = max(len(p["peer"]) for p in peers)
    print(f"  {'peer':<{width}}  agree-accept  agree-reject  we-stricter  PEER-STRICTER")
    for p in peers:
        counts = table[p["peer"]]
        n = {k: sum(v for (kk, _), v in counts.items() if kk == k) for k in kinds}
        print(f"  {p['peer']:<{width}}  {n['agree-accept']:>12}  {n['agree-reject']:>12}  "
              f"{n['we-stricter']:>11}  {n['peer-stricter']:>13}")
    print("differential: we are stricter on " + ", ".join(
        f"{code} {len(stricter[code])}" for code in sorted(stricter, key=lambda c: (-len(stricter[c]), c))))
    ok = True
    for case, peer, reason in failures:
        ok = False
        print(f"FAIL {case['id']}: ours valid, {peer['peer']} rejects ({reason})\n  token: {case['token']}",
              file=sys.stderr)
    if missing:
        ok = False
        print(f"FAIL: {len(missing)} peer verdicts missing (e.g. {missing[0]})", file=sys.stderr)
    if unexplained:
        ok = False
        print(f"FAIL: no rule in {args.readme} for our code(s): {', '.join(unexplained)}", file=sys.stderr)
    print(f"differential: report {args.report}")
    if ok:
        print(f"differential: OK, no token we accept is rejected by {len(peers)} strict peers")
        return 0
    print(f"differential: FAILED ({len(failures)} tokens we accept that a peer rejects)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
