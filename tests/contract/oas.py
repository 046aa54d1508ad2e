"""The contract: which operations the official Zoho specs define and what their responses may be.

    contract = Contract.load(spec_dir())
    contract.validate_response("GET", "/crm/v8/settings/territories/1", 200, body) -> [Violation]
    contract.check_response(...)  # the same, plus which spec files validated the body

Both spec families are indexed into one route table keyed by path shape (parameter names
erased), so an operation both define is found once and validated against every family that has
a schema for its status - except where deviations.py lets one family supersede another (the
newer OAS2 over the older OAS JSON, whose schemas OAS2's own examples contradict). Statuses,
schema gaps and spec bugs are reconciled in deviations.py, nowhere else.
"""

from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema.protocols import Validator
from referencing import Registry

from tests.contract import deviations
from tests.contract.deviations import (
    INJECTED_FAULT,
    UNKNOWN_METHOD,
    UNKNOWN_PATH,
    Deviation,
    Effect,
)
from tests.contract.documents import SpecFile, build_registry, load_spec_files
from tests.contract.failures import describe, ignorable
from tests.contract.operations import Operation, index_operations
from tests.contract.regexes import SpecValidator
from tests.contract.routes import Routes

EMPTY = object()  # the parsed value of an empty body
RECENT = 256  # answers whose verdicts are kept for reuse


@dataclass(frozen=True)
class Violation:
    # unknown_path, unknown_method, injected_fault, undeclared_status, not_json, content_type,
    # body, schema, no_schema
    kind: str
    method: str
    path: str
    status: int
    message: str
    family: str | None = None
    template: str | None = None
    json_path: str | None = None
    schema: str | None = None  # the spec location of the schema that rejected the body

    def __str__(self) -> str:
        where = f" [{self.family} {self.template}]" if self.family else ""
        at = f" at {self.json_path}" if self.json_path else ""
        return f"{self.method} {self.path} -> {self.status}{where}: {self.kind}{at}: {self.message}"


@dataclass
class Check:
    """The outcome of checking one response."""

    method: str
    path: str
    status: int
    operations: list[Operation] = field(default_factory=list)
    validated_by: list[str] = field(default_factory=list)  # spec files whose schema passed
    unchecked: list[str] = field(default_factory=list)  # why a family's schema was not used
    violations: list[Violation] = field(default_factory=list)

    def violation(self, kind: str, message: str, **where: str | None) -> None:
        self.violations.append(
            Violation(kind, self.method, self.path, self.status, message, **where)
        )


