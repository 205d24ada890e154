"""The HTML pages the steps show in the ZenML dashboard: the evaluation report with its explanations, the
drift report and the model versions. Each is one self-contained page (figures inlined as base64 PNG) rendered
from ``templates/``, so the dashboard needs nothing else to show it.

Never served: the Bento leaves this package out (serving/bento.py), with matplotlib and jinja2.
"""

from __future__ import annotations

from pathlib import Path

from review_classifier.templating import renderer

#: ``render_template(name, **context)`` for the pages of ``templates/``; ``page.html`` is their common frame.
render_template = renderer(Path(__file__).parent / "templates")
