"""Kubernetes manifests: find them by content and load them as `Document`s.

One loader for every manifest planforge reads (files, standard input, Helm and Kustomize renderings):
libyaml with a JSON-compatible constructor that notices duplicate keys (`constructor`), within the
YAML limits (`limits`), or JSON (`loader`); documents and `List` expansion (`documents`); lines of JSON
paths and duplicate keys, computed only when a problem is reported (`locate`); discovery by content
(`discovery`, docs/discovery.md) and the files a kustomization names (`kustomization`).
"""
from __future__ import annotations

from planforge.validate.manifests.discovery import MANIFEST_SUFFIXES, collect_manifest_files, iter_manifest_files
from planforge.validate.manifests.documents import ManifestDocument, ManifestError
from planforge.validate.manifests.kustomization import (
    KUSTOMIZE_DIRECTORY_FIELDS,
    inline_patches,
    kustomization_references,
    remote_references,
    load_kustomization,
)
from planforge.validate.manifests.limits import TooComplex, check_yaml, compose_all, loads_json, safe_load
from planforge.validate.manifests.loader import load_documents, load_text
from planforge.validate.manifests.locate import duplicate_key_locations, join_path, line_of_path

__all__ = [
    "KUSTOMIZE_DIRECTORY_FIELDS", "MANIFEST_SUFFIXES", "ManifestDocument", "ManifestError", "TooComplex",
    "check_yaml", "collect_manifest_files", "compose_all", "duplicate_key_locations", "inline_patches",
    "iter_manifest_files", "join_path", "kustomization_references", "remote_references", "line_of_path", "load_documents",
    "load_kustomization", "load_text", "loads_json", "safe_load",
]
