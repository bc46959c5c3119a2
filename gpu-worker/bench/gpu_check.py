"""GPU check of the launch profiles: throughput, latency and agreement with bf16.

For each profile in gpu-worker/profiles/ whose engine is installed on this machine
(SGLang, vLLM or llama.cpp's llama-server), it starts the engine through launch.sh on
a free port, waits for the readiness server, embeds the fixed 1,000 texts of
texts.jsonl (mixed language and length), stops the engine, and prints one table:

  profile | engine | batch | requests | tokens | tokens/s | p50 ms | p99 ms | cos mean | cos min

- tokens/s at several batch sizes (inputs per request; CONCURRENCY requests in flight),
  counted from the engine's usage.prompt_tokens;
- p50/p99: milliseconds per request at that batch size;
- cos mean / min: cosine between this profile's vector and sglang-bf16's for the same
  text, over all texts (on the row of the batch size that embedded all of them).

  python3 gpu-worker/bench/gpu_check.py                      # every installed profile
  python3 gpu-worker/bench/gpu_check.py --profiles sglang-bf16,sglang-fp8
  python3 gpu-worker/bench/gpu_check.py --dry-run --endpoint sglang-bf16=http://127.0.0.1:30000

--endpoint NAME=URL measures a server that is already running instead of starting one
(NAME: a profile, whose protocol it speaks, or any label for an SGLang-protocol server);
--dry-run limits the work to a few texts and batch sizes, for checking the script
itself (CI runs it against the CPU stand-in). Each profile gets an equal share of the
run (--budget-s to fix it; start-up included) and the whole run stops before --total-budget-s (default 420 s;
with a request's 30 s timeout and an engine's 15 s to stop, under 8 minutes). It refuses to start engines when CI is set. It says plainly when
there is no GPU and when a server's vectors are not Qwen3's (the stand-in's
`x-standin` header). Standard library only: the engines bring their own Python.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GPU_WORKER = HERE.parent
END_OF_TEXT_ID = 151_643  # Qwen3's <|endoftext|>, the token Qwen3-Embedding pools on
REFERENCE = "sglang-bf16"
# One request may outlive the deadline by this much; keeps the run under 8 minutes.
REQUEST_TIMEOUT_S = 30
COLUMNS = [
    "profile",
    "engine",
    "batch",
    "requests",
    "tokens",
    "tokens/s",
    "p50 ms",
    "p99 ms",
    "cos mean",
    "cos min",
]


def read_key_values(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a gpu-worker env file, comments and blanks skipped."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def profiles() -> dict[str, dict[str, str]]:
    """Every launch profile, gpu-worker/profiles/<name>.env, by name."""
    return {p.stem: read_key_values(p) for p in sorted((GPU_WORKER / "profiles").glob("*.env"))}


def engine_installed(profile: dict[str, str]) -> bool:
    """Whether this machine can start the profile's engine (importable, or on the path)."""
    engine = profile["ENGINE"]
    if engine == "sglang":
        return find_spec("sglang") is not None
    if engine == "vllm":
        return shutil.which("vllm") is not None
    if engine == "llamacpp":
        binary = profile.get("LLAMA_SERVER_BIN", "")
        return (binary != "" and os.access(binary, os.X_OK)) or shutil.which(
            "llama-server"
        ) is not None
    return False


