"""Judgments per second of the built-in judge audit on SmolLM2: batched vs unbatched.

The audit is position / verbosity / bandwagon on the built-in items (10 distinct judge calls
per item, 400 for all 40 items). Both arms use ``LLMJudge`` in logprob mode with the disk
cache off, so every call reaches the model; the batched arm is ``batched_local_client``
(``max_batch`` judge threads gathered into batched forward passes with a shared-prefix KV
cache). The arms run alternately ``--rounds`` times and the table reports the median rate
of each and their ratio, and checks that both arms reach the same audit effects.

The llama.cpp OpenAI-compatible server peer (``llama-cpp-python[server]``, a ~10 minute
compile) is measured with ``--peer URL`` against a running server on the same GGUF file;
without it the row says "not run".

    PYTHONPATH=src python benchmarks/bench_local_llm.py --items 40 --rounds 1
"""

from __future__ import annotations

import argparse
import statistics
import time


def _audit(client, items, biases):
    from looplab.judges import LLMJudge, audit

    judge = LLMJudge(client, mode="logprobs")
    t = time.perf_counter()
    rep = audit(judge, items, biases, seed=0)
    dt = time.perf_counter() - t
    return rep, rep.settings["calls"] / dt


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--peer", default=None, help="base URL of a llama.cpp server (…/v1)")
    args = ap.parse_args(argv)

    from looplab.judges import load_items
    from looplab.llm import LLMClient
    from looplab.llm.batched import batched_local_client
    from looplab.llm.local import load_smollm2

    load_smollm2()  # load once, outside the timings
    items = load_items()[: args.items]
    biases = ["position", "verbosity", "bandwagon"]
    rates: dict[str, list[float]] = {"unbatched": [], "batched": []}
    effects: dict[str, dict[str, float]] = {}
    work: dict[str, float] = {}
    for _ in range(args.rounds):
        for arm in ("batched", "unbatched"):
            client = (batched_local_client(cache=False, max_batch=args.max_batch)
                      if arm == "batched" else LLMClient.local(cache=False))
            try:
                rep, rate = _audit(client, items, biases)
            finally:
                client.close()
            rates[arm].append(rate)
            if arm == "batched":
                eng = client.backend.engine()
                work["batched"] = eng.tokens_computed / rep.settings["calls"]
                work["passes"] = eng.forward_passes
            effects[arm] = {b: e.estimate for b, e in rep.effects.items()}
    if args.peer:
        client = LLMClient.openai(args.peer, "smollm2", cache=False, api_key_env=None)
        rep, rate = _audit(client, items, biases)
        rates["llama.cpp server"] = [rate]
    calls = len(items) * 10
    print(f"built-in audit, {len(items)} items, {calls} judge calls, {args.rounds} round(s)")
    print(f"{'arm':<18} {'judgments/s':>12} {'x unbatched':>12}")
    base = statistics.median(rates["unbatched"])
    for arm, r in rates.items():
        m = statistics.median(r)
        print(f"{arm:<18} {m:>12.2f} {m / base:>12.2f}")
    if "llama.cpp server" not in rates:
        print(f"{'llama.cpp server':<18} {'not run':>12} (needs --peer URL; see docstring)")
    from looplab.judges.audit import plan
    from looplab.judges.injectors import load_cues
    from looplab.judges.llm_judge import DEFAULT_SYSTEM, TEMPLATE
    from looplab.llm.batched import LocalLM

    eng = LocalLM.load()
    shown = list(dict.fromkeys(c.shown for c in plan(items, biases, 1, 0, load_cues())))
    full = sum(len(eng.chat_ids([{"role": "system", "content": DEFAULT_SYSTEM},
                                 {"role": "user", "content": TEMPLATE.format(
                                     question=x.question, answer_a=x.answer_a,
                                     answer_b=x.answer_b)}])) for x in shown) / len(shown)
    print(f"tokens computed per judgment: unbatched {full:.1f}, batched "
          f"{work.get('batched', float('nan')):.1f} ({work.get('passes', 0)} forward passes)")
    same = all(abs(effects['batched'][b] - effects['unbatched'][b]) < 1e-9 for b in biases)
    print("same audit effects:", same, effects["batched"])


if __name__ == "__main__":
    main()
