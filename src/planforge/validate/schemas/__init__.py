"""The `schemas` validator: kubeconform-compatible JSON-schema validation of Kubernetes objects.

One module per concern, as in kubeconform:
- `locations`: where the schema of a kind is found (packaged Kubernetes schemas,
  `--schema-location` templates, the bundled CRD catalog); `cache`: the download cache;
- `bundle`: `$ref` bundling into one self-contained document per schema;
- `compiled`: schemas compiled once to Python code, cached on disk and in memory;
- `engine`: the embedded engine (kubeconform's semantics, in process);
- `kubeconform`: the adapter for the `kubeconform` binary;
- `results`: rule ids, per-resource results and reports;
- `validator`: the `schemas` validator and the programmatic entry points.

`python -m planforge.validate.schemas [flags] PATH...` is `planforge validate --only schemas`.
Nothing heavy is imported at module level (jsonschema only once an object fails).
"""
from __future__ import annotations

from planforge.validate.schemas.compiled import CompiledSchema, compiled_schema
from planforge.validate.schemas.engine import EmbeddedEngine, embedded_engine
from planforge.validate.schemas.kubeconform import run_kubeconform, select_engine
from planforge.validate.schemas.locations import (
    SchemaLoadError,
    SchemaResolver,
    SchemaSource,
    core_schema_dir,
    kind_suffix,
    render_location,
)
from planforge.validate.schemas.results import NAME, ResourceResult, SchemaReport
from planforge.validate.schemas.validator import (
    SchemaValidator,
    validate_documents,
    validate_documents_report,
    validate_paths,
)

__all__ = [
    "NAME",
    "CompiledSchema",
    "EmbeddedEngine",
    "ResourceResult",
    "SchemaLoadError",
    "SchemaReport",
    "SchemaResolver",
    "SchemaSource",
    "SchemaValidator",
    "compiled_schema",
    "core_schema_dir",
    "embedded_engine",
    "kind_suffix",
    "render_location",
    "run_kubeconform",
    "select_engine",
    "validate_documents",
    "validate_documents_report",
    "validate_paths",
]
