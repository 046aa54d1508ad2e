# The checks of reconciler's `policies:` (docs/safety.md), for conftest against a saved plan:
#
#     reconciler plan org/ --out plan.json
#     conftest test --policy examples/policy plan.json
#
# The plan file's format is docs/plan-format.md. Rego sees the plan, not the YAML, so each
# check looks at what the plan changes: a default it sets, a rule it writes, a territory it
# creates or updates. Change the limits below; move a rule between `deny` and `warn` to
# change how strictly it is enforced.
package main

import rego.v1

# The widest data-sharing default allowed per module ("*": every other module).
widest := {"Accounts": "private", "*": "public_read_only"}

max_deletes := 5

max_memberships_removed := 20

max_depth := 4

protected := {"EMEA", "Americas"}

width := {"private": 0, "public_read_only": 1, "public_read_write": 2, "public": 3}

limit_for(module) := widest[module]

limit_for(module) := widest["*"] if not widest[module]

deny contains msg if {
	some change in input.changes.defaults
	limit := limit_for(change.module)
	width[change.after] > width[limit]
	msg := sprintf("accounts stay private: %s becomes `%s`, wider than `%s`", [change.module, change.after, limit])
}

deny contains msg if {
	some change in input.changes.rules
	change.action in {"create", "update"}
	rule := object.union(object.get(change, "live", {}), change.desired)
	rule.to.kind == "all_users"
	object.get(rule, "access", "read") == "read_write_delete"
	msg := sprintf("nobody edits everything: sharing rule `%s` (%s) grants all users read_write_delete", [change.name, change.module])
}

warn contains msg if {
	some change in input.changes.territories
	change.action in {"create", "update"}
	change.depth > 0
	territory := object.union(object.get(change, "live", {}), change.desired)
	not object.get(territory, "manager", null)
	msg := sprintf("managers are members: territory `%s` has no manager", [change.name])
}

warn contains msg if {
	some change in input.changes.territories
	change.action in {"create", "update"}
	territory := object.union(object.get(change, "live", {}), change.desired)
	manager := object.get(territory, "manager", null)
	manager != null
	users := object.get(territory, "users", null)
	users != null
	not manager in users
	msg := sprintf("managers are members: the manager of `%s`, %s, is not one of its users", [change.name, manager])
}

deny contains msg if {
	deletes := input.summary.delete + input.summary.rules_deleted
	deletes > max_deletes
	msg := sprintf("small steps: the plan deletes %d objects, more than %d", [deletes, max_deletes])
}

deny contains msg if {
	removed := input.summary.members_removed + input.summary.members_dropped
	removed > max_memberships_removed
	msg := sprintf("few removals: the plan removes %d memberships, more than %d", [removed, max_memberships_removed])
}

deny contains msg if {
	some change in input.changes.territories
	change.action in {"create", "update"}
	change.depth > max_depth
	msg := sprintf("flat enough: territory `%s` is at depth %d, deeper than %d", [change.name, change.depth, max_depth])
}

deny contains msg if {
	some change in input.changes.territories
	change.action == "delete"
	change.name in protected
	msg := sprintf("regions stay: the plan deletes territory `%s`", [change.name])
}
