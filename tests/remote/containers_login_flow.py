"""`make containers` then `make stop-containers`, as far as the ZenML client goes, in its own process
(tests/test_stacks.py): logged in to the world's server, the user switches to its `docker` stack, and
after logging out is back on the stack they had before. Prints one JSON object on its last line.

Environment: ZENML_CONFIG_PATH / ZENML_REPOSITORY_PATH (throw-away), SERVER_URL, SERVER_PASSWORD.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from zenml.client import Client  # noqa: E402

from stacks import register  # noqa: E402
from stacks.containers import login  # noqa: E402
from stacks.containers.state import World  # noqa: E402

Client.initialize(root=Path(os.environ["ZENML_REPOSITORY_PATH"]))
assert register.main(["local", "--env-file", os.devnull]) == 0
Client().activate_stack("local")
world = World(
    zenml_url=os.environ["SERVER_URL"], zenml_password=os.environ["SERVER_PASSWORD"], s3_endpoint="http://127.0.0.1:9"
)
login.connect(world)
Client().activate_stack("docker")
on_server = Client().active_stack_model.name
message = login.disconnect(world)
print(json.dumps({"on_server": on_server, "after": Client().active_stack_model.name, "message": message}))
