"""Generated text comes from jinja2 templates, one way: the dashboard's HTML pages, the front door's nginx
configuration and the benchmarks page all render through ``renderer``.

One set of options for every templates folder. HTML templates are escaped, since a review's text or a model's
name is data, never markup; the other files (nginx.conf, Markdown) are not, since escaping would corrupt them.
A misspelled variable is an error, not an empty string. Block tags leave no blank line behind, so a template can
be laid out for its reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import jinja2


def renderer(folder: Path) -> Callable[..., str]:
    """``render(template_name, **context)`` for the templates in ``folder``; one Environment per folder,
    so each template is parsed once."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def render(template_name: str, /, **context: Any) -> str:
        return environment.get_template(template_name).render(**context)

    return render