def device_line() -> str:
    """One line naming the GPUs, or saying plainly that there is none."""
    smi = os.environ.get("GPU_CHECK_NVIDIA_SMI") or shutil.which("nvidia-smi")
    if smi and os.access(smi, os.X_OK):
        try:
            out = subprocess.run(
                [smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=20,
                check=True,
            ).stdout.strip()
            if out:
                return f"device: {' | '.join(out.splitlines())}"
        except (subprocess.SubprocessError, OSError):
            pass
    return "device: NO GPU (no working nvidia-smi): CPU only; figures are not a GPU's"


def load_texts(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """The JSONL rows ({id, lang, text}), the first `limit` when given."""
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return rows[:limit] if limit else rows


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def post_json(url: str, body: Any, key: str, timeout: float) -> tuple[Any, dict[str, str]]:
    """POSTs JSON (Bearer `key` when given); the parsed answer and its lower-cased headers."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response), {k.lower(): v for k, v in response.headers.items()}


@dataclass
class Server:
    """An engine endpoint: where it is, how to talk to it, what it said about itself."""

    name: str
    engine: str
    url: str
    key: str
    model: str
    notes: set[str] = field(default_factory=set)

    def embed(self, inputs: list[Any]) -> tuple[list[list[float]], int, float]:
        """Vectors, prompt tokens and seconds for one /v1/embeddings request."""
        body = {"model": self.model, "input": inputs, "encoding_format": "float"}
        start = time.perf_counter()
        answer, headers = post_json(f"{self.url}/v1/embeddings", body, self.key, REQUEST_TIMEOUT_S)
        seconds = time.perf_counter() - start
        if "x-standin" in headers:
            self.notes.add(f"STAND-IN, NOT Qwen3: {headers['x-standin']}")
        vectors = [item["embedding"] for item in sorted(answer["data"], key=lambda d: d["index"])]
        return vectors, int(answer.get("usage", {}).get("prompt_tokens", 0)), seconds

    def prepare(self, texts: list[str]) -> list[Any]:
        """What to send per text: the text, or for llama.cpp its token ids plus end-of-text
        (GGUF files may not append it; the edge sends the same ids)."""
        if self.engine != "llamacpp":
            return list(texts)
        prepared = []
        for text in texts:
            answer, _ = post_json(
                f"{self.url}/tokenize", {"content": text, "add_special": False}, self.key, 60
            )
            prepared.append([*answer["tokens"], END_OF_TEXT_ID])
        return prepared


@dataclass
class Row:
    profile: str
    engine: str
    batch: int
    requests: int
    tokens: int
    tokens_per_s: float
    p50_ms: float
    p99_ms: float
    cos_mean: float | None = None
    cos_min: float | None = None

    def cells(self) -> list[str]:
        cos = (
            ["-", "-"]
            if self.cos_mean is None or self.cos_min is None
            else [f"{self.cos_mean:.4f}", f"{self.cos_min:.4f}"]
        )
        return [
            self.profile,
            self.engine,
            str(self.batch),
            str(self.requests),
            str(self.tokens),
            f"{self.tokens_per_s:.0f}",
            f"{self.p50_ms:.1f}",
            f"{self.p99_ms:.1f}",
            *cos,
        ]


def measure(
    server: Server, inputs: list[Any], batch: int, concurrency: int, deadline: float, keep: bool
) -> tuple[Row, list[list[float]] | None]:
    """Embeds `inputs` in requests of `batch`, `concurrency` in flight, until done or the
    deadline (at least one request); keeps the vectors when asked and all were embedded."""
    chunks = [inputs[i : i + batch] for i in range(0, len(inputs), batch)]
    results: list[tuple[list[list[float]], int, float] | None] = [None] * len(chunks)
    start = time.perf_counter()

    def run(index: int) -> None:
        if index > 0 and time.monotonic() > deadline:
            return
        results[index] = server.embed(chunks[index])

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(run, range(len(chunks))))
    wall = time.perf_counter() - start
    done = [r for r in results if r is not None]
    tokens = sum(r[1] for r in done)
    latencies = [r[2] * 1000 for r in done]
    row = Row(
        server.name,
        server.engine,
        batch,
        len(done),
        tokens,
        tokens / wall if wall > 0 else 0.0,
        percentile(latencies, 50),
        percentile(latencies, 99),
    )
    complete = len(done) == len(chunks)
    vectors = [v for r in results if r is not None for v in r[0]] if keep and complete else None
    return row, vectors


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity, summed in float64 (0 for a zero vector)."""
    dot = math.fsum(x * y for x, y in zip(a, b))
    norms = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norms if norms > 0 else 0.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_profile(
    name: str, profile: dict[str, str], deadline: float, say: Any
) -> tuple[subprocess.Popen[bytes], Server] | None:
    """Starts launch.sh for a profile (its own process group); waits for /ready."""
    port, health = free_port(), free_port()
    key = os.urandom(18).hex()
    env = dict(
        os.environ,
        GPU_PROFILE=name,
        IMAGE_ENGINE="",
        PORT=str(port),
        PORT_HEALTH=str(health),
        WORKER_AUTH="api-key",
        SGLANG_API_KEY=key,
    )
    process = subprocess.Popen(
        ["bash", str(GPU_WORKER / "launch.sh")],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while time.monotonic() < deadline:
        if process.poll() is not None:
            say(f"{name}: the engine exited with {process.returncode} before it was ready")
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health}/ready", timeout=5) as answer:
                if answer.status == 200:
                    return process, Server(
                        name,
                        profile["ENGINE"],
                        f"http://127.0.0.1:{port}",
                        key,
                        profile["SERVED_MODEL_NAME"],
                    )
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    say(f"{name}: not ready within its budget")
    stop(process)
    return None


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends the engine and the readiness server: the process group launch.sh leads."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def check(
    server: Server,
    texts: list[str],
    args: argparse.Namespace,
    deadline: float,
    reference: list[list[float]] | None,
) -> tuple[list[Row], list[list[float]] | None]:
    """Every batch size in its share of the time left; the largest embeds every text."""
    inputs = server.prepare(texts)
    rows: list[Row] = []
    vectors = None
    sizes = sorted(args.batch_sizes)
    for i, batch in enumerate(sizes):
        last = i == len(sizes) - 1
        share = (deadline - time.monotonic()) / (len(sizes) - i)
        row, got = measure(
            server,
            inputs,
            batch,
            args.concurrency,
            deadline if last else time.monotonic() + share,
            keep=last,
        )
        if got is not None:
            vectors = got
            if reference is not None and len(reference) == len(got):
                cosines = [cosine(a, b) for a, b in zip(got, reference)]
                row.cos_mean, row.cos_min = math.fsum(cosines) / len(cosines), min(cosines)
        rows.append(row)
    return rows, vectors


def render(rows: list[Row]) -> list[str]:
    """The one table, as aligned text lines (header, rule, rows)."""
    table = [COLUMNS] + [r.cells() for r in rows]
    widths = [max(len(line[c]) for line in table) for c in range(len(COLUMNS))]
    lines = [
        " | ".join(cell.ljust(widths[c]) for c, cell in enumerate(line)).rstrip() for line in table
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Arguments, validated; exits 2 with a message naming the bad one."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profiles",
        default="",
        help="comma-separated profile names (default: every installed one)",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="measure a running server instead of starting one (repeatable)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("GPU_CHECK_API_KEY", ""),
        help="Bearer key for --endpoint servers",
    )
    parser.add_argument("--texts", default=str(HERE / "texts.jsonl"))
    parser.add_argument(
        "--batch-sizes", default="1,8,32,128", help="inputs per request, comma-separated"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument(
        "--budget-s",
        type=float,
        default=None,
        help="seconds per profile, start-up included (default: an equal share of the run)",
    )
    parser.add_argument(
        "--total-budget-s", type=float, default=420.0, help="seconds for the whole run"
    )
    parser.add_argument("--limit", type=int, default=None, help="first N texts only")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="few texts (default 24) and batch sizes 1,8: checks the script",
    )
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    try:
        args.batch_sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]
    except ValueError:
        parser.error("--batch-sizes takes comma-separated integers")
    if not args.batch_sizes or min(args.batch_sizes) < 1:
        parser.error("--batch-sizes needs positive integers")
    for spec in args.endpoint:
        if "=" not in spec or not spec.split("=", 1)[1].startswith(("http://", "https://")):
            parser.error(f"--endpoint takes NAME=URL, not {spec!r}")
    if args.dry_run:
        args.limit = args.limit or 24
        if args.batch_sizes == [1, 8, 32, 128]:
            args.batch_sizes = [1, 8]
    return args


