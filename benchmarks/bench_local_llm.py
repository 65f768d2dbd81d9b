"""Judgments per second of the built-in judge audit on SmolLM2: batched vs unbatched vs llama.cpp.

The audit is position / verbosity / bandwagon on the built-in items (10 distinct judge calls
per item, 400 for all 40 items). Every arm uses ``LLMJudge`` in logprob mode with the disk
cache off, so every call reaches the model:

- ``unbatched``: ``LLMClient.local()``, one forward pass per judgment (batch 1);
- ``batched padded``: ``batched_local_client(mode="padded")``: ``max_batch`` judge threads
  gathered into right-padded batches, only the batch's common prefix taken from a KV cache;
- ``batched tree``: ``mode="tree"``: the batch's distinct tokens as one packed prefix tree
  with a dense tree-attention mask (shared question / answer prefixes computed once, no
  padding, but attention over the whole pack), the common prefix from the KV cache;
- ``batched cascade``: ``batched_local_client()`` (default): the same prefix tree computed
  segment by segment, level by level, each row attending only to its own ancestors' cached
  keys / values (cascade attention);
- ``llama.cpp server`` (``--peer auto`` starts ``llama-cpp-python[server]`` on the same
  GGUF file, ``--peer URL`` uses a running one): the same prompts through looplab's
  OpenAI-compatible client (``top_logprobs``); llama.cpp computes with the Q4_1 weights.

The local arms run alternately ``--rounds`` times; the table gives the median rate of each,
its ratio to ``unbatched``, judgments per CPU-second of this process (steady when other
jobs share the machine: wall-clock rates then swing with their load), the model tokens
computed per judgment, and checks that the
local arms reach the same audit effects (the peer's quantised arithmetic differs slightly).
``--threads`` sets torch's (and the server's) thread count: on a machine shared with other
jobs 1 thread avoids OpenMP oversubscription and gives steadier ratios.

    PYTHONPATH=src python benchmarks/bench_local_llm.py --items 40 --rounds 1 --peer auto

Measured 2026-11-30, session 5 (``--items 8 --rounds 3``, a 2-core box shared with other
jobs at load 6-9, so wall-clock rates swing; the per-CPU-second column is steadier):

  --threads 1       judgments/s  x unb.  judgments/CPU-s  x unb.  tokens/judgment
  unbatched                1.71    1.00             2.11    1.00            141.5
  batched padded           2.82    1.65             2.87    1.36             96.1
  batched tree             3.53    2.07             3.59    1.71             67.3
  batched cascade          4.23    2.48             4.31    2.05             65.5

(an earlier single round: cascade 4.00x wall, 2.45x per CPU-second; session 4's tree at 16
rows: 1.52x.) The llama.cpp server measured 0.59x in session 4 (it computes logits for
every prompt token: llama-cpp-python returns logprobs only with ``logits_all``).

Why not 3x: exact answers allow no fewer computed tokens than the prefix tree's distinct
ones (63.7 per judgment over the whole 8-item audit, 62.1 over 40 items; the token after
the first difference between two prompts depends on it), a 2.2x cap against 141.5; the
cascade computes 65.5 (short branching segments recomputed, see ``min_segment``) at about
the unbatched path's cost per token (282 vs 299 tokens per CPU-second: the body's matrix
products are ~80% of both and run at the same rate for 141-row and 1000-row products),
so ~2.1-2.5x. Only the needed logits were already computed on both paths (the output head
on the last position only).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

LOCAL_ARMS = ("unbatched", "batched padded", "batched tree", "batched cascade")


def _audit(client, items, biases):
    from looplab.judges import LLMJudge, audit

    judge = LLMJudge(client, mode="logprobs")
    t, cpu = time.perf_counter(), time.process_time()
    rep = audit(judge, items, biases, seed=0)
    dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
    return rep, rep.settings["calls"] / dt, rep.settings["calls"] / max(dcpu, 1e-9)


def _prompt_tokens(items, biases) -> float:
    """Mean prompt length in tokens (what the unbatched path computes per judgment)."""
    from looplab.judges.audit import plan
    from looplab.judges.injectors import load_cues
    from looplab.judges.llm_judge import DEFAULT_SYSTEM, TEMPLATE
    from looplab.llm.batched import LocalLM

    eng = LocalLM.load()
    shown = list(dict.fromkeys(c.shown for c in plan(items, biases, 1, 0, load_cues())))
    return sum(len(eng.chat_ids([{"role": "system", "content": DEFAULT_SYSTEM},
                                 {"role": "user", "content": TEMPLATE.format(
                                     question=x.question, answer_a=x.answer_a,
                                     answer_b=x.answer_b)}])) for x in shown) / len(shown)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--max-batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None, help="torch / server threads")
    ap.add_argument("--peer", default=None,
                    help="'auto' (start llama-cpp-python's server) or a base URL (…/v1)")
    ap.add_argument("--arms", nargs="+", default=list(LOCAL_ARMS), choices=LOCAL_ARMS,
                    help="local arms to time (unbatched is always timed: the ratios' base)")
    args = ap.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from looplab.judges import load_items
    from looplab.llm import LLMClient
    from looplab.llm.batched import batched_local_client
    from looplab.llm.local import load_smollm2

    load_smollm2()  # load once, outside the timings
    items = load_items()[: args.items]
    biases = ["position", "verbosity", "bandwagon"]
    arms = {"unbatched": lambda: LLMClient.local(cache=False),
            # padded and tree at the batch size they were tuned at (the tree's dense mask
            # grows with the square of the pack), cascade at --max-batch
            **{f"batched {mode}": (lambda mode=mode, mb=mb: batched_local_client(
                cache=False, mode=mode, max_batch=mb))
               for mode, mb in (("padded", 16), ("tree", 16), ("cascade", args.max_batch))}}
    arms = {a: make for a, make in arms.items() if a == "unbatched" or a in args.arms}
    rates: dict[str, list[float]] = {a: [] for a in arms}
    cpu_rates: dict[str, list[float]] = {a: [] for a in arms}
    effects: dict[str, dict[str, float]] = {}
    tokens: dict[str, float] = {"unbatched": _prompt_tokens(items, biases)}
    for _ in range(args.rounds):
        for arm, make in arms.items():
            client = make()
            try:
                rep, rate, cpu_rate = _audit(client, items, biases)
            finally:
                client.close()
            rates[arm].append(rate)
            cpu_rates[arm].append(cpu_rate)
            if arm != "unbatched":
                eng = client.backend.engine()
                tokens[arm] = eng.tokens_computed / rep.settings["calls"]
            effects[arm] = {b: e.estimate for b, e in rep.effects.items()}
    if args.peer:
        from looplab.llm.llama_server import llama_cpp_server

        ctx = (llama_cpp_server(threads=args.threads or torch.get_num_threads())
               if args.peer == "auto" else contextlib.nullcontext(args.peer))
        with ctx as url:
            client = LLMClient.openai(url, "smollm2", cache=False, api_key_env=None,
                                      timeout=600.0)
            rep, rate, _ = _audit(client, items, biases)
        rates["llama.cpp server"] = [rate]
        effects["llama.cpp server"] = {b: e.estimate for b, e in rep.effects.items()}
    calls = len(items) * 10
    print(f"built-in audit, {len(items)} items, {calls} judge calls, {args.rounds} round(s), "
          f"{torch.get_num_threads()} torch thread(s)")
    print(f"{'arm':<18} {'judgments/s':>12} {'x unbatched':>12} {'judgments/CPU-s':>16} "
          f"{'x unbatched':>12} {'tokens/judgment':>16}")
    base = statistics.median(rates["unbatched"])
    cbase = statistics.median(cpu_rates["unbatched"])
    for arm, r in rates.items():
        m = statistics.median(r)
        tok = f"{tokens[arm]:.1f}" if arm in tokens else "n/a"
        # the server's CPU time is in another process: no per-CPU rate for the peer
        c = statistics.median(cpu_rates[arm]) if arm in cpu_rates else None
        cpu = (f"{c:>16.2f} {c / cbase:>12.2f}" if c is not None else f"{'n/a':>16} {'':>12}")
        print(f"{arm:<18} {m:>12.2f} {m / base:>12.2f} {cpu} {tok:>16}")
    if "llama.cpp server" not in rates:
        print(f"{'llama.cpp server':<18} {'not run':>12} (--peer auto or URL; see docstring)")
    same = all(abs(effects[a][b] - effects["unbatched"][b]) < 1e-9 for a in arms for b in biases)
    print("local arms reach the same audit effects:", same)
    for arm, eff in effects.items():
        print(f"  {arm:<18} " + ", ".join(f"{b} {v:+.3f}" for b, v in eff.items()))


if __name__ == "__main__":
    main()
