"""Readiness endpoint of the GPU worker, on its own port (HEALTH_PORT).

SGLang answers /health as soon as its HTTP server is up, before the model can embed
anything, so a platform that trusts it routes traffic to a worker that cannot serve.
This server instead proves readiness with a real embedding round trip against
SGLang on 127.0.0.1:SGLANG_PORT and reports:

  GET /ping   204 while loading, 200 once a round trip worked, 503 when round trips
              keep failing after that (RunPod load balancers read exactly these codes)
  GET /ready  200 when ready, 503 otherwise (Kubernetes counts 204 as success, so its
              readiness probe must not use /ping)
  GET /live   200 while loading or ready, 503 once unhealthy (liveness: restart)

Standard library only: it runs inside the SGLang image next to SGLang itself.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOADING, READY, UNHEALTHY = "loading", "ready", "unhealthy"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


class Readiness:
    """The worker's state, moved only by the prober thread."""

    def __init__(self, failures_before_unhealthy: int) -> None:
        self._lock = threading.Lock()
        self._state = LOADING
        self._detail = "model loading"
        self._failures = 0
        self._threshold = failures_before_unhealthy
        self._last_ok = 0.0

    def snapshot(self) -> tuple[str, str, float]:
        with self._lock:
            return self._state, self._detail, self._last_ok

    def record(self, ok: bool, detail: str) -> None:
        with self._lock:
            before = self._state
            if ok:
                self._state, self._failures, self._last_ok = READY, 0, time.time()
            elif self._state != LOADING:
                self._failures += 1
                if self._failures >= self._threshold:
                    self._state = UNHEALTHY
            self._detail = detail
            after = self._state
        if after != before:
            log(f"state {before} -> {after}: {detail}")


def log(message: str) -> None:
    print(f"health_server: {message}", file=sys.stderr, flush=True)


def embedding_round_trip(base_url: str, model: str, api_key: str, dims: int, timeout: float) -> str:
    """Embeds one short text; returns '' when the answer is a usable vector, else why not."""
    body = json.dumps({"model": model, "input": ["readiness probe"], "encoding_format": "float"})
    request = urllib.request.Request(
        f"{base_url}/v1/embeddings",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as error:
        return f"SGLang answered HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"SGLang unreachable or unreadable: {error}"
    try:
        vector = payload["data"][0]["embedding"]
    except (KeyError, IndexError, TypeError):
        return "answer has no data[0].embedding"
    if not isinstance(vector, list) or len(vector) != dims:
        return f"embedding has {len(vector) if isinstance(vector, list) else 'no'} values, expected {dims}"
    if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in vector):
        return "embedding has non-finite values (fp16 overflow? run bf16)"
    if math.fsum(x * x for x in vector) <= 0.0:
        return "embedding is all zeros"
    return ""


def probe_forever(state: Readiness) -> None:
    base_url = f"http://127.0.0.1:{env_int('SGLANG_PORT', 8000)}"
    model = os.environ.get("SERVED_MODEL_NAME", "Qwen/Qwen3-Embedding-4B")
    api_key = os.environ.get("SGLANG_API_KEY", "") if os.environ.get("WORKER_AUTH", "api-key") == "api-key" else ""
    dims = env_int("EXPECTED_DIMS", 2560)
    loading_every = env_float("HEALTH_POLL_LOADING_S", 2.0)
    ready_every = env_float("HEALTH_POLL_READY_S", 15.0)
    timeout = env_float("HEALTH_PROBE_TIMEOUT_S", 10.0)
    while True:
        problem = embedding_round_trip(base_url, model, api_key, dims, timeout)
        state.record(problem == "", problem or "embedding round trip ok")
        current, _, _ = state.snapshot()
        time.sleep(loading_every if current == LOADING else ready_every)


def make_handler(state: Readiness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "gpu-worker-health"

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            current, detail, last_ok = state.snapshot()
            path = self.path.split("?", 1)[0]
            if path == "/ping":
                status = {LOADING: 204, READY: 200, UNHEALTHY: 503}[current]
            elif path == "/ready":
                status = 200 if current == READY else 503
            elif path == "/live":
                status = 503 if current == UNHEALTHY else 200
            else:
                self._send(404, {"error": "not found"})
                return
            age = round(time.time() - last_ok, 1) if last_ok else None
            self._send(status, {"status": current, "detail": detail, "last_ok_age_s": age})

        def _send(self, status: int, body: dict) -> None:
            self.send_response(status)
            if status == 204:  # a 204 carries no body
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # probes every few seconds would drown the SGLang logs

    return Handler


def main() -> None:
    state = Readiness(env_int("HEALTH_FAILURES_BEFORE_UNHEALTHY", 3))
    threading.Thread(target=probe_forever, args=(state,), daemon=True).start()
    port = env_int("HEALTH_PORT", 8001)
    server = ThreadingHTTPServer(("0.0.0.0", port), make_handler(state))
    log(f"listening on :{port}, probing SGLang on :{env_int('SGLANG_PORT', 8000)}")
    server.serve_forever()


if __name__ == "__main__":
    main()
