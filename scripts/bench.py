"""`make bench`: throughput, latency, memory, startup and hot reload of the stack, each against a
reference measured in the same run. Starts everything as loopback processes on an embedded
PostgreSQL, drives load with wrk (installed from Debian's packages when missing), prints one table
and writes it, with the machine it ran on, into docs/benchmarks.md (and the raw numbers as JSON).

    scripts/bench.py                 # the full run (about 5 minutes)
    scripts/bench.py --tiny          # seconds per scenario: proves the harness works (tests/bench)
    scripts/bench.py --chat 40       # only the chat latency (time to first text, whole turn), 40 turns
    scripts/bench.py --growth        # only the growth table (2,000,000 tasks; --tiny: the small data set)
    scripts/bench.py --no-growth     # the full run without the growth table
    scripts/bench.py --soak 20       # only the soak: 20 minutes of mixed load at a steady rate
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchmarks import growth, report, run, soak  # noqa: E402


def _stop_on_sigterm() -> None:
    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through the `with` blocks, which stop every process

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="1 s per scenario, low concurrency, one startup")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md", help="markdown to update")
    parser.add_argument("--json", type=Path, default=ROOT / "test-artifacts" / "bench.json", help="raw numbers")
    parser.add_argument("--chat", type=int, metavar="TURNS", help="only the chat latency, over TURNS turns")
    parser.add_argument("--growth", action="store_true", help="only the growth table (task queries at 100..100k)")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="only the soak, for MINUTES of mixed load")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth table in a full run")
    parser.add_argument("--postgres-url", help="use this PostgreSQL server (a fresh database is made on it)")
    args = parser.parse_args(argv)
    _stop_on_sigterm()

    if args.chat:
        latency = run.chat_only(args.chat, postgres_url=args.postgres_url)
        print()
        print(report.chat_latency(latency, commit=True))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.with_name("bench-chat.json").write_text(json.dumps(latency, indent=2) + "\n")
        return 0
    if args.growth:
        return _growth(args)
    if args.soak:
        result = soak.measure(args.soak, postgres_url=args.postgres_url)
        print()
        print(soak.table(result))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.with_name("bench-soak.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0 if result["passed"] else 1
    results = run.main(run.TINY if args.tiny else run.FULL, postgres_url=args.postgres_url)
    results["ratios"] = report.ratios(results)
    print()
    print(report.machine(results))
    print()
    print(report.table(results))
    if results.get("chat_latency"):
        print()
        print(report.chat_latency(results["chat_latency"]))
    report.write(args.output, results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\n[bench] written: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    if not args.tiny and not args.no_growth:
        return _growth(args)
    return 0


def _growth(args: argparse.Namespace) -> int:
    results = growth.measure(growth.TINY if args.tiny else growth.FULL, postgres_url=args.postgres_url)
    print()
    print(growth.table(results))
    growth.write(args.output, results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.with_name("bench-growth.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
