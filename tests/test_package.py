"""The package itself: lazy public names, `help(nneq)`, and types."""

from __future__ import annotations

import os
import pydoc
import signal
import subprocess
import sys

import pytest

import nneq


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint(*sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_nneq_loads_no_numpy():
    assert "numpy" not in _modules_after("import nneq")


def test_a_public_name_loads_its_module_on_first_use():
    loaded = _modules_after("import nneq\nnneq.Config")
    assert "nneq.playground.config" in loaded and "nneq.playground.train" not in loaded
    assert "numpy" not in loaded  # a configuration is validated without numerical code
    assert "numpy" in _modules_after("import nneq\nnneq.train")
    assert "sympy" not in loaded and "matplotlib" not in loaded


def test_every_public_name_resolves_and_dir_lists_them():
    assert nneq.__all__ == sorted(nneq.__all__)
    assert set(nneq.__all__) == set(nneq._WHERE)
    for name in nneq.__all__:
        assert getattr(nneq, name).__doc__, name
    assert set(nneq.__all__) <= set(dir(nneq))
    assert "importlib" not in dir(nneq) and "_importlib" not in dir(nneq)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        nneq.no_such_thing  # noqa: B018


def test_help_lists_the_public_api():
    text = pydoc.render_doc(nneq, renderer=pydoc.plaintext)
    for name in ("train", "load", "save", "compare", "sweep", "Model", "Config", "equations",
                 "plot", "NneqError", "PoorModelWarning"):
        assert name in text, name
    # pydoc's DATA section lists __all__'s names that are loaded; the docstring lists them all.
    assert ">>> model = nneq.train(" in text


def test_the_command_runs_numpys_blas_on_one_thread_unless_the_user_says_otherwise(monkeypatch):
    import nneq.__main__ as entry
    import nneq.cli

    seen: list[str | None] = []
    monkeypatch.setattr(nneq.cli, "main", lambda: seen.append(os.environ.get("OPENBLAS_NUM_THREADS")))
    handlers = {signum: signal.getsignal(signum) for signum in entry._WORDS}
    try:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
        entry.main()
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
        entry.main()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert seen == ["1", "3"]
