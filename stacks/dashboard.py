"""Skip the dashboard's sign-up survey for the local server: ``python -m stacks.dashboard``.

ZenML 0.98's dashboard sends a user to a survey (name, and an email with the
newsletter box ticked) until their ``email_opted_in`` is set and their
``user_metadata`` says the survey is finished. ``make dashboard`` runs this after
``zenml login --local`` so the first screen is the dashboard itself: the current
user answers "no newsletter" and the survey is marked done, which is what the
dashboard's own survey writes. Idempotent; a choice the user already made stays.
"""

from __future__ import annotations

import sys

from zenml.client import Client
from zenml.constants import CURRENT_USER
from zenml.models import UserResponse, UserUpdate
from zenml.zen_stores.rest_zen_store import RestZenStore

#: The ``user_metadata`` key the dashboard's survey sets and its redirect checks.
SURVEY_DONE_KEY = "finished_onboarding_survey"


def needs_survey(user: UserResponse) -> bool:
    """The dashboard's rule for sending a user to the survey first."""
    metadata = user.user_metadata or {}
    return user.email_opted_in is None or not (metadata.get(SURVEY_DONE_KEY) or metadata.get("awareness_channels"))


def skip_survey() -> UserResponse:
    """Answer the survey for the logged-in user through the server's ``/current-user`` API.

    Not ``Client.update_user``: the server's ``/users/{id}`` endpoint ignores ``email_opted_in``.
    """
    client = Client()
    store = client.zen_store
    if not isinstance(store, RestZenStore):
        raise RuntimeError("not logged in to a ZenML server; run `zenml login --local` first")
    user = client.active_user
    if not needs_survey(user):
        return user
    update = UserUpdate(user_metadata={**(user.user_metadata or {}), SURVEY_DONE_KEY: True})
    if user.email_opted_in is None:
        update.email_opted_in = False
    store.put(CURRENT_USER, body=update)
    return store.get_user()


def main() -> int:
    try:
        user = skip_survey()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"dashboard onboarding done for user '{user.name}' (newsletter: {'yes' if user.email_opted_in else 'no'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
