"""Load both Zoho spec families into one `referencing` registry; no network, ever.

* "oas":  OpenAPI 3.0 JSON, `oas/v8.0/*.json`. Their `$ref`s are absolute GitHub URLs; each file
  is registered under its URL and the registry's retrieve function maps any other URL of that
  repository to the local file, so nothing is fetched. Schemas are translated (see oas30.py).
* "oas2": OpenAPI 3.1 YAML, `oas2/v8.0/<area>/<area>.yaml`, with local `#/components/...`
  refs; 3.1 schemas already are JSON Schema 2020-12. Registered under their file:// URI
  (not a urn: a `#/...` ref must resolve against the base with urljoin).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012
from ruamel.yaml import YAML

from tests.contract.oas30 import translate_document

OAS_URL = "https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/"
OAS_GLOB = "oas/v8.0/*.json"
OAS2_GLOB = "oas2/v8.0/*/*.yaml"


@dataclass(frozen=True)
class SpecFile:
    family: str  # "oas" (3.0 JSON) or "oas2" (3.1 YAML), as REFERENCE.md tags them
    name: str  # path relative to the spec folder, for messages
    uri: str  # the base URI it is registered under
    document: Mapping[str, Any]  # translated to JSON Schema 2020-12 where needed

    def prefix(self) -> str:
        """Path prefix contributed by the first server URL, variables set to their defaults.

        The 3.0 files use `https://zohoapis.com` and carry `/crm/v8` in every path; the 3.1
        files use `https://zohoapis.{dc}/crm/{version}` and paths start at `/settings`.
        """
        servers = self.document.get("servers") or [{"url": ""}]
        url = str(servers[0].get("url", ""))
        for variable, spec in (servers[0].get("variables") or {}).items():
            url = url.replace("{" + variable + "}", str(spec.get("default", "")))
        after_scheme = url.split("://", 1)[-1]
        return "/" + after_scheme.split("/", 1)[1].strip("/") if "/" in after_scheme else ""


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_yaml(path: Path) -> Any:
    # Safe loader: data only. ruamel is already a runtime dependency; see the docs page for
    # the measured cost and the faster alternatives.
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    # OpenAPI's data model is JSON's: a YAML timestamp or set would silently change what
    # validates, so refuse anything json cannot represent.
    json.dumps(data)
    return data


def oas_file(directory: Path, name: str) -> SpecFile:
    document = translate_document(load_json(directory / "oas" / "v8.0" / name))
    return SpecFile("oas", f"oas/v8.0/{name}", OAS_URL + name, document)


def oas2_file(path: Path, directory: Path) -> SpecFile:
    name = path.relative_to(directory).as_posix()
    return SpecFile("oas2", name, path.resolve().as_uri(), load_yaml(path))


def load_spec_files(directory: Path) -> list[SpecFile]:
    oas = [oas_file(directory, path.name) for path in sorted(directory.glob(OAS_GLOB))]
    oas2 = [oas2_file(path, directory) for path in sorted(directory.glob(OAS2_GLOB))]
    return oas + oas2


def build_registry(directory: Path, files: list[SpecFile]) -> Registry[Any]:
    resources = [(f.uri, DRAFT202012.create_resource(f.document)) for f in files]
    # attrs field aliases are invisible to mypy; `retrieve` is referencing's documented argument.
    registry: Registry[Any] = Registry(retrieve=local_retriever(directory))  # type: ignore[call-arg]
    return registry.with_resources(resources)


def local_retriever(directory: Path) -> Any:
    """A retrieve function that maps the OAS repository's URLs to local files, nothing else."""

    @cache
    def retrieve(uri: str) -> Resource[Any]:
        name = uri.removeprefix(OAS_URL)
        if name == uri or "/" in name or not (directory / "oas" / "v8.0" / name).is_file():
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class, see above
        return DRAFT202012.create_resource(oas_file(directory, name).document)

    return retrieve
