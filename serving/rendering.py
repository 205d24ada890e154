"""The one jinja2 environment of the generated serving files (serving/templates/): nginx's configuration,
the Kubernetes manifests. Undefined values fail the rendering rather than leaving a blank."""

from __future__ import annotations

import jinja2

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("serving", "templates"),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
