"""Every template escape and runaway of tests/test_sandbox.py's lists, beyond the few the
everyday suite runs (see there)."""

from __future__ import annotations

import pytest

from test_sandbox import ESCAPES, RUNAWAYS, office, refused, stopped, _preloaded  # noqa: F401

pytestmark = pytest.mark.exhaustive


@pytest.mark.parametrize("body", ESCAPES[2:])
def test_every_escape_is_refused(office, body):  # noqa: F811
    refused(office, body)


@pytest.mark.parametrize("body, says", RUNAWAYS[4:])
def test_every_runaway_is_stopped(office, body, says, monkeypatch):  # noqa: F811
    stopped(office, body, says, monkeypatch)
