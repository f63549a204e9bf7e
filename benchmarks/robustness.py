"""Robustness benchmark: fuzzed plans through parse_text + decide, in-process, with a per-case watchdog.

Mutations of the fixture plans (tests/fixtures/plans, plans-real, the shipped plan templates): spliced random bytes, duplicated and
deleted lines, huge fields (up to 1 MB), deep nesting, hostile names (path traversal, shell commands, template
syntax, unknown regions), unicode and credentials. Prints the internal errors (any exception that is not a
PlanforgeError), the hangs (a case over --hang seconds of CPU time, so that a busy machine does not make hangs;
SIGPROF stops it) and the slowest cases; the targets are zero internal errors and zero hangs. Seeded: the same
--seed gives the same cases.

    .venv/bin/python benchmarks/robustness.py [--cases 10000] [--seed 1] [--hang 2]
"""
from __future__ import annotations

import argparse
import faulthandler
import random
import signal
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from planforge.decide import decide  # noqa: E402
from planforge.errors import PlanforgeError  # noqa: E402
from planforge.plan import parse_text  # noqa: E402
from planforge.plan.limits import limits  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
BASES = sorted([*(FIXTURES / "plans").glob("*.md"), *(FIXTURES / "plans-real").glob("*.plan.md"),
                *(REPO / "src" / "planforge" / "data" / "plan_templates").glob("*.md")])
HOSTILE_NAMES = [
    "../../etc", "..\\..\\windows", "/etc/passwd", "~root", "{{ 7*7 }}", "${jndi:ldap://x}", "%{x}", "{% raw %}",
    "$(rm -rf /)", "`reboot`", "dev; rm -rf /", "a | sh", "x && y", "us-east-99", "eu-middle-1", "mars-base",
    "ACME Corp", "ＡＣＭＥ", "café", "tenant\u202egnp", "\u0000", "\ufeff", "é" * 70, "a" * 300, "-leading",
    "trailing-", "UPPER", "yes", "null", "010", "on", "1e3", "a b", "AKIAIOSFODNN7EXAMPLE", "password=hunter2", "ghp_" + "a1" * 18,
]
ATOMS = ["[", "[](", "<!--", "(", "1", "1 ", "a-", "a1-", "**", "`", "|", " ", "\t", "<br ", "rpo ", "terraform ",
         "environments (", "tenants ", "organizations (", "no aws ", "health ", "port ", "registry.", "db.a1.",
         "1 a replicas ", "a@1 ", "us-east-", "- ", "# ", "> ", "    ", "\\", "é", "💥", "\u200b"]
UNICODE = ["é", "ß", "İ", "ﬁ", "\u200b", "\u202e", "\u2028", "\u0085", "\x0b", "\x1c", "💥", "\ud7ff", "\ufffd"]


def mutate(rnd: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.choice(["splice", "duplicate", "delete", "huge", "nest", "name", "unicode", "table", "tree"])
        i = rnd.randrange(len(lines)) if lines else 0
        if not lines:
            lines = [""]
        if kind == "splice":
            raw = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 64))).decode("latin-1")
            at = rnd.randint(0, len(lines[i]))
            lines[i] = lines[i][:at] + raw + lines[i][at:]
        elif kind == "duplicate":
            lines[i:i] = lines[i : i + rnd.randint(1, 20)] * rnd.randint(1, 5)
        elif kind == "delete":
            del lines[i : i + rnd.randint(1, 20)]
        elif kind == "huge":
            size = rnd.choice([1_000, 40_000, 200_000, 1_000_000]) if rnd.random() < 0.05 else rnd.choice([1_000, 10_000])
            atom = rnd.choice(ATOMS + HOSTILE_NAMES)
            lines[i] = lines[i] + " " + atom * max(1, size // max(1, len(atom)))
        elif kind == "nest":
            depth = rnd.choice([10, 100, 1000])
            marker = rnd.choice(["- ", "> ", "1. ", "* "])
            lines[i:i] = ["  " * d + marker + "x" for d in range(depth)] if marker != "> " else [marker * depth + "x"]
        elif kind == "name":
            name = rnd.choice(HOSTILE_NAMES)
            targets = [n for n, line in enumerate(lines) if line.startswith("**") or "/" in line or "|" in line]
            n = rnd.choice(targets) if targets else i
            words = lines[n].split(" ")
            words[rnd.randrange(len(words))] = name
            lines[n] = " ".join(words)
        elif kind == "unicode":
            at = rnd.randint(0, len(lines[i]))
            lines[i] = lines[i][:at] + "".join(rnd.choice(UNICODE) for _ in range(rnd.randint(1, 8))) + lines[i][at:]
        elif kind == "table":
            cols = rnd.choice([3, 50, 2000, 100_000]) if rnd.random() < 0.2 else rnd.choice([3, 50])
            lines[i:i] = ["|" + "a|" * cols, "|" + "-|" * cols, "|" + "b|" * cols]
        else:
            lines[i:i] = ["```text"] + [" " * d + rnd.choice(["d/", "tenants/", "../x/", "a" * 300 + "/"])
                                        for d in range(rnd.choice([5, 40]))] + ["```"]
    return "\n".join(lines)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hang", type=float, default=2.0, help="CPU seconds after which a case counts as a hang")
    args = ap.parse_args(argv)
    rnd = random.Random(args.seed)
    texts = [p.read_text(encoding="utf-8") for p in BASES]
    signal.signal(signal.SIGPROF, _alarm)
    errors, hangs, times = [], [], []
    outcomes = {"ready": 0, "refused": 0}
    start = time.perf_counter()
    for case in range(args.cases):
        base = rnd.randrange(len(texts))
        text = mutate(rnd, texts[base])
        faulthandler.dump_traceback_later(max(60.0, 30 * args.hang), exit=True)  # last resort if SIGPROF cannot stop it
        signal.setitimer(signal.ITIMER_PROF, args.hang)
        t0 = time.process_time()
        try:
            if len(text.encode("utf-8", "surrogatepass")) > limits()["max_plan_bytes"]:
                raise PlanforgeError("over the size limit")  # what parse_plan does with such a file
            decide(parse_text(text, f"case-{case}.md"))
            outcomes["ready"] += 1
        except PlanforgeError:
            outcomes["refused"] += 1
        except Hang:
            hangs.append((case, BASES[base].name))
        except Exception as exc:  # an internal error: what this benchmark looks for
            errors.append((case, BASES[base].name, "".join(traceback.format_exception_only(exc)).strip()))
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            faulthandler.cancel_dump_traceback_later()
        dt = time.process_time() - t0
        times.append((dt, case, BASES[base].name, len(text)))
        if dt > args.hang and not any(h[0] == case for h in hangs):
            hangs.append((case, BASES[base].name))
    total = time.perf_counter() - start
    times.sort(reverse=True)
    print(f"{args.cases} fuzzed plans (seed {args.seed}) from {len(BASES)} fixtures in {total:.1f} s: "
          f"{outcomes['ready']} ready, {outcomes['refused']} refused")
    print(f"internal errors: {len(errors)}")
    for case, name, err in errors[:20]:
        print(f"  case {case} ({name}): {err}")
    print(f"hangs (> {args.hang} s of CPU): {len(hangs)}")
    for case, name in hangs[:20]:
        print(f"  case {case} ({name})")
    print(f"median {times[len(times) // 2][0] * 1000:.1f} ms of CPU; slowest:")
    for dt, case, name, size in times[:5]:
        print(f"  {dt:.3f} s  case {case} ({name}, {size} characters)")
    return 1 if errors or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
