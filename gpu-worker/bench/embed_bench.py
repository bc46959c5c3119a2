"""GPU benchmark of Qwen3-Embedding-4B's forward pass: tokens/s, ms per pass, memory, MFU.

Embeds batches of equal-length inputs with Qwen3 last-token pooling and L2
normalisation (what SGLang's --is-embedding does), at batch sizes 1..256 and input
lengths 16..4096 tokens, and prints per configuration: tokens/s, milliseconds per
forward pass, peak GPU memory, and achieved TFLOP/s as a share of the card's dense bf16
peak.

  python3 gpu-worker/bench/embed_bench.py                 # random weights, full size
  python3 gpu-worker/bench/embed_bench.py --weights DIR   # real checkpoint directory
  python3 gpu-worker/bench/embed_bench.py --tiny          # tiny config, any CPU, seconds

Without --weights it builds the same architecture from its configuration with random
weights and says so on every line it prints: the speed is the architecture's, the
vectors mean nothing. Needs PyTorch and transformers, imported inside main() so the
file compiles (CI runs py_compile) on machines without them.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

# Qwen3-Embedding-4B's architecture (its config.json): hidden 2560, 36 layers, 32 query
# and 8 key/value heads of 128, MLP 9728, vocabulary 151,669, end-of-text id 151643.
FULL_CONFIG = dict(
    hidden_size=2560,
    num_hidden_layers=36,
    num_attention_heads=32,
    num_key_value_heads=8,
    head_dim=128,
    intermediate_size=9728,
    vocab_size=151_669,
    max_position_embeddings=32_768,
    rope_theta=1_000_000.0,
    rms_norm_eps=1e-6,
    tie_word_embeddings=True,
)
END_OF_TEXT_ID = 151_643

# The same layer types at toy sizes, so --tiny exercises every code path in seconds.
TINY_CONFIG = dict(
    FULL_CONFIG,
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    intermediate_size=128,
    vocab_size=1_000,
    max_position_embeddings=512,
)

# Dense (no sparsity) bf16 tensor-core peaks from NVIDIA's datasheets, in TFLOP/s.
# Matched against torch.cuda.get_device_name(); most specific pattern first.
DENSE_BF16_PEAK_TFLOPS: list[tuple[str, float]] = [
    ("H100 PCIe", 756.0),
    ("H100", 989.0),  # SXM (HBM3)
    ("H200", 989.0),
    ("A100", 312.0),
    ("L40S", 362.0),
    ("L4", 121.0),
    ("A10G", 0.0),  # AWS variant: no datasheet figure we trust; pass --peak-tflops
    ("A10", 125.0),
]


@dataclass
class Result:
    batch: int
    length: int
    tokens: int
    ms_per_pass: float
    tokens_per_s: float
    peak_mem_gib: float | None
    tflops: float
    peak_share: float | None


def parse_ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def peak_tflops_for(device_name: str) -> float | None:
    for pattern, peak in DENSE_BF16_PEAK_TFLOPS:
        if pattern in device_name:
            return peak or None
    return None


def flops_per_pass(config: dict[str, Any], non_embedding_params: int, batch: int, length: int) -> float:
    """Useful FLOPs of one forward pass: 2 per weight per token, plus causal attention.

    Attention per sequence: QK^T and PV each cost 2*head_dim FLOPs per (query, key)
    pair per head, over L(L+1)/2 causal pairs, in every layer.
    """
    tokens = batch * length
    dense = 2.0 * non_embedding_params * tokens
    heads, head_dim, layers = config["num_attention_heads"], config["head_dim"], config["num_hidden_layers"]
    attention = batch * layers * heads * 2.0 * head_dim * length * (length + 1)
    return dense + attention


def last_token_pool(hidden: Any, attention_mask: Any) -> Any:
    """Hidden state of each sequence's last real token (works for left or right padding)."""
    import torch

    if bool(attention_mask[:, -1].all()):
        return hidden[:, -1]
    last = attention_mask.sum(dim=1) - 1
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def build_model(args: argparse.Namespace, device: Any, dtype: Any) -> tuple[Any, dict[str, Any]]:
    import torch
    from transformers import AutoConfig, AutoModel, Qwen3Config

    if args.weights:
        model = AutoModel.from_pretrained(args.weights, torch_dtype=dtype, attn_implementation="sdpa")
        model = model.to(device)
        config = AutoConfig.from_pretrained(args.weights).to_dict()
        config.setdefault("head_dim", config["hidden_size"] // config["num_attention_heads"])
    else:
        config = dict(TINY_CONFIG if args.tiny else FULL_CONFIG)
        hf_config = Qwen3Config(**config)
        # Allocate and initialise directly on the target device: 4B random parameters
        # built on the CPU first would take minutes and 16 GB of host memory.
        with torch.device(device):
            model = AutoModel.from_config(hf_config, torch_dtype=dtype, attn_implementation="sdpa")
    model.eval()
    return model, config


def run(args: argparse.Namespace, say: Callable[[str], None]) -> list[Result]:
    import torch

    device = torch.device(args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    on_gpu = device.type == "cuda"
    dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype or ("bf16" if on_gpu else "fp32")]
    device_name = torch.cuda.get_device_name(device) if on_gpu else "cpu"
    peak = args.peak_tflops or (peak_tflops_for(device_name) if on_gpu else None)

    model, config = build_model(args, device, dtype)
    total_params = sum(p.numel() for p in model.parameters())
    non_embedding = total_params - model.get_input_embeddings().weight.numel()
    say(f"device {device_name}, dtype {dtype}, {total_params / 1e9:.3f}B parameters "
        f"({non_embedding / 1e9:.3f}B outside the embedding table)")
    say(f"dense bf16 peak: {f'{peak:g} TFLOP/s' if peak else 'unknown (pass --peak-tflops)'}")
    say(f"{2 * non_embedding / 1e9:.2f} GFLOP per token before attention")

    results: list[Result] = []
    vocab = config["vocab_size"]
    eos = END_OF_TEXT_ID if END_OF_TEXT_ID < vocab else vocab - 1
    generator = torch.Generator(device="cpu").manual_seed(0)
    for length in args.lengths:
        for batch in args.batch_sizes:
            tokens = batch * length
            if tokens > args.max_tokens_per_pass or length > config["max_position_embeddings"]:
                say(f"batch={batch:4d} len={length:5d}: skipped ({tokens} tokens > --max-tokens-per-pass {args.max_tokens_per_pass})")
                continue
            ids = torch.randint(0, min(vocab, END_OF_TEXT_ID), (batch, length), generator=generator)
            ids[:, -1] = eos  # the token Qwen3-Embedding pools on
            ids = ids.to(device)
            mask = torch.ones_like(ids)
            try:
                result = time_one(model, ids, mask, args, device, on_gpu)
            except torch.cuda.OutOfMemoryError:
                torch.cuda.empty_cache()
                say(f"batch={batch:4d} len={length:5d}: out of GPU memory")
                continue
            seconds, mem = result
            flops = flops_per_pass(config, non_embedding, batch, length)
            achieved = flops / seconds / 1e12
            row = Result(batch, length, tokens, seconds * 1e3, tokens / seconds, mem, achieved,
                         achieved / peak if peak else None)
            results.append(row)
            share = f" = {row.peak_share:.0%} of {peak:g}" if row.peak_share is not None else ""
            memory = f"{mem:5.1f} GiB" if mem is not None else "  n/a"
            say(f"batch={batch:4d} len={length:5d} tokens={tokens:7d} | {row.tokens_per_s:9.0f} tok/s | "
                f"{row.ms_per_pass:9.1f} ms/pass | peak mem {memory} | {achieved:7.2f} TFLOP/s{share}")
    return results


def time_one(model: Any, ids: Any, mask: Any, args: argparse.Namespace, device: Any, on_gpu: bool) -> tuple[float, float | None]:
    import torch
    import torch.nn.functional as F

    def embed() -> Any:
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        return F.normalize(last_token_pool(hidden, mask).float(), p=2, dim=-1)

    with torch.inference_mode():
        if on_gpu:
            torch.cuda.reset_peak_memory_stats(device)
        for _ in range(args.warmup):
            vectors = embed()
        if on_gpu:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        for _ in range(args.iters):
            vectors = embed()
        if on_gpu:
            torch.cuda.synchronize(device)
        seconds = (time.perf_counter() - start) / args.iters
    norms = vectors.norm(dim=-1)
    if not bool(torch.isfinite(vectors).all()) or not bool(((norms - 1).abs() < 1e-3).all()):
        raise RuntimeError("pooled vectors are not finite unit vectors")
    mem = torch.cuda.max_memory_allocated(device) / 2**30 if on_gpu else None
    return seconds, mem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", help="directory of a Qwen3-Embedding-4B checkpoint (config.json + safetensors)")
    parser.add_argument("--tiny", action="store_true", help="toy-sized config: checks the code on any CPU in seconds")
    parser.add_argument("--batch-sizes", type=parse_ints, default=None, help="comma-separated, default 1,4,16,64,256")
    parser.add_argument("--lengths", type=parse_ints, default=None, help="comma-separated tokens, default 16,64,256,1024,4096")
    parser.add_argument("--max-tokens-per-pass", type=int, default=65_536,
                        help="skip batch x length above this (activations of 4096x256 do not fit 24 GB)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--device", default="auto", help="auto, cuda, cuda:1, cpu")
    parser.add_argument("--dtype", choices=["bf16", "fp32"], default=None, help="default bf16 on GPU, fp32 on CPU")
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak of the card, if not known here")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.tiny and args.weights:
        parser.error("--tiny builds a toy model; it cannot load --weights")
    args.batch_sizes = args.batch_sizes or ([1, 4] if args.tiny else [1, 4, 16, 64, 256])
    args.lengths = args.lengths or ([16, 64] if args.tiny else [16, 64, 256, 1024, 4096])
    if args.tiny:
        args.warmup, args.iters = min(args.warmup, 1), min(args.iters, 2)

    if args.weights:
        prefix = f"[weights: {args.weights}]"
    else:
        size = "TINY config" if args.tiny else "full-size architecture"
        prefix = f"[RANDOM WEIGHTS, {size}: speed is the architecture's, the vectors mean nothing]"

    def say(line: str) -> None:
        print(f"{prefix} {line}", flush=True)

    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as missing:
        say(f"needs PyTorch and transformers: {missing}")
        raise SystemExit(2)
    results = run(args, say)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"random_weights": not args.weights, "tiny": args.tiny,
                       "results": [asdict(r) for r in results]}, out, indent=2)
        say(f"wrote {len(results)} rows to {args.json}")
    if not results:
        say("no configuration ran")
        raise SystemExit(1)
    best = max(results, key=lambda r: r.tokens_per_s)
    say(f"best: {best.tokens_per_s:.0f} tok/s at batch={best.batch} len={best.length}"
        f" ({math.ceil(best.ms_per_pass)} ms per pass)")


if __name__ == "__main__":
    main()
