"""Benchmark: `planforge validate` on 15 MiB manifests against a 1.5 MiB baseline of the same shape, in this run.

Shapes: many documents (983 vs 9,830 ConfigMaps of 1.4 KiB: within the document limit), one large document (a
ConfigMap with tens of thousands of keys, within the node limit), and two hostile ones the YAML limits refuse
(`input/too-complex`): one-character items in a flow list, and empty documents. For each, prints the seconds and
peak RSS of a cold run (`--no-cache`) of both sizes, the ratio 15 MiB / 1.5 MiB (about 10 when linear; well below
for a refused file), and whether the 15 MiB file was refused. Nothing is asserted: timings depend on the machine.

    .venv/bin/python benchmarks/yaml_bounds.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MIB = 1024 * 1024
BASELINE, LARGE = int(1.5 * MIB), 15 * MIB


def config_maps(size: int) -> str:
    """ConfigMaps of about 1.4 KiB each: 983 per 1.5 MiB, 9,830 (within the document limit) per 15 MiB."""
    count = size // 1600
    data = "".join(f"  key-{k}: value {k} of a generated config map entry, long enough to be realistic\n"
                   for k in range(16))
    return "---\n".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: team-a\ndata:\n"
                        f"{data}" for i in range(count))


def one_document(size: int) -> str:
    line = "  key-{}: value number {} of the big config map\n"
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: team-a\ndata:\n"
    return head + "".join(line.format(i, i) for i in range(size // len(line.format(99999, 99999))))


def tiny_items(size: int) -> str:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tiny}\nitems: [" + "1," * (size // 2) + "1]\n"


def empty_documents(size: int) -> str:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: empty}\n" + "---\n" * (size // 4)


SHAPES: dict[str, Callable[[int], str]] = {
    "many documents": config_maps,
    "one large document": one_document,
    "one-character items (refused)": tiny_items,
    "empty documents (refused)": empty_documents,
}


def run(text: str) -> tuple[float, int, bool]:
    """Seconds, peak RSS (KiB) and whether the file was refused, of a cold `planforge validate` on it."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp, "repo")
        repo.mkdir()
        (repo / "big.yaml").write_text(text)
        report = Path(tmp, "report.txt")
        start = time.perf_counter()
        with report.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "planforge", "validate", "--no-cache", "repo"], cwd=tmp,
                                    stdout=out, stderr=subprocess.STDOUT)
            _, _, usage = os.wait4(proc.pid, 0)  # the child's own peak RSS
            proc.returncode = 0
        seconds = time.perf_counter() - start
        return seconds, usage.ru_maxrss, "input/too-complex" in report.read_text()


def main() -> None:
    print(f"{'shape':32} {'1.5 MiB':>14} {'15 MiB':>14} {'ratio':>6}  15 MiB refused")
    for name, make in SHAPES.items():
        small, large = run(make(BASELINE)), run(make(LARGE))
        print(f"{name:32} {small[0]:6.1f}s {small[1] // 1024:4d}MiB {large[0]:6.1f}s {large[1] // 1024:4d}MiB "
              f"{large[0] / small[0]:6.1f}  {'yes' if large[2] else 'no'}")


if __name__ == "__main__":
    main()
