"""Errors raised by the language-model client; each message is one line that says what to fix."""

from __future__ import annotations


class LLMError(RuntimeError):
    """Base class of every language-model client error."""


class LLMConnectionError(LLMError):
    """The endpoint could not be reached or kept failing (refused, timeouts, 429 or 5xx)
    after all retries."""


class LLMRequestError(LLMError):
    """The server rejected the request (4xx other than 429, e.g. an unknown model name)."""


class LLMResponseError(LLMError):
    """The server answered with a body that is not the expected JSON shape."""


class LLMNoLogprobsError(LLMResponseError):
    """The server answered but gave no token log-probabilities (it does not support them)."""


class LLMUnavailableError(LLMError):
    """A local model or its dependencies are not installed."""
