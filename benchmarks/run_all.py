"""``make bench``: run every benchmark, then write its figures into docs/benchmarks.md and the
README's headline table, so the documentation quotes measured figures, never pasted ones.

``make bench BENCH="NAME ..."`` (``python -m benchmarks.run_all NAME ...``: run as a module, since it imports the
project) runs only the named benchmarks and keeps the other sections of the page as they were: a serving change
need not re-train on every dataset. Each
section says when, on what machine and from which commit it was measured, because figures
from a shared 2-core machine move between runs and a reader must be able to tell them apart.
A benchmark that fails keeps its previous section and makes the whole command fail.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import psutil

from review_classifier.templating import renderer

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "benchmarks.md"
README = ROOT / "README.md"
render_template = renderer(Path(__file__).parent / "templates")


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    #: Where its own figures start (a regular expression matched at a line's start), for a script whose
    #: output also streams the logs of the pipelines it runs.
    figures_from: str = ""

    def figures(self, output: str) -> str:
        """What the page quotes: the output from the first line ``figures_from`` matches, else all of it."""
        lines = output.splitlines()
        starts = [i for i, line in enumerate(lines) if self.figures_from and re.match(self.figures_from, line)]
        return "\n".join(lines[starts[0] :] if starts else lines)

    @property
    def script(self) -> Path:
        return Path(__file__).parent / f"{self.name}.py"

    def description(self) -> str:
        """The first paragraph of the script's docstring, read without importing it (imports are heavy)."""
        doc = ast.get_docstring(ast.parse(self.script.read_text())) or ""
        return " ".join(doc.split("\n\n")[0].split())


#: In the order ``make bench`` runs them: the serving ones need the production model of ``make run``.
BENCHMARKS = (
    Benchmark("preprocessing_speed", "Preprocessing speed"),
    Benchmark("tfidf_baseline", "The raw-text baselines alone"),
    Benchmark("training_quality", "Quality on every dataset", figures_from="dataset "),
    Benchmark("serving_throughput", "Serving throughput against the framework's ceiling", figures_from="ceiling "),
    Benchmark("redeploy_availability", "Availability during redeploys", figures_from="new connection per request: "),
    Benchmark("faults", "Faults survived", figures_from="fault "),
)
HEADLINE = "headline"


def marker(name: str, end: bool = False) -> str:
    return f"<!-- {name}:{'end' if end else 'start'} -->"


def sections(text: str) -> Dict[str, str]:
    """The marked sections of a generated page, by name, markers included."""
    pattern = re.compile(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", re.DOTALL)
    return {match.group(1): match.group(0) for match in pattern.finditer(text)}


def replace_section(text: str, section: str) -> str:
    """``text`` with the section of the same name as ``section`` replaced by it."""
    name = next(iter(sections(section)))
    old = sections(text).get(name)
    if old is None:
        raise ValueError(f"no section '{name}' ({marker(name)} ... {marker(name, end=True)}) to replace")
    return text.replace(old, section)


def machine() -> str:
    """What the figures were measured on, in one line."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = names[0] if names else model
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, Python {platform.python_version()}"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{head} with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else head


def run(benchmark: Benchmark) -> Optional[str]:
    """Run one benchmark, echoing its output as it comes; its output, or None if it failed."""
    print(f"$ python benchmarks/{benchmark.script.name}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    lines: List[str] = []
    with subprocess.Popen(
        [sys.executable, str(benchmark.script)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    if process.returncode != 0:
        print(f"error: benchmarks/{benchmark.script.name} failed (exit {process.returncode})", file=sys.stderr)
        return None
    return "\n".join(lines)


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def render_section(benchmark: Benchmark, output: str, when: str) -> str:
    return render_template(
        "section.md.j2",
        benchmark=benchmark,
        output=benchmark.figures(output),
        when=when,
        start=marker(benchmark.name),
        end=marker(benchmark.name, True),
    ).rstrip("\n")  # as ``sections`` reads it back


def render_headline(quality: dict) -> str:
    """The README's table: the model against the strongest baseline on each dataset's test split."""
    from review_classifier.baseline import BASELINES

    return render_template(
        "headline.md.j2",
        datasets=quality["datasets"],
        baselines=BASELINES,
        start=marker(HEADLINE),
        end=marker(HEADLINE, True),
    ).rstrip("\n")


def render_page(previous: Dict[str, str]) -> str:
    """The whole page, every section taken from ``previous`` or a placeholder until first measured."""
    placeholders = {
        **{b.name: f"{marker(b.name)}\nNot measured yet: `make bench`.\n{marker(b.name, True)}" for b in BENCHMARKS},
        HEADLINE: f"{marker(HEADLINE)}\nNot measured yet: `make bench`.\n{marker(HEADLINE, True)}",
    }
    return render_template(
        "benchmarks.md.j2", benchmarks=BENCHMARKS, sections={**placeholders, **previous}, headline=HEADLINE
    )


def main(argv: Optional[List[str]] = None) -> int:
    known = {b.name: b for b in BENCHMARKS}
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(known)}; default all")
    names = parser.parse_args(argv).names
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[name] for name in names] or list(BENCHMARKS)
    measured = sections(PAGE.read_text()) if PAGE.exists() else {}
    failed = []
    for benchmark in chosen:
        output = run(benchmark)
        if output is None:
            failed.append(benchmark.name)
            continue
        when = f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}, commit {commit()}"
        measured[benchmark.name] = render_section(benchmark, output, when)
        if benchmark.name == "training_quality":
            measured[HEADLINE] = render_headline(last_json(output))
            README.write_text(replace_section(README.read_text(), measured[HEADLINE]))
        PAGE.write_text(render_page(measured))  # after each benchmark: a later failure loses nothing
    print(f"wrote {PAGE.relative_to(ROOT)}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
