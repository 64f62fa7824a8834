"""The environment the tests run in is the one the committed locks describe."""

from __future__ import annotations

import re
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from conftest import ROOT

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _pins(lock: str) -> dict[str, str]:
    """Package -> version for the lines of ``lock`` that apply to this interpreter."""
    pins = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match and (match.group(3) is None or Marker(match.group(3)).evaluate()):
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def test_installed_versions_equal_the_locks():
    run, test = _pins("requirements.lock"), _pins("requirements-test.lock")
    assert run and len(test) > len(run)
    # The test lock is resolved under the run lock: the packages both hold agree.
    assert {name: test[name] for name in run if name in test} == {
        name: version for name, version in run.items() if name in test}
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differing = {name: (version, installed.get(name)) for name, version in test.items()
                 if installed.get(name) != version and name != "briefs"}
    assert not differing, f"installed versions differ from the lock (lock, installed): {differing}"


def test_every_dependency_in_pyproject_is_locked():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {canonicalize_name(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in wanted}
    assert names <= set(_pins("requirements-test.lock")), names - set(_pins("requirements-test.lock"))
    assert {canonicalize_name(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0])
            for spec in project["dependencies"]} <= set(_pins("requirements.lock"))
