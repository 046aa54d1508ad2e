"""The SQLite schema of one emulated org. `seq` columns keep Zoho's listing order (creation
order) stable; JSON columns hold values the emulator stores but never queries into. Tables
that grow by writes index `seq`, so that `store.next_seq` (MAX(seq)) stays a lookup rather
than a scan: 20,000 memberships would otherwise cost a scan each."""

from __future__ import annotations

from reconciler.sandbox import audit_schema

SCHEMA_VERSION = "2"

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, custom INTEGER NOT NULL,
    admin INTEGER NOT NULL, seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS roles (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT, description TEXT,
    share_with_peers INTEGER NOT NULL, seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, zuid TEXT NOT NULL, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_name TEXT, last_name TEXT NOT NULL, status TEXT NOT NULL, confirmed INTEGER NOT NULL,
    role_id TEXT NOT NULL, profile_id TEXT NOT NULL, reports_to TEXT,
    created_time REAL NOT NULL, modified_time REAL NOT NULL, seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS groups (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, created_time REAL NOT NULL,
    seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS group_sources (
    group_id TEXT NOT NULL, type TEXT NOT NULL, source_id TEXT NOT NULL,
    subordinates INTEGER NOT NULL, seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS group_deletions (
    job_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, done_at REAL NOT NULL);

CREATE TABLE IF NOT EXISTS modules (
    id TEXT PRIMARY KEY, api_name TEXT NOT NULL UNIQUE COLLATE NOCASE, singular_label TEXT NOT NULL,
    plural_label TEXT NOT NULL, share_type TEXT, public_in_portals INTEGER NOT NULL,
    sharing_rules INTEGER NOT NULL, territories INTEGER NOT NULL, record_territory_cap INTEGER,
    computing_until REAL NOT NULL DEFAULT 0, seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS fields (
    id TEXT PRIMARY KEY, module TEXT NOT NULL, api_name TEXT NOT NULL, label TEXT NOT NULL,
    data_type TEXT NOT NULL, seq INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS territories (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
    api_name TEXT NOT NULL, parent_id TEXT, manager_id TEXT, permission_type TEXT NOT NULL,
    description TEXT, account_rule_criteria TEXT, deal_rule_criteria TEXT,
    lead_rule_criteria TEXT, created_by TEXT NOT NULL, modified_by TEXT NOT NULL,
    created_time REAL NOT NULL, modified_time REAL NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS territories_parent ON territories (parent_id);
CREATE INDEX IF NOT EXISTS territories_seq ON territories (seq);

CREATE TABLE IF NOT EXISTS territory_users (
    territory_id TEXT NOT NULL, user_id TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (territory_id, user_id));
CREATE INDEX IF NOT EXISTS territory_users_user ON territory_users (user_id);
CREATE INDEX IF NOT EXISTS territory_users_seq ON territory_users (seq);

CREATE TABLE IF NOT EXISTS records (
    module TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, owner_id TEXT NOT NULL,
    created_time REAL NOT NULL, modified_time REAL NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (module, id));
CREATE INDEX IF NOT EXISTS records_seq ON records (module, seq);

-- `assigned` is Zoho's `$assigned`: 'automatically' (by the rules) or 'manually'.
CREATE TABLE IF NOT EXISTS record_territories (
    module TEXT NOT NULL, record_id TEXT NOT NULL, territory_id TEXT NOT NULL,
    seq INTEGER NOT NULL, assigned TEXT NOT NULL DEFAULT 'manually', assigned_by TEXT,
    assigned_time REAL NOT NULL DEFAULT 0, PRIMARY KEY (module, record_id, territory_id));
CREATE INDEX IF NOT EXISTS record_territories_record ON record_territories (module, record_id);

-- Territory assignments Zoho scheduled (202 SCHEDULED) and carries out once `due`.
CREATE TABLE IF NOT EXISTS territory_jobs (
    id TEXT PRIMARY KEY, module TEXT NOT NULL, action TEXT NOT NULL, items TEXT NOT NULL,
    user_id TEXT NOT NULL, due REAL NOT NULL, done INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS record_territories_territory ON record_territories (territory_id);
CREATE INDEX IF NOT EXISTS record_territories_seq ON record_territories (seq);

CREATE TABLE IF NOT EXISTS sharing_rules (
    id TEXT PRIMARY KEY, module TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    permission_type TEXT NOT NULL, superiors_allowed INTEGER NOT NULL, shared_from TEXT,
    shared_to TEXT NOT NULL, criteria TEXT, status TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sharing_rules_seq ON sharing_rules (seq);

CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, user_id TEXT NOT NULL,
    scopes TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, scopes TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY, refresh_token TEXT, client_id TEXT NOT NULL, user_id TEXT NOT NULL,
    scopes TEXT NOT NULL, issued_at REAL NOT NULL, expires_at REAL NOT NULL);

CREATE TABLE IF NOT EXISTS call_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, method TEXT NOT NULL,
    template TEXT NOT NULL, path TEXT NOT NULL, status INTEGER, credits INTEGER NOT NULL,
    write INTEGER NOT NULL, dropped INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS call_log_at ON call_log (at);
"""

DDL += audit_schema.DDL
