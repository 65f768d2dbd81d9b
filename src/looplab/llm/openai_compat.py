"""Backend for any OpenAI-compatible HTTP server (vLLM, Ollama, llama.cpp, hosted APIs).

Uses ``POST {base_url}/chat/completions`` (chat and logprobs) and ``POST
{base_url}/completions`` (plain completion) through httpx, with per-request timeouts and
retries with exponential backoff (tenacity) on 429, 5xx, timeouts and dropped connections
(a refused connection or unknown host fails at once: that is a wrong address);
a ``Retry-After`` header is honoured up to ``max_backoff``. Other 4xx answers (an unknown
model, a bad key) fail at once with the server's own message. The API key is read from an
environment variable at call time and only ever sent as a header.
"""

from __future__ import annotations

import math
import os
from typing import Any

from looplab.extras import require

require("httpx", "llm", "the OpenAI-compatible client")
require("tenacity", "llm", "the OpenAI-compatible client")
import httpx  # noqa: E402
from tenacity import (  # noqa: E402
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from looplab.llm.errors import (  # noqa: E402
    LLMConnectionError,
    LLMNoLogprobsError,
    LLMRequestError,
    LLMResponseError,
)

TOP_LOGPROBS = 20  # the OpenAI API's maximum for top_logprobs


class _Retryable(Exception):
    """A transient failure (429/5xx/timeout/connection) that is worth retrying."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OpenAIBackend:
    """Blocking, thread-safe client for one model on one OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        if not model:
            raise ValueError("model must be a non-empty model name")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))

    def identity(self) -> dict[str, Any]:
        """What the cache key needs to tell this backend's answers apart (no credentials)."""
        return {"backend": "openai", "base_url": self.base_url, "model": self.model}

    def close(self) -> None:
        self._http.close()

    # ----------------------------------------------------------------- transport
    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        expo = wait_exponential_jitter(multiplier=self.backoff, max=self.max_backoff,
                                       jitter=self.backoff)(state)
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self.max_backoff)
        return expo

    def _post_once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            resp = self._http.post(url, json=body, headers=self._headers())
        except httpx.TimeoutException as exc:
            raise _Retryable(f"request to {url} timed out ({type(exc).__name__})") from exc
        except httpx.ConnectError as exc:  # refused / DNS: a wrong address, not a hiccup
            raise LLMConnectionError(f"cannot reach {url}: {exc}") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise _Retryable(f"connection to {url} dropped: {exc}") from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _Retryable(
                f"{url} answered HTTP {resp.status_code}: {_server_message(resp)}",
                _retry_after(resp),
            )
        if resp.status_code >= 400:
            raise LLMRequestError(
                f"{url} rejected the request (HTTP {resp.status_code}, model {self.model!r}): "
                f"{_server_message(resp)}"
            )
        try:
            data = resp.json()
        except ValueError as exc:
            raise LLMResponseError(
                f"malformed response from {url}: body is not JSON: {resp.text[:120]!r}"
            ) from exc
        if not isinstance(data, dict):
            raise LLMResponseError(f"malformed response from {url}: expected a JSON object")
        return data

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
            reraise=True,
        )
        try:
            return retrying(self._post_once, path, body)
        except _Retryable as exc:
            raise LLMConnectionError(f"{exc} (gave up after {self.max_retries + 1} attempts)") \
                from exc

    # ----------------------------------------------------------------- calls
    def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload``: messages, max_tokens, temperature, seed?, stop? -> text answer."""
        data = self._post("/chat/completions", {"model": self.model, **payload})
        choice = _first_choice(data, self.base_url)
        msg = choice.get("message")
        if not isinstance(msg, dict) or not isinstance(msg.get("content"), str | None):
            raise LLMResponseError(
                f"malformed response from {self.base_url}: choices[0].message.content missing"
            )
        return _answer(msg.get("content") or "", choice, data)

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload``: prompt, max_tokens, temperature, seed?, stop? -> text answer."""
        data = self._post("/completions", {"model": self.model, **payload})
        choice = _first_choice(data, self.base_url)
        if not isinstance(choice.get("text"), str):
            raise LLMResponseError(
                f"malformed response from {self.base_url}: choices[0].text missing"
            )
        return _answer(choice["text"], choice, data)

    def logprobs(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload``: messages, candidates -> {candidate: logprob or None}.

        Asks for one token with the top-20 alternatives; a candidate's log-probability is the
        log-sum-exp over top tokens equal to it after stripping whitespace (``"A"``, ``" A"``).
        A candidate outside the top 20 (or longer than one token) gets None.
        """
        body = {
            "model": self.model,
            "messages": payload["messages"],
            "max_tokens": 1,
            "temperature": 0.0,
            "logprobs": True,
            "top_logprobs": TOP_LOGPROBS,
        }
        data = self._post("/chat/completions", body)
        choice = _first_choice(data, self.base_url)
        try:
            top = choice["logprobs"]["content"][0]["top_logprobs"]
            pairs = [(str(t["token"]), float(t["logprob"])) for t in top]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LLMNoLogprobsError(
                f"malformed response from {self.base_url}: no choices[0].logprobs.content"
                "[0].top_logprobs (does the server support logprobs?)"
            ) from exc
        out: dict[str, float | None] = {}
        for cand in payload["candidates"]:
            hits = [lp for tok, lp in pairs if tok.strip() == cand.strip()]
            out[cand] = _logsumexp(hits) if hits else None
        return {"logprobs": out}


def _first_choice(data: dict[str, Any], where: str) -> dict[str, Any]:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMResponseError(f"malformed response from {where}: no choices[0]")
    return choices[0]


def _answer(text: str, choice: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    raw_usage = data.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    return {
        "text": text,
        "finish_reason": choice.get("finish_reason"),
        "prompt_tokens": usage.get("prompt_tokens"),
        "completion_tokens": usage.get("completion_tokens"),
    }


def _server_message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        err = body.get("error", body) if isinstance(body, dict) else body
        msg = err.get("message", err) if isinstance(err, dict) else err
        return str(msg)[:200]
    except ValueError:
        return resp.text[:200] or resp.reason_phrase


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _logsumexp(values: list[float]) -> float:
    m = max(values)
    return m + math.log(sum(math.exp(v - m) for v in values))
