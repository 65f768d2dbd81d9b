"""Language-model access shared by looplab's judges and agents.

>>> from looplab.llm import LLMClient
>>> llm = LLMClient.openai("http://localhost:8000/v1", "my-model")   # or LLMClient.local()
>>> llm.chat("What is 2+2?").text
>>> llm.logprobs("Answer A or B.", ["A", "B"])    # {"A": -0.3, "B": -1.4}

See ``looplab.llm.client`` for the contract (caching, retries, concurrency) and
``looplab.llm.local`` for how the local SmolLM2 model is found and cached.
"""

from looplab.llm.cache import DiskCache, default_cache_dir
from looplab.llm.client import Completion, LLMClient, as_messages
from looplab.llm.errors import (
    LLMConnectionError,
    LLMError,
    LLMNoLogprobsError,
    LLMRequestError,
    LLMResponseError,
    LLMUnavailableError,
)

__all__ = [
    "Completion",
    "DiskCache",
    "LLMClient",
    "LLMConnectionError",
    "LLMError",
    "LLMNoLogprobsError",
    "LLMRequestError",
    "LLMResponseError",
    "LLMUnavailableError",
    "as_messages",
    "default_cache_dir",
]
