"""``looplab.policies`` and ``looplab.worlds`` export every public class of their modules,
and a plain ``import looplab`` pulls in no heavy optional package."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

# modules that need an extra (they say which on import) are used from their own path
EXTRA_ADAPTERS = {"looplab.worlds.gym_adapters"}


@pytest.mark.parametrize("package", ["looplab.policies", "looplab.worlds"])
def test_package_exports_every_public_class_of_its_modules(package):
    pkg = importlib.import_module(package)
    missing = []
    for info in pkgutil.iter_modules(pkg.__path__, f"{package}."):
        if info.name in EXTRA_ADAPTERS:
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if (inspect.isclass(obj) and obj.__module__ == mod.__name__
                    and not name.startswith("_")
                    and (getattr(pkg, name, None) is not obj or name not in pkg.__all__)):
                    missing.append(f"{info.name}.{name}")
    assert not missing, f"not exported from {package}: {missing}"


def test_import_looplab_and_its_packages_loads_no_heavy_dependency():
    code = ("import sys, looplab, looplab.policies, looplab.worlds, looplab.families.base, "
            "looplab.experiments.registry; "
            "print(sorted(m for m in ('torch', 'transformers', 'ray', 'sentence_transformers')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
