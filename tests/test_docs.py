"""The documentation holds together: short front door, links that resolve, generated pages current.

Read as a code host renders Markdown: a link's ``#anchor`` is the slug of a heading of the target
page (GitHub's rule: lower case, punctuation dropped, spaces to hyphens, ``-1``... for repeats).
Links inside code blocks and spans are text, not links.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator, List, Set, Tuple

import pytest

from benchmarks import run_all

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
README_LIMIT = 15 * 1024
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> Set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"^```.*?^```", "", page.read_text(), flags=re.DOTALL | re.M), re.M)
    seen: Counter = Counter()
    found = set()
    for heading in headings:
        base = slug(heading)
        found.add(base if not seen[base] else f"{base}-{seen[base]}")
        seen[base] += 1
    return found


def links(page: Path) -> Iterator[Tuple[int, str]]:
    text = prose(page.read_text())
    for match in LINK.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1)


def broken_links(pages: List[Path]) -> List[str]:
    broken = []
    for page in pages:
        for line, target in links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}:{line}: {target}"
            if not resolved.exists():
                broken.append(f"{where}: no file {path}")
            elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
                broken.append(f"{where}: no heading '#{anchor}' in {resolved.relative_to(ROOT)}")
    return broken


def test_every_relative_link_and_anchor_resolves() -> None:
    assert not broken_links(PAGES), "\n".join(broken_links(PAGES))


def test_the_link_check_finds_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    page = ROOT / "docs" / "training.md"
    probe = page.parent / f".probe-{tmp_path.name}.md"
    probe.write_text("[a](training.md#no-such-heading) [b](nowhere.md) [c](training.md#caching-and-code-changes)\n")
    try:
        found = broken_links([probe])
    finally:
        probe.unlink()
    assert [item.split(": ", 2)[2] for item in found] == [
        "no heading '#no-such-heading' in docs/training.md",
        "no file nowhere.md",
    ]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("The Bento as a container (stack `docker-serving`)", "the-bento-as-a-container-stack-docker-serving"),
        ("Upstream workarounds (`zenml_fixes/`)", "upstream-workarounds-zenml_fixes"),
        ("Model versions: `make models`", "model-versions-make-models"),
    ],
)
def test_anchor_slugs_follow_the_code_host(heading: str, expected: str) -> None:
    assert slug(heading) == expected


def test_the_readme_is_a_short_front_door() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT, f"README.md is {size:,} bytes, over {README_LIMIT:,}: move depth into docs/"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for _, target in links(ROOT / "README.md")}
    assert not [page.name for page in PAGES[2:] if page not in linked]


def test_the_readme_headline_is_the_benchmarks_page_headline() -> None:
    readme = run_all.sections((ROOT / "README.md").read_text())
    page = run_all.sections(run_all.PAGE.read_text())
    assert readme[run_all.HEADLINE] == page[run_all.HEADLINE], "run `make bench` (or benchmarks/run_all.py)"


def test_the_benchmarks_page_is_what_make_bench_writes() -> None:
    text = run_all.PAGE.read_text()
    assert run_all.render_page(run_all.sections(text)) == text, "docs/benchmarks.md is generated: `make bench`"


def test_a_rerun_replaces_only_its_own_section() -> None:
    page = run_all.render_page({})
    section = "<!-- training_quality:start -->\nnew figures\n<!-- training_quality:end -->"
    updated = run_all.sections(run_all.replace_section(page, section))
    assert updated["training_quality"] == section
    assert updated["serving_throughput"] == run_all.sections(page)["serving_throughput"]
    with pytest.raises(ValueError, match="no section 'other'"):
        run_all.replace_section(page, "<!-- other:start -->x<!-- other:end -->")


def test_the_page_quotes_a_benchmarks_own_figures_not_the_pipeline_logs() -> None:
    quality = next(b for b in run_all.BENCHMARKS if b.name == "training_quality")
    output = "Step `train` has started.\nEpoch 1/2\ndataset  acc\nbundled  0.93\n{}"
    assert quality.figures(output) == "dataset  acc\nbundled  0.93\n{}"
    speed = next(b for b in run_all.BENCHMARKS if b.name == "preprocessing_speed")
    assert speed.figures(output) == output
