"""The installed Pulumi provider SDKs, looked up by module path (planforge's own environment: trusted code).

An SDK is imported the first time a program names it, and of it only the submodules the program names
(`pulumi_aws.ec2`); lookups are kept for the run. What a call may pass comes from the signatures:

- a resource class (`aws.ec2.Vpc`): its `_internal_init` (its `__init__` is a pair of overloads taking an args
  object or keyword arguments); `resource_name`, `args` and `opts` are always accepted, and the inputs its args
  class (`VpcArgs`) requires, its keyword-only parameters without a default, are required unless an args object
  is passed;
- anything else callable (an args class, a function such as `get_ami_output`): its signature.

Nothing is imported while an entry of Python's import path lies inside the validated paths (planforge started
with `python -m` from inside the repository, or the repository on PYTHONPATH): a module of the repository could be
imported in place of the SDK's own imports. The installation planforge runs from (its Python's standard library
and site-packages, planforge's own directory) is trusted wherever it is: planforge's code runs from it already.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import pkgutil
import site
import sys
import sysconfig
import threading
from dataclasses import dataclass
from typing import Any

import planforge
from planforge.validate.inputs import Bounds
from planforge.validate.pulumi.references import ModulePath
from planforge.validate.pulumi.suggest import closest

_LOCK = threading.RLock()  # Pulumi's lazily loaded modules must not be loaded from two threads at once
_MISSING = object()  # the name does not exist
_UNKNOWN = object()  # whether it exists cannot be told (the SDK failed to load it)
RESOURCE_ARGUMENTS = frozenset({"resource_name", "args", "opts"})
MAX_PATH = 16  # names in a path that is looked up (`pulumi_kubernetes.apps.v1.Deployment.get` has 5)
import_module = importlib.import_module  # how SDK modules are loaded


@dataclass(frozen=True)
class Package:
    """An SDK's top-level module, its installed version, and why it cannot be imported ("is not installed", "fails
    to import (...)"; None: it imports)."""

    module: str
    version: str | None
    error: str | None = None

    @property
    def distribution(self) -> str:
        return self.module.replace("_", "-")

    def label(self) -> str:
        """`pulumi-aws 7.51.1`."""
        return f"{self.distribution} {self.version or '(version unknown)'}"


@dataclass(frozen=True)
class Lookup:
    """What a module path names: `value` when `known`; else the index of the first name that does not exist
    (`missing`, with the closest existing name), or neither when that cannot be told."""

    value: Any = None
    known: bool = False
    missing: int | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class Callee:
    """The arguments a callable takes."""

    accepted: frozenset[str] | None  # keyword arguments it takes (None: any, it takes **kwargs)
    positional: tuple[str, ...]  # the parameters positional arguments fill, in order
    required: tuple[str, ...]  # parameters without a default
    args_object: bool = False  # a resource: an args object (`args=`, or the second positional) holds its inputs


def unsafe_import_path(bounds: Bounds) -> str | None:
    """An entry of Python's import path inside the validated paths (the working directory of `python -m`, a
    PYTHONPATH entry), but the installation planforge runs from (None: there is none)."""
    trusted = _installation()
    for entry in sys.path:
        place = os.path.realpath(entry or os.getcwd())
        if bounds.inside(place) and not any(place == t or place.startswith(t.rstrip(os.sep) + os.sep) for t in trusted):
            return place
    return None


