"""Zoho's published limits, one table read by the model, the planner and the client, so that
a changed limit cannot make them disagree. Where the sources differ the smaller value is used
(REFERENCE §11 and §13); `plan.steps.Limits` lets a faster org be told otherwise."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Territories (REFERENCE §3, §11)
TERRITORIES_PER_ORG = 250
TERRITORY_NAME_CHARS = 50
DESCRIPTION_CHARS = 250
TERRITORIES_PER_CALL = 100  # POST/PUT /settings/territories
DELETES_PER_CALL = 10  # DELETE territories and transfer_and_delete: DOC 10, OAS2 100

# Memberships (REFERENCE §5)
USERS_PER_TERRITORY = 100
USERS_PER_TERRITORY_CALL = 100  # PUT /settings/territories/{id}/users
TERRITORIES_PER_USER_CALL = 100  # PUT /users/{id}/territories
USER_TERRITORY_IDS_PER_CALL = 100
IDS_CHARS = 500  # the `ids` query parameter of both membership removals (OAS2)

# Data sharing (REFERENCE §6)
DEFAULTS_PER_CALL = 100  # PUT /settings/data_sharing

# Roles, user groups, users (REFERENCE §7.1-§7.3, §11)
ROLE_NAME_CHARS = 200
GROUP_NAME_CHARS = 250
SOURCES_PER_GROUP = 200
GROUPS_PER_CALL = 10  # POST /settings/user_groups
USERS_PER_CALL = 10  # PUT /users

# Criteria (REFERENCE §3.5)
CRITERIA_GROUP_MIN, CRITERIA_GROUP_MAX = 2, 25
LIST_VALUES = 500

# Records (REFERENCE §4.3; OAS2 territories.yaml for the record actions)
RECORDS_PAGE = 200  # GET /{module} per_page
RECORDS_BY_PAGE_NUMBER = 2000  # beyond this, only `page_token` pages on
RECORD_ASSIGNMENTS_PER_CALL = 10  # POST /{module}/actions/assign|remove_territories
RECORD_IDS_PER_CALL = 100  # GET /{module}?ids=
TERRITORY_IDS_PER_GET = 100  # GET /settings/territories?ids= (REFERENCE §3.1)

# Listings
PAGE_SIZE = 200
TERRITORY_USERS_PAGE = 100  # GET /settings/territories/{t}/users: OAS2 caps its array at 100


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` cut into batches of at most `size`, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
