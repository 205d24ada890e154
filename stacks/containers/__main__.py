"""``python -m stacks.containers up|down|status|env|install`` (``make containers``, ``make stop-containers``,
``make container-tools``)."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

import stacks.containers
from stacks.containers import WorldError, apt, login, state
from stacks.containers.state import STATE_DIR
from stacks.containers.world import down, status, up
from supervisor.processes import NotReady


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=stacks.containers.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["up", "down", "status", "env", "install"])
    parser.add_argument(
        "--local-parent-image",
        action="store_true",
        help="up: also make the parent image from Debian packages (where Docker Hub is unreachable)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            apt.install()
        elif args.command == "up":
            world = up(local_parent_image=args.local_parent_image)
            print(login.connect(world))
            with state.locked(STATE_DIR):
                state.save(STATE_DIR, world)  # with the stack the client was on, for `down`
            print(status(STATE_DIR))
            print(f"Use it: export $(cat {STATE_DIR / 'env'})  # then: zenml stack set docker")
        elif args.command == "down":
            client = login.disconnect(state.load(STATE_DIR))
            stopped = down()
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing of ours was running")
            if client is not None:
                print(client)
        elif args.command == "status":
            print(status(STATE_DIR))
        else:
            print("\n".join(f"export {k}={v}" for k, v in state.load(STATE_DIR).stack_environment().items()))
    except (WorldError, NotReady) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
