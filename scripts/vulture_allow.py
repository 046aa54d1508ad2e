"""Names the dead-code check must not report: each is called by a framework or a test
harness, not by reconciler's own code. Keep it short; a name here needs the reason beside it."""

# ruff: noqa
# mypy: ignore-errors
_ = object()

# Enum members and pydantic fields, read by name from YAML and JSON.
like, not_like, starts_with, ends_with, contains, not_contains
include_all, include_any, exclude_all, exclude_any
account_rule, deal_rule, lead_rule
read_only, private, public_read_only, public_read_write, public
primary_email, country_code, currency, time_zone, territory_rule_modules  # sandbox seed file
data_centre  # Target: which data centre, for callers that show it

# Overrides of framework hooks (click, ruamel, uvicorn, sqlite3, httpx).
_.format_commands, _.preserve_quotes, _.should_exit, _.row_factory, _.handle_async_request

# Context-manager protocol arguments.
trace, tb

# The read's lower bound: the benchmarks and tests hold `live.read` to it.
lower_bound
# Call statistics as data, for tests and the benchmarks' reports.
_.as_dict

# The sandbox's controls, driven by tests and benchmarks (faults, tokens, features, stats).
_.fail_nth_write, _.drop_nth_write, _.drop_endpoint, _.configure, _.issue_token
_.set_territory_management, _.reset_stats

# Policy checks and snapshot ids: pydantic fields read by name from YAML (getattr over
# POLICY_CHECKS) and written into the snapshot file for people and tools.
no_read_write_delete_for_all_users, manager_is_member, rule_ids

# ruamel.yaml's settings, read by the library when it writes.
_.brace_single_entry_mapping_in_flow_sequence