class Contract:
    def __init__(self, files: list[SpecFile], registry: Registry[Any]) -> None:
        self.files = files
        self.registry = registry
        self.routes: Routes[Operation] = Routes()
        for operation in index_operations(files, registry):
            self.routes.add(operation.template, operation)
        self._validators: dict[str, Validator] = {}
        self._shapes: dict[str, Validator] = {}
        self._recent: OrderedDict[tuple[Any, ...], Check] = OrderedDict()

    @classmethod
    def load(cls, directory: Path | str) -> Contract:
        """Load and index every spec file; cached per process (parsing the YAML takes ~1.5 s)."""
        return load_contract(Path(directory).resolve())

    def operations(self) -> Iterator[Operation]:
        return iter(self.routes)

    def match(self, method: str, path: str) -> list[Operation]:
        """The operations for this request: the best-matching template, this method."""
        return [op for op in self.routes.match(path) if op.method == method.upper()]

    def validate_response(
        self, method: str, path: str, status: int, body: Any, content_type: str | None = None
    ) -> list[Violation]:
        return self.check_response(method, path, status, body, content_type).violations

    def check_response(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        content_type: str | None = None,
        injected: bool = False,
    ) -> Check:
        """Check one response.

        body: raw bytes/str, or the already-parsed JSON value. content_type: the response's
        Content-Type header when known; every body these specs describe is application/json.
        injected: the answer came from a fault a test armed, not from the emulated org.
        A raw body is checked once: the same answer again reuses the verdict (a test reads
        the same lists many times, and validating large bodies is the harness's main cost).
        """
        if not isinstance(body, bytes | bytearray | str):
            return self._check(method, path, status, body, content_type, injected)
        raw = bytes(body) if isinstance(body, bytearray) else body
        key: tuple[Any, ...] = (method, path, status, raw, content_type, injected)
        if key in self._recent:
            self._recent.move_to_end(key)
        else:
            self._recent[key] = self._check(method, path, status, body, content_type, injected)
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return dataclasses.replace(self._recent[key])

    def _check(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        content_type: str | None,
        injected: bool,
    ) -> Check:
        check = Check(method.upper(), path, status)
        parsed = parse_body(check, body)
        if parsed is not EMPTY and content_type is not None and not is_json(content_type):
            check.violation("content_type", f"Content-Type {content_type!r} for a JSON body")
        if status in (204, 304) and parsed is not EMPTY:
            check.violation("body", f"a {status} response must have an empty body")
            parsed = EMPTY  # reported once here, not again by every family that declares it
        if injected:
            self._check_unknown(check, INJECTED_FAULT, parsed)
            return check
        candidates = self.routes.match(path)
        check.operations = [op for op in candidates if op.method == check.method]
        if not check.operations:
            self._check_unknown(check, UNKNOWN_METHOD if candidates else UNKNOWN_PATH, parsed)
            return check
        declared = [op for op in check.operations if op.response_for(status)]
        if not declared:
            self._check_undeclared(check, parsed)
        for family in sorted({op.family for op in declared}):
            if not self._superseded(check, family, declared):
                self._check_family(check, [op for op in declared if op.family == family], parsed)
        return check

    def _superseded(self, check: Check, family: str, declared: list[Operation]) -> bool:
        """True when another family has a schema for this status and outranks `family`."""
        others = [op for op in declared if op.family != family and has_schema(op, check.status)]
        rule = deviations.find(Effect.SUPERSEDED, family=family) if others else None
        if rule is not None:
            check.unchecked.append(
                f"{family} superseded by {others[0].source}: {rule.id}: {rule.reason}"
            )
        return rule is not None

    def _check_unknown(self, check: Check, what: str, parsed: Any) -> None:
        keys = dict(template=what, status=str(check.status))
        allowed = deviations.find(Effect.ALLOW_STATUS, **keys)
        if allowed is None and isinstance(parsed, dict) and "code" in parsed:
            code = str(parsed["code"])
            for rule in deviations.find_all(Effect.ALLOW_ERROR, json_path="$", code=code, **keys):
                if not self._shape_violations(check, rule, parsed):
                    check.unchecked.append(f"{what}: {rule.id}: {rule.reason}")
                    return
        if allowed is None:
            kind = what.strip("<>").replace(" ", "_")
            check.violation(kind, f"no spec defines {check.method} {check.path}")
            return
        check.unchecked.append(f"{what}: {allowed.id}: {allowed.reason}")
        self._check_envelope(check, parsed)

    def _check_undeclared(self, check: Check, parsed: Any) -> None:
        for op in check.operations:
            fields = keys_of(op, str(check.status))
            multi = deviations.find(Effect.PER_ITEM, **fields)
            envelope = deviations.find(Effect.ALLOW_STATUS, **fields)
            if multi is not None and (is_batch(parsed) or envelope is None):
                check.unchecked.append(f"status {check.status}: {multi.id}: {multi.reason}")
                check.violations.extend(self._items_violations(check, parsed))
                return
            if envelope is not None:
                check.unchecked.append(f"status {check.status}: {envelope.id}: {envelope.reason}")
                self._check_envelope(check, parsed)
                return
        for op in check.operations:
            rule, found = self._allowed_error(check, op, parsed)
            if rule is not None and not found:
                check.unchecked.append(f"status {check.status}: {rule.id}: {rule.reason}")
                return
        declared = sorted({s for op in check.operations for s in op.responses})
        message = f"status {check.status} is not declared (declared: {', '.join(declared)})"
        check.violation("undeclared_status", message, template=check.operations[0].template)

    def _items_violations(self, check: Check, parsed: Any) -> list[Violation]:
        """A batch checked item by item: each must be a success or an error item of the
        operation."""
        if not is_batch(parsed):
            where = dict(json_path="$")
            return [self._v(check, "schema", "not a batch {<resource>: [per-item results]}", where)]
        schemas = self._item_schemas(check)
        if not schemas:
            check.unchecked.append("no 2xx or 400 schema to check the items against")
        key = next(iter(parsed))
        found: list[Violation] = []
        for index, item in enumerate(parsed[key]):
            found += self._item_violations(check, schemas, key, index, item)
        return found

    def _item_violations(
        self,
        check: Check,
        schemas: list[tuple[Operation, str, str]],
        key: str,
        index: int,
        item: Any,
    ) -> list[Violation]:
        # An item saying "error" is reported against the error schema, else the success one.
        wants = "4" if isinstance(item, dict) and item.get("status") == "error" else "2"
        at = f"$.{key}[{index}]"
        tries = []
        for op, status, uri in schemas:
            keys = keys_of(op, status)
            forms = [{key: [item]}]
            if deviations.find(Effect.NEST, **keys):
                forms.append({key: [[item]]})
            for form in forms:
                found = self._schema_violations(check, op, uri, form, status)
                tries.append((status[0] != wants, found))
            code = item.get("code") if isinstance(item, dict) and status[0] == "4" else None
            for rule in deviations.find_all(
                Effect.ALLOW_ERROR, json_path=at, code=str(code), **keys
            ):
                tries.append((False, self._shape_violations(check, rule, item, at)))
        if not tries or not all(found for _, found in tries):
            return []
        _, best = min(tries, key=lambda t: (t[0], len(t[1])))
        first = f"$.{key}[0]"
        return [
            dataclasses.replace(v, json_path=(v.json_path or "$").replace(first, at, 1))
            for v in best
        ]

    def _item_schemas(self, check: Check) -> list[tuple[Operation, str, str]]:
        """The success (2xx) and 400 schemas of the operation, after precedence."""
        usable = [
            (op, status, spec.schema_uri)
            for op in check.operations
            for status, spec in op.responses.items()
            if spec.schema_uri and (status.startswith("2") or status == "400")
        ]
        return [(op, s, uri) for op, s, uri in usable if not outranked(op, s, usable)]

    def _check_envelope(self, check: Check, parsed: Any) -> None:
        if parsed is EMPTY:
            return
        for error in SpecValidator(deviations.ERROR_ENVELOPE).iter_errors(parsed):
            path, message = describe(error)
            check.violation("schema", message, json_path=path)

    def _shape_violations(
        self, check: Check, rule: Deviation, value: Any, at: str = "$"
    ) -> list[Violation]:
        """`value` (the body, or the item at `at`) against an ALLOW_ERROR entry's shape."""
        found = []
        for error in self.shape_validator(rule).iter_errors(value):
            path, message = describe(error)
            where = dict(json_path=at + path.removeprefix("$"))
            found.append(self._v(check, "schema", f"{message} ({rule.id})", where))
        return found

    def shape_validator(self, rule: Deviation) -> Validator:
        if rule.id not in self._shapes:
            self._shapes[rule.id] = SpecValidator(rule.shape, registry=self.registry)
        return self._shapes[rule.id]

    def _allowed_error(
        self, check: Check, op: Operation, parsed: Any
    ) -> tuple[Deviation | None, list[Violation]]:
        """A request-level error an ALLOW_ERROR entry covers: (entry, shape violations); the
        entry whose shape fits best, or (None, []) when no entry names the body's code."""
        if not (isinstance(parsed, dict) and "code" in parsed):
            return None, []
        rules = deviations.find_all(
            Effect.ALLOW_ERROR,
            json_path="$",
            code=str(parsed["code"]),
            **keys_of(op, str(check.status)),
        )
        tries = [(rule, self._shape_violations(check, rule, parsed)) for rule in rules]
        return min(tries, key=lambda t: len(t[1]), default=(None, []))

    def _alternative(
        self, check: Check, op: Operation, uri: str, parsed: Any, found: list[Violation]
    ) -> tuple[Deviation | None, list[Violation]]:
        """A body that fails op's schema, read as a deviation allows: (the entry that accepts
        it, []), or (None, the most telling violations)."""
        keys = keys_of(op, str(check.status))
        nest = deviations.find(Effect.NEST, **keys)
        if nest is not None and is_batch(parsed):
            nested = {key: [items] for key, items in parsed.items()}
            if not self._schema_violations(check, op, uri, nested):
                return nest, []
        rule, shaped = self._allowed_error(check, op, parsed)
        if rule is not None:
            return (rule, []) if not shaped else (None, shaped)
        per_item = deviations.find(Effect.PER_ITEM, **keys)
        if per_item is not None and is_batch(parsed):
            itemised = self._items_violations(check, parsed)
            return (per_item, []) if not itemised else (None, itemised)
        return None, found

    def _check_family(self, check: Check, ops: list[Operation], parsed: Any) -> None:
        """Validate against one family; alternatives in it (same route twice) need only one."""
        best: list[Violation] | None = None
        for op in ops:
            found = self._check_operation(check, op, parsed)
            if found is None:
                continue
            if not found:
                check.validated_by.append(op.source)
                return
            best = found if best is None or len(found) < len(best) else best
        check.violations.extend(best or [])

    def _check_operation(self, check: Check, op: Operation, parsed: Any) -> list[Violation] | None:
        """The violations against op's schema; None when op's schema is not to be used."""
        spec = op.response_for(check.status)
        assert spec is not None
        keys = keys_of(op, str(check.status))
        where = dict(family=op.family, template=op.template, schema=spec.schema_uri or op.uri)
        if not spec.has_content:
            return [] if parsed is EMPTY else [self._v(check, "body", "no body declared", where)]
        if not spec.json_declared:
            check.unchecked.append(f"{op.source} {check.status}: not an application/json body")
            return None
        if spec.schema_uri is None:
            accepted = deviations.find(Effect.NO_SCHEMA, **keys)
            if accepted is None:
                return [self._v(check, "no_schema", "the spec gives no JSON schema", where)]
            check.unchecked.append(f"{op.source} {check.status}: {accepted.id}: {accepted.reason}")
            return None
        if parsed is EMPTY:
            return [self._v(check, "not_json", "empty body where JSON is declared", where)]
        uri = spec.schema_uri
        replaced = deviations.find(Effect.RESCHEMA, **keys)
        if replaced is not None:
            uri = str(replaced.shape["$ref"])
            check.unchecked.append(f"{op.source} {check.status}: {replaced.id}: {replaced.title}")
        found = self._schema_violations(check, op, uri, parsed)
        if not found:
            return []
        rule, found = self._alternative(check, op, spec.schema_uri, parsed, found)
        if rule is not None:
            check.unchecked.append(f"{op.source} {check.status}: {rule.id}: {rule.reason}")
        return found

    def _schema_violations(
        self, check: Check, op: Operation, uri: str, parsed: Any, status: str | None = None
    ) -> list[Violation]:
        keys = keys_of(op, status or str(check.status))
        where = dict(family=op.family, template=op.template, schema=uri)
        found = []
        for error in self.validator(uri).iter_errors(parsed):
            if not ignorable(error, keys):
                path, message = describe(error)
                found.append(self._v(check, "schema", message, where, json_path=path))
        return found

    @staticmethod
    def _v(check: Check, kind: str, message: str, where: dict[str, str], **more: str) -> Violation:
        return Violation(kind, check.method, check.path, check.status, message, **where, **more)

    def validator(self, uri: str) -> Validator:
        """A validator for the schema at an absolute URI (file URI + JSON pointer)."""
        if uri not in self._validators:
            self._validators[uri] = SpecValidator({"$ref": uri}, registry=self.registry)
        return self._validators[uri]


