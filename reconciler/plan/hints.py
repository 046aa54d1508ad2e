"""Hints on a plan: what a reviewer may have meant instead of what the plan does.

A territory deleted and another created under the same parent with the same manager is
most likely a rename written as such: `previously:` makes it one, keeping the territory's
id, members, record assignments and the rules that name it."""

from __future__ import annotations

from reconciler.model import name_key
from reconciler.plan.diff import Changes


def hints(changes: Changes) -> list[str]:
    deleted = [c.live for c in changes.territories if c.action == "delete" and c.live]
    created = [c.desired for c in changes.territories if c.action == "create" and c.desired]
    found = []
    for new in created:
        for old in deleted:
            same_parent = name_key(old.parent or "") == name_key(new.parent or "")
            if same_parent and old.manager is not None and old.manager == new.manager:
                found.append(
                    f"`{new.name}` is created and `{old.name}` deleted under "
                    f"`{old.parent}` with the same manager: if it is a rename, add "
                    f"`previously: [{old.name}]` to `{new.name}` (a rename keeps its "
                    "members, records and rules)"
                )
    return found