def _installation() -> list[str]:
    """Where the Python running planforge keeps its modules (standard library, site-packages) and where planforge
    itself is: planforge's own code runs from there already."""
    paths = sysconfig.get_paths()
    places = [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    places += [*site.getsitepackages(), site.getusersitepackages()]
    places.append(os.path.dirname(os.path.dirname(planforge.__file__)))
    return [os.path.realpath(p) for p in places]


class SdkIndex:
    """The SDK packages, lookups and signatures of one run."""

    def __init__(self) -> None:
        self._packages: dict[str, Package] = {}
        self._lookups: dict[ModulePath, Lookup] = {}
        self._callees: dict[ModulePath, Callee | None] = {}

    def package(self, module: str) -> Package:
        """The SDK whose top-level module is `module`, imported (once) when it can be."""
        with _LOCK:
            if module not in self._packages:
                self._packages[module] = _load(module)
            return self._packages[module]

    def lookup(self, path: ModulePath) -> Lookup:
        """What `path` names in an SDK whose package imports (`package` first); a path longer than MAX_PATH names
        is not followed."""
        if len(path) > MAX_PATH:
            return Lookup()
        with _LOCK:
            found = Lookup()
            for end in range(1, len(path) + 1):
                if path[:end] not in self._lookups:
                    self._lookups[path[:end]] = self._step(path[:end], found)
                found = self._lookups[path[:end]]
                if not found.known:
                    break
            return found

    def callee(self, path: ModulePath) -> Callee | None:
        """The arguments what `path` names takes (None: not known, or not callable)."""
        with _LOCK:
            if path not in self._callees:
                found = self.lookup(path)
                self._callees[path] = callee_of(found.value) if found.known and callable(found.value) else None
            return self._callees[path]

    def _step(self, path: ModulePath, owner: Lookup) -> Lookup:
        """What `path` names, `owner` being what its parent names (known)."""
        if len(path) == 1:
            return Lookup(sys.modules.get(path[0]), known=path[0] in sys.modules)
        if not (inspect.ismodule(owner.value) or inspect.isclass(owner.value)):
            return Lookup()  # a member of a value (a config property, an enum member): not followed
        value = _member(owner.value, path[-1])
        if value is _MISSING:
            return Lookup(missing=len(path) - 1, suggestion=closest(path[-1], _names(owner.value), cutoff=0.7))
        return Lookup() if value is _UNKNOWN else Lookup(value, known=True)


def _load(module: str) -> Package:
    try:
        version: str | None = importlib.metadata.version(module.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        version = None
    try:
        import_module(module)
    except ModuleNotFoundError as exc:
        return Package(module, version, "is not installed" if exc.name in (module, None) else
                       f"fails to import (ModuleNotFoundError: {exc})")
    except Exception as exc:  # an installation that fails to import: its calls are not checked
        return Package(module, version, f"fails to import ({type(exc).__name__}: {exc})")
    return Package(module, version)


def _member(owner: Any, name: str) -> Any:
    """`owner.name` of a module or class, `_MISSING` or `_UNKNOWN`; a submodule is imported, a property of a module
    class (`aws.config.region`) is not evaluated."""
    if inspect.isclass(owner):
        try:
            raw = inspect.getattr_static(owner, name)
        except AttributeError:
            return _MISSING
        return getattr(owner, name) if isinstance(raw, (staticmethod, classmethod)) else raw
    descriptor = inspect.getattr_static(type(owner), name, _MISSING)
    if descriptor is not _MISSING and not name.startswith("__"):
        return descriptor
    try:
        return getattr(owner, name)  # a lazily loaded module loads here
    except AttributeError:
        return _submodule(owner, name)
    except Exception:  # the SDK failed to load its module
        return _UNKNOWN


def _submodule(package: Any, name: str) -> Any:
    """The submodule `name` of a package, imported; `_MISSING` when there is none."""
    if not hasattr(package, "__path__"):
        return _MISSING
    full = f"{package.__name__}.{name}"
    try:
        return import_module(full) if importlib.util.find_spec(full) is not None else _MISSING
    except Exception:  # the SDK failed to load it
        return _UNKNOWN


def _names(owner: Any) -> list[str]:
    """The public names of a module (its submodules too) or class: the choices of a did-you-mean."""
    names = [n for n in dir(owner) if not n.startswith("_")]
    if inspect.ismodule(owner) and hasattr(owner, "__path__"):
        names += [m.name for m in pkgutil.iter_modules(owner.__path__) if not m.name.startswith("_")]
    return names


def callee_of(value: Any) -> Callee | None:
    """The arguments `value` takes, from its signature (a resource class: see the module's docstring)."""
    if inspect.isclass(value) and _is_resource(value) and hasattr(value, "_internal_init"):
        return _resource(value)
    try:
        parameters = list(inspect.signature(value).parameters.values())
    except (TypeError, ValueError):
        return None
    return Callee(_keywords(parameters), _positional(parameters),
                  tuple(p.name for p in parameters if p.default is p.empty
                        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)))


def _is_resource(cls: type) -> bool:
    return any(base.__name__ == "Resource" and base.__module__ == "pulumi.resource" for base in inspect.getmro(cls))


def _resource(cls: type) -> Callee | None:
    try:
        parameters = [p for p in inspect.signature(getattr(cls, "_internal_init")).parameters.values()
                      if not p.name.startswith("_") and p.name != "self"]
    except (TypeError, ValueError):
        return None
    accepted = _keywords(parameters)
    return Callee(accepted | RESOURCE_ARGUMENTS if accepted is not None else None, ("resource_name", "args", "opts"),
                  ("resource_name", *_required_inputs(cls)), args_object=True)


def _required_inputs(cls: type) -> list[str]:
    """The keyword-only parameters without a default of the resource's args class (`InstanceArgs`)."""
    args_class = getattr(inspect.getmodule(cls), f"{cls.__name__}Args", None)
    try:
        parameters = inspect.signature(args_class).parameters.values() if inspect.isclass(args_class) else []
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty]


def _keywords(parameters: list[inspect.Parameter]) -> frozenset[str] | None:
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return frozenset(p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def _positional(parameters: list[inspect.Parameter]) -> tuple[str, ...]:
    return tuple(p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
