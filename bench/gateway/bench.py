"""Helpers for scripts/bench-gateway (standard library only).

  free-port                       print a free TCP port on 127.0.0.1
  probe URL STATUS [TOKEN]        POST the benchmark's JSON-RPC body to URL until it answers
                                  STATUS (bounded: 100 tries, 0.1 s apart); print the body
  metrics URL                     the gateway's /metrics as key=value lines (counters summed)
  report RUN_DIR OUT.md           the Markdown tables from RUN_DIR/*.kv (written by the script)
"""

from __future__ import annotations

import json
import re
import statistics
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BODY = b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=BODY, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def probe(url: str, status: int, token: str | None) -> int:
    last = "no answer"
    for _ in range(100):
        try:
            got, body = post(url, token)
            if got == status:
                print(body.decode(errors="replace"))
                return 0
            last = f"HTTP {got} {body[:200]!r}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    print(f"{url}: expected HTTP {status}, last: {last}", file=sys.stderr)
    return 1


def metrics(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out = {"forward": 0.0, "not_forwarded": 0.0}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        v = float(value)
        if name == "xaa_gateway_decision_seconds_sum":
            out["decision_sum_s"] = v
        elif name == "xaa_gateway_decision_seconds_count":
            out["decision_count"] = v
        elif name.startswith("xaa_gateway_decision_seconds_bucket"):
            le = name.split('le="', 1)[1].split('"', 1)[0]
            out[f"dec_le_{le}"] = v
        elif name.startswith("xaa_gateway_token_cache_total"):
            out["cache_hit" if 'result="hit"' in name else "cache_miss"] = v
        elif name.startswith("xaa_gateway_requests_total"):
            out["forward" if 'decision="forward"' in name else "not_forwarded"] += v
    for k, v in out.items():
        print(f"{k}={v:.9g}")
    return 0


def read_kv(path: Path) -> dict[str, str]:
    kv = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, _, v = line.partition("=")
            kv[k.strip()] = v.strip()
    return kv


def decision_quantile(r: dict[str, str], q: float) -> str:
    """The histogram bucket holding quantile q of the decision time: '≤ 250 µs'."""
    buckets = sorted((float(k[len("dec_le_"):]), float(v)) for k, v in r.items() if k.startswith("dec_le_"))
    if not buckets or buckets[-1][1] <= 0:
        return "—"
    total = buckets[-1][1]
    for le, n in buckets:
        if n >= q * total:
            if le == float("inf"):
                return "> 2 s"
            return f"≤ {le * 1e6:,.0f} µs" if le < 0.001 else f"≤ {le * 1e3:g} ms"
    return "?"


def rounds_summary(rows: list[dict], by: dict, f) -> list[str]:
    """With --mcp-rounds K > 1: each row's ratio to its own round's direct row, median (and
    range) over the rounds. Rows named NAME-rK are round K of NAME."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        name = re.sub(r"-r[0-9]+$", "", r["name"])
        if name != r["name"]:
            groups.setdefault(name, []).append(r)
    if not groups:
        return []
    out = [
        "",
        "Over the rounds (each row against its own round's direct row; median, then the range):",
        "",
        "| Row | rounds | × its direct row | added p50 ms | added p99 ms | gateway or proxy CPU µs / request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, rs in groups.items():
        ratios, p50s, p99s, cpus = [], [], [], []
        for r in rs:
            base = by.get(r.get("baseline", ""))
            if not base or base is r:
                continue
            rps = f(r, "requests") / (f(r, "duration_us") / 1e6)
            brps = f(base, "requests") / (f(base, "duration_us") / 1e6)
            ratios.append(rps / brps)
            p50s.append((f(r, "p50_us") - f(base, "p50_us")) / 1000)
            p99s.append((f(r, "p99_us") - f(base, "p99_us")) / 1000)
            if r.get("front_cpu_s"):
                cpus.append(f(r, "front_cpu_s") * 1e6 / f(r, "requests"))
        if not ratios:
            continue
        label = re.sub(r" \(round [0-9]+\)$", "", rs[0]["label"])

        def span(xs: list[float], fmt: str) -> str:
            if not xs:
                return "—"
            return f"{format(statistics.median(xs), fmt)} ({format(min(xs), fmt)} – {format(max(xs), fmt)})"

        out.append(
            f"| {label} | {len(ratios)} | {span(ratios, '.2f')} | {span(p50s, '+.2f')} | {span(p99s, '+.2f')} | {span(cpus, '.0f')} |"
        )
    return out


def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def report(run_dir: str, out_path: str) -> int:
    run = Path(run_dir)
    meta = read_kv(run / "meta.kv")
    rows = [read_kv(p) for p in sorted(run.glob("[0-9]*.kv"), key=lambda p: int(p.name.split("-", 1)[0]))]
    by = {r["name"]: r for r in rows}

    def f(r: dict, k: str) -> float:
        return float(r.get(k, "nan") or "nan")

    lines = [
        f"xaa gateway under load — {meta.get('date', '')}",
        "",
        f"- wrk: {meta.get('connections')} connections, {meta.get('threads')} thread(s), "
        f"{meta.get('duration')} s per row after a {meta.get('warmup')} s warm-up (not counted); "
        f"paced rows: {meta.get('pacing', 'fixed')} waits; "
        f"layout: {meta.get('layout_text')}",
        f"- xaa: {meta.get('xaa_version')} ({meta.get('xaa_bin')}: {meta.get('xaa_build')}), gateway --instances {meta.get('instances')}, "
        f"XAA_LOG={meta.get('xaa_log')}, scheduling policy {meta.get('gateway_sched', 'other')}; {meta.get('nginx_version')}, worker_processes 1; {meta.get('wrk_version')}; "
        f"MCP server: {meta.get('mcp_server', 'not run')}",
        f"- load average before / after: {meta.get('load_before')} / {meta.get('load_after', '?')}",
        "",
        "| Scenario | req/s | p50 ms | p99 ms | × its direct row | added p50 ms | added p99 ms | gateway or proxy RSS MiB (VmRSS / VmHWM) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = by.get(r.get("baseline", ""))
        rps = f(r, "requests") / (f(r, "duration_us") / 1e6)
        cells = [r["label"], f"{rps:,.0f}", ms(f(r, "p50_us")), ms(f(r, "p99_us"))]
        if base and base is not r:
            brps = f(base, "requests") / (f(base, "duration_us") / 1e6)
            cells += [
                f"{rps / brps:.2f}",
                f"{(f(r, 'p50_us') - f(base, 'p50_us')) / 1000:+.2f}",
                f"{(f(r, 'p99_us') - f(base, 'p99_us')) / 1000:+.2f}",
            ]
        else:
            cells += ["1.00", "—", "—"]
        if r.get("front_vmrss_kb"):
            cells.append(f"{f(r, 'front_vmrss_kb') / 1024:.1f} / {f(r, 'front_vmhwm_kb') / 1024:.1f}")
        else:
            cells.append("—")
        lines.append("| " + " | ".join(cells) + " |")

    lines += [
        "",
        "Where the CPU went during each measured run: CPU µs per completed request of each process "
        "(/proc/PID/stat; wrk's from the shell's `times`; the upstream is nginx or the MCP server, the front is "
        "the gateway or the reference proxy), busy % per core and \"other\" = machine CPU "
        "not charged to those three (/proc/stat; 100 % = one core). Mean decision = the gateway's "
        "xaa_gateway_decision_seconds sum / count (waiting for a free component instance included); "
        "p50 / p99 = the histogram bucket that holds them.",
        "",
        "| Scenario | wrk | upstream | gateway or proxy | mean decision µs | decision p50 / p99 | token cache hit / miss | core 0 busy % | core 1 busy % | other % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = f(r, "requests")
        cells = [r["label"], f"{f(r, 'wrk_cpu_s') * 1e6 / n:.1f}", f"{f(r, 'upstream_cpu_s') * 1e6 / n:.1f}"]
        if r.get("front_cpu_s"):
            cells.append(f"{f(r, 'front_cpu_s') * 1e6 / n:.1f}")
        else:
            cells.append("—")
        if r.get("decision_count"):
            dc = f(r, "decision_count")
            cells.append(f"{f(r, 'decision_sum_s') * 1e6 / dc:.1f}" if dc > 0 else "—")
            cells.append(f"{decision_quantile(r, 0.5)} / {decision_quantile(r, 0.99)}")
            if "cache_hit" in r:
                cells.append(f"{f(r, 'cache_hit'):,.0f} / {f(r, 'cache_miss'):,.0f}")
            else:
                cells.append("not exported")
        else:
            cells += ["—", "—", "—"]
        cells += [f"{f(r, 'cpu0_busy_pct'):.0f}", f"{f(r, 'cpu1_busy_pct'):.0f}", f"{f(r, 'other_cpu_pct'):.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += rounds_summary(rows, by, f)
    notes = [r["note"] for r in rows if r.get("note")]
    for r in rows:
        if int(r.get("attempts", "1")) > 1:
            notes.append(
                f"{r['label']}: measured {r['attempts']} times; the earlier runs were disturbed "
                "(> 15 % of a CPU went to another process) and were set aside (*.disturbed-N in the raw directory)."
            )
    disturbed = [r["label"] for r in rows if f(r, "other_cpu_pct") > 15]
    if disturbed:
        notes.append(
            "DISTURBED: more than 15 % of a CPU went to something other than wrk, the upstream and the gateway or proxy during "
            + ", ".join(disturbed)
            + " (another process on the machine?); those rows are not comparable."
        )
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    text = "\n".join(lines) + "\n"
    Path(out_path).write_text(text)
    print(text, end="")
    return 0


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "free-port":
        print(free_port())
        return 0
    if cmd == "probe":
        return probe(args[0], int(args[1]), args[2] if len(args) > 2 else None)
    if cmd == "metrics":
        return metrics(args[0])
    if cmd == "report":
        return report(args[0], args[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