@cache
def load_contract(directory: Path) -> Contract:
    files = load_spec_files(directory)
    return Contract(files, build_registry(directory, files))


def keys_of(op: Operation, status: str) -> dict[str, str]:
    """The fields deviations are matched on."""
    return dict(family=op.family, method=op.method, template=op.template, status=status)


def outranked(op: Operation, status: str, usable: list[tuple[Operation, str, str]]) -> bool:
    """The SUPERSEDED rule for one status: another family also has a schema for it."""
    others = any(other.family != op.family and s == status for other, s, _ in usable)
    return others and deviations.find(Effect.SUPERSEDED, family=op.family) is not None


def has_schema(op: Operation, status: int) -> bool:
    spec = op.response_for(status)
    return spec is not None and spec.schema_uri is not None


def is_batch(parsed: Any) -> bool:
    """`{<resource>: [items]}`, the per-item envelope."""
    return (
        isinstance(parsed, dict)
        and len(parsed) == 1
        and isinstance(next(iter(parsed.values())), list)
    )


def is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def parse_body(check: Check, body: Any) -> Any:
    if not isinstance(body, bytes | bytearray | str):
        return body
    if not body.strip():
        return EMPTY
    try:
        return json.loads(body)
    except ValueError as error:
        check.violation("not_json", f"body is not JSON: {error}")
        return EMPTY
