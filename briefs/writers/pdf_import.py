"""Importing WeasyPrint without searching for its libraries the slow way.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject by trying each platform's
name for them in turn (``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``...).
For every name that does not open directly, cffi asks ``ctypes.util.find_library``,
which on Linux runs ``ldconfig -p`` and then, for a name the loader does not know,
gcc and ld: some sixty processes on a system with a compiler, half the time of the
import. The loader's cache (one ``ldconfig -p``) answers the same question for every
library installed the usual way; only if the import fails with those answers is it
done again with the full search.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import os
import re
import subprocess
import sys
from types import ModuleType


def import_weasyprint() -> ModuleType:
    """The ``weasyprint`` module, imported once per process."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    listing = _loader_cache()
    if listing:
        full_search = ctypes.util.find_library
        ctypes.util.find_library = lambda name: _find_in(listing, name)
        try:
            # WeasyPrint prints advice before failing; the full search below repeats it if need be.
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint
            return weasyprint
        except OSError:
            pass  # a library the loader's cache does not list
        finally:
            ctypes.util.find_library = full_search
    import weasyprint

    return weasyprint


def _loader_cache() -> bytes | None:
    """The dynamic loader's list of libraries (``ldconfig -p``), where there is one."""
    if not sys.platform.startswith("linux") or not os.path.exists("/sbin/ldconfig"):
        return None
    try:
        return subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, check=True,
                              env={"LC_ALL": "C", "LANG": "C"}).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def _find_in(listing: bytes, name: str) -> str | None:
    """What ``find_library(name)`` finds first, from the loader's cache alone: the file name
    (soname) the loader knows the library by, which it then opens for this architecture."""
    found = re.search(rb"\s(lib%s\.[^\s]+)\s+\(" % re.escape(os.fsencode(name)), listing)
    return os.fsdecode(found.group(1)) if found else None