def main(argv: list[str]) -> int:
    """Runs the check; 0 with a table, 1 when nothing was measured, 2 in CI, 64 bad profile."""
    args = parse_args(argv)
    started = time.monotonic()
    total_deadline = started + args.total_budget_s
    known = profiles()

    def say(line: str) -> None:
        print(line, flush=True)

    say(device_line())
    texts_rows = load_texts(Path(args.texts), args.limit)
    texts = [r["text"] for r in texts_rows]
    say(
        f"texts: {len(texts)} from {args.texts}; batch sizes {args.batch_sizes}; {args.concurrency} requests in flight"
    )

    rows: list[Row] = []
    reference: list[list[float]] | None = None
    notes: list[str] = []
    if args.endpoint:
        say("endpoints: servers already running; their weights are theirs, not chosen here")
        # sglang-bf16 first when given, else the first endpoint: the others' reference.
        specs = sorted(args.endpoint, key=lambda spec: spec.split("=", 1)[0] != REFERENCE)
        say(f"cos: against {specs[0].split('=', 1)[0]}")
        for spec in specs:
            name, url = spec.split("=", 1)
            profile = known.get(name, {})
            server = Server(
                name,
                profile.get("ENGINE", "sglang"),
                url.rstrip("/"),
                args.api_key,
                profile.get("SERVED_MODEL_NAME", "Qwen/Qwen3-Embedding-4B"),
            )
            share = args.budget_s or args.total_budget_s / len(specs)
            deadline = min(total_deadline, time.monotonic() + share)
            got_rows, vectors = check(server, texts, args, deadline, reference)
            rows += got_rows
            if reference is None:
                reference = vectors
            notes += [f"{name}: {n}" for n in sorted(server.notes)]
    else:
        if os.environ.get("CI"):
            say(
                "refusing to start engines in CI (CI is set): this check runs on a GPU machine, by hand"
            )
            return 2
        wanted = [p for p in args.profiles.split(",") if p] or list(known)
        unknown = [p for p in wanted if p not in known]
        if unknown:
            say(f"unknown profiles: {', '.join(unknown)} (have {', '.join(known)})")
            return 64
        # The reference first, so every other profile can be compared with it.
        wanted.sort(key=lambda p: p != REFERENCE)
        say(
            "weights: each profile's real checkpoint (MODEL_ID@MODEL_REVISION) from HF_HOME, never random"
        )
        runnable = [name for name in wanted if engine_installed(known[name])]
        for name in wanted:
            if name not in runnable:
                say(f"{name}: skipped, engine {known[name]['ENGINE']} not installed here")
        # Without --budget-s, the profiles that can run share the run's time equally.
        budget = args.budget_s or args.total_budget_s / max(1, len(runnable))
        for name in runnable:
            profile = known[name]
            if time.monotonic() > total_deadline - 30:
                say(f"{name}: skipped, the run's {args.total_budget_s:.0f} s are spent")
                continue
            deadline = min(total_deadline, time.monotonic() + budget)
            started_profile = start_profile(name, profile, deadline, say)
            if started_profile is None:
                continue
            process, server = started_profile
            try:
                got_rows, vectors = check(
                    server, texts, args, deadline, reference if name != REFERENCE else None
                )
            finally:
                stop(process)
            rows += got_rows
            if name == REFERENCE:
                reference = vectors
        if reference is None:
            notes.append(f"no {REFERENCE} vectors on this machine: cos columns empty")

    for line in render(rows):
        say(line)
    for note in notes:
        say(note)
    say(f"took {time.monotonic() - started:.1f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {"device": device_line(), "rows": [r.__dict__ for r in rows], "notes": notes},
                out,
                indent=2,
            )
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
