"""The drift report shown in the ZenML dashboard: one self-contained HTML page, no plotting library."""

from __future__ import annotations

import html
from itertools import pairwise
from typing import List, Sequence

from review_classifier.drift import Batch, DriftReport, Reference, TextProfile

_COLOURS = {"ok": "#2e7d32", "warn": "#ef6c00", "stop": "#c62828", "untested": "#757575"}
#: Reference tokens listed one by one in the token table.
SHOWN_TOKENS = 15


def _bars(left: float, right: float) -> str:
    """Two horizontal bars (training, new batch) for shares in [0, 1]."""
    return (
        f'<div class="bar ref" style="width:{100 * left:.1f}%"></div>'
        f'<div class="bar new" style="width:{100 * right:.1f}%"></div>'
    )


def _shares(counts: Sequence[float]) -> List[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _length_rows(reference: TextProfile, new: TextProfile) -> str:
    edges = reference.length_edges
    labels = [f"&le; {edges[0]}"] + [f"{a + 1}&ndash;{b}" for a, b in pairwise(edges)] + [f"&gt; {edges[-1]}"]
    return "".join(
        f"<tr><th>{label}</th><td>{r:.1%}</td><td>{n:.1%}</td><td class='bars'>{_bars(r, n)}</td></tr>"
        for label, r, n in zip(labels, _shares(reference.length_counts), _shares(new.length_counts), strict=True)
    )


def _token_rows(reference: TextProfile, new: TextProfile) -> str:
    def shares(profile: TextProfile) -> List[float]:
        counts = list(profile.token_counts.values())
        return [c / profile.tokens if profile.tokens else 0.0 for c in counts]

    names = list(reference.token_counts)[:SHOWN_TOKENS]
    rows = list(zip(names, shares(reference), shares(new), strict=False))
    rows.append(("(out of vocabulary)", reference.oov_rate, new.oov_rate))
    return "".join(
        f"<tr><th>{html.escape(name)}</th><td>{r:.2%}</td><td>{n:.2%}</td><td class='bars'>{_bars(r, n)}</td></tr>"
        for name, r, n in rows
    )


def drift_html(report: DriftReport, reference: Reference, batch: Batch, title: str) -> str:
    """Verdict, every check with its figures and reason, and the length and token distributions side by side."""
    level = report.level
    check_rows = "".join(
        f"<tr><th>{html.escape(c.name)}</th>"
        f"<td style='color:{_COLOURS[c.level]};font-weight:bold'>{c.level}</td>"
        f"<td class='reason'>{html.escape(c.reason)}</td></tr>"
        for c in report.checks
    )
    header = "<tr><th></th><th>training</th><th>new batch</th><th></th></tr>"
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;margin:0 2em 1em 0}}
td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}} td.reason{{text-align:left}}
.row{{display:flex;flex-wrap:wrap;align-items:flex-start}} td.bars{{width:12em}}
.bar{{height:6px;margin:2px 0}} .ref{{background:#90a4ae}} .new{{background:#1e88e5}}</style>
</head><body>
<h2>{html.escape(title)}</h2>
<p>{report.rows} rows, {batch.profile.texts} with text. Verdict:
<b style="color:{_COLOURS[level]}">{level}</b>. Grey bars: the production version's training data;
blue: the new batch.</p>
<table><caption>Checks</caption>{check_rows}</table>
<div class="row">
<table><caption>Tokens per text (validation split vs new)</caption>{header}
{_length_rows(reference.profile, batch.profile)}</table>
<table><caption>Most frequent training tokens, share of all tokens</caption>{header}
{_token_rows(reference.profile, batch.profile)}</table>
</div>
</body></html>"""
