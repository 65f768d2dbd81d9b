"""``LLMClient``: one small interface to language models, with a disk cache in front.

Three calls, the same on every backend:

- ``chat(messages) -> Completion``: the assistant's reply to a chat.
- ``complete(prompt) -> Completion``: a plain-text continuation.
- ``logprobs(messages, candidates) -> {candidate: log-probability or None}``: how likely
  the assistant's reply starts with each candidate (e.g. ``["A", "B"]`` or ``["Yes", "No"]``).

Backends: ``LLMClient.openai(base_url, model)`` for any OpenAI-compatible server and
``LLMClient.local()`` for SmolLM2-135M-Instruct on CPU. Every answer is stored on disk
under a key made from the full request (backend, server, model, call kind, every
parameter), so a rerun of an interrupted job re-asks nothing it already has. Pass a distinct
``seed`` to ask the same question again (e.g. repeated samples). At most
``max_concurrency`` requests are in flight at once; callers may use that many threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from looplab.llm.cache import DiskCache, default_cache_dir, request_key

Messages = str | list[dict[str, str]]


class Backend(Protocol):
    """What a backend implements; payloads and answers are plain JSON-able dicts."""

    def identity(self) -> dict[str, Any]: ...
    def chat(self, payload: dict[str, Any]) -> dict[str, Any]: ...
    def complete(self, payload: dict[str, Any]) -> dict[str, Any]: ...
    def logprobs(self, payload: dict[str, Any]) -> dict[str, Any]: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Completion:
    """A model's text answer; ``cached`` is True when it came from the disk cache."""

    text: str
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached: bool = False


def as_messages(messages: Messages, system: str | None = None) -> list[dict[str, str]]:
    """A chat message list from a string (one user turn) or a list, with an optional system
    message put first."""
    if isinstance(messages, str):
        msgs = [{"role": "user", "content": messages}]
    else:
        msgs = []
        for m in messages:
            if not isinstance(m, dict) or "role" not in m or "content" not in m:
                raise ValueError(
                    f"each message must be a dict with 'role' and 'content', got {m!r}"
                )
            msgs.append({"role": str(m["role"]), "content": str(m["content"])})
    if system:
        msgs = [{"role": "system", "content": system}, *msgs]
    return msgs


class LLMClient:
    """Chat, completion and next-token log-probabilities over one backend, cached on disk."""

    def __init__(
        self,
        backend: Backend,
        *,
        cache: bool | Path | str = True,
        max_concurrency: int = 4,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self.backend = backend
        self.max_concurrency = max_concurrency
        self._slots = threading.BoundedSemaphore(max_concurrency)
        if cache is True:
            self.cache: DiskCache | None = DiskCache(default_cache_dir() / "llm")
        elif cache is False:
            self.cache = None
        else:
            self.cache = DiskCache(Path(cache))
        self.calls = 0  # requests actually sent to the backend (cache misses)
        self.hits = 0  # requests answered from the cache
        self._count = threading.Lock()

    # ------------------------------------------------------------ constructors
    @classmethod
    def openai(
        cls,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_concurrency: int = 4,
        cache: bool | Path | str = True,
    ) -> LLMClient:
        """A client for ``model`` on an OpenAI-compatible server at ``base_url`` (e.g.
        ``http://localhost:8000/v1``). The API key, if any, is read from the environment
        variable ``api_key_env`` at each call and never stored."""
        from looplab.llm.openai_compat import OpenAIBackend

        backend = OpenAIBackend(base_url, model, api_key_env=api_key_env, timeout=timeout,
                                max_retries=max_retries, backoff=backoff)
        return cls(backend, cache=cache, max_concurrency=max_concurrency)

    @classmethod
    def local(cls, *, cache: bool | Path | str = True, model_dir: Path | None = None) -> LLMClient:
        """A client for SmolLM2-135M-Instruct on CPU (one call at a time). ``model_dir`` is
        the cache root for the converted weights (default: the user cache directory)."""
        from looplab.llm.local import LocalBackend

        return cls(LocalBackend(model_dir), cache=cache, max_concurrency=1)

    @classmethod
    def from_name(cls, backend: str, **kwargs: Any) -> LLMClient:
        """``from_name("local")`` or ``from_name("openai", base_url=..., model=...)``."""
        if backend == "local":
            return cls.local(**kwargs)
        if backend == "openai":
            return cls.openai(**kwargs)
        raise ValueError(f"backend must be one of: local, openai; got {backend!r}")

    @property
    def name(self) -> str:
        """A short label such as ``openai:gpt-4o-mini`` or ``local:smollm2-135m-instruct``."""
        ident = self.backend.identity()
        return f"{ident['backend']}:{ident['model']}"

    # ------------------------------------------------------------ calls
    def _call(self, kind: str, payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        request = {"identity": self.backend.identity(), "kind": kind, "payload": payload}
        key = request_key(request)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                with self._count:
                    self.hits += 1
                return hit, True
        with self._slots:
            answer = getattr(self.backend, kind)(payload)
        with self._count:
            self.calls += 1
        if self.cache is not None:
            self.cache.put(key, request, answer)
        return answer, False

    def chat(
        self,
        messages: Messages,
        *,
        system: str | None = None,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        """The assistant's reply to ``messages`` (a string is one user message)."""
        payload = _payload(max_tokens, temperature, seed, stop)
        payload["messages"] = as_messages(messages, system)
        answer, cached = self._call("chat", payload)
        return Completion(cached=cached, **answer)

    def complete(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        """A plain continuation of ``prompt`` (the ``/completions`` endpoint for openai)."""
        payload = _payload(max_tokens, temperature, seed, stop)
        payload["prompt"] = str(prompt)
        answer, cached = self._call("complete", payload)
        return Completion(cached=cached, **answer)

    def logprobs(
        self, messages: Messages, candidates: list[str], *, system: str | None = None
    ) -> dict[str, float | None]:
        """Log-probability that the assistant's reply to ``messages`` starts with each
        candidate. The local backend gives exact values for any candidate; the openai backend
        reads the first token's top-20 alternatives, so it gives None for a candidate that
        is not among them (or is longer than one token)."""
        cands = [str(c) for c in candidates]
        if not cands or len(set(cands)) != len(cands):
            raise ValueError(f"candidates must be distinct non-empty strings, got {candidates!r}")
        payload = {"messages": as_messages(messages, system), "candidates": cands}
        answer, _ = self._call("logprobs", payload)
        return {c: answer["logprobs"].get(c) for c in cands}

    def close(self) -> None:
        """Release the backend's connections."""
        self.backend.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _payload(max_tokens: int, temperature: float, seed: int | None, stop: list[str] | None
             ) -> dict[str, Any]:
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if not 0.0 <= temperature <= 2.0:
        raise ValueError(f"temperature must be in [0, 2], got {temperature}")
    payload: dict[str, Any] = {"max_tokens": int(max_tokens), "temperature": float(temperature)}
    if seed is not None:
        payload["seed"] = int(seed)
    if stop:
        payload["stop"] = [str(s) for s in stop]
    return payload
