"""Bad request bodies of the texts API and the error each must name (the field and the problem).

Shared by the project's API (/predict, /explain) and Vertex AI's shape (``instances`` for ``texts``).
"""

from __future__ import annotations

import json

from serving.api import MAX_TEXT_CHARS, MAX_TEXTS_PER_REQUEST

BAD_INPUTS = {
    "invalid-json": (b'{"texts": [', "json_invalid"),
    "missing-field": (b"{}", "missing"),
    "wrong-type": (b'{"texts": "one text"}', "list_type"),
    "wrong-item-type": (b'{"texts": [42]}', "string_type"),
    "empty-list": (b'{"texts": []}', "too_short"),
    "empty-text": (b'{"texts": [""]}', "string_too_short"),
    "whitespace-text": (b'{"texts": ["   \\n "]}', "empty or whitespace only"),
    "text-too-long": (json.dumps({"texts": ["a" * (MAX_TEXT_CHARS + 1)]}).encode(), "string_too_long"),
    "too-many-texts": (json.dumps({"texts": ["ok"] * (MAX_TEXTS_PER_REQUEST + 1)}).encode(), "too_long"),
    "non-utf8": (b'{"texts": ["caf\xe9"]}', "json_invalid"),
}
