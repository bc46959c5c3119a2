"""Modal deployment of the GPU worker: the image of one launch profile (GPU_PROFILE,
default from gpu-worker/worker.env; built from the profile's Dockerfile) on the
profile's cards (sglang-bf16: an L4, falling back to an A10), with weights on a Modal
Volume and Modal's proxy auth in front.

  modal secret create qwen3-embedding-worker SGLANG_API_KEY=<random, 24+ chars>
  GPU_PROFILE=sglang-bf16 modal run infra/modal/app.py::download_weights  # once
  GPU_PROFILE=sglang-bf16 modal deploy infra/modal/app.py    # prints the *.modal.run URL

Every value is explained in infra/modal/README.md. Ports come from
gpu-worker/worker.env; model, Dockerfile and cards from gpu-worker/profiles/ (a CI
test checks).
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import modal

HERE = Path(__file__).resolve().parent
GPU_WORKER_DIR = HERE.parent.parent / "gpu-worker"
# Inside the container the module is imported again; worker.env is then in the image.
IN_IMAGE_DIR = Path("/opt/gpu-worker")


def read_key_values(relative: str) -> dict[str, str]:
    """KEY=VALUE lines of a gpu-worker file, found locally or in the image."""
    for folder in (GPU_WORKER_DIR, IN_IMAGE_DIR):
        path = folder / relative
        if path.exists():
            pairs = (line.split("=", 1) for line in path.read_text().splitlines())
            return {k.strip(): v.strip() for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}
    raise FileNotFoundError(f"gpu-worker/{relative} not found locally or in the image")


WORKER = read_key_values("worker.env")
# The one variable that selects the launch profile (image, model, cards).
PROFILE_NAME = os.environ.get("GPU_PROFILE", WORKER["GPU_PROFILE"])
PROFILE = read_key_values(f"profiles/{PROFILE_NAME}.env")
SGLANG_PORT = int(WORKER["SGLANG_PORT"])
HEALTH_PORT = int(WORKER["HEALTH_PORT"])
WEIGHTS_MOUNT = "/models"  # the image's VOLUME; HF_HOME in worker.env lives under it

# The profile's cards in order of preference (sglang-bf16: L4 first, the cheapest 24 GB
# card here, A10 when no L4 is free).
GPU_TYPES = PROFILE["MODAL_GPUS"].split(",")
# Autoscaling: one container per card; scale to zero when idle.
MIN_CONTAINERS = 0
MAX_CONTAINERS = 4
SCALEDOWN_WINDOW_S = 120  # idle seconds before a container stops (billed while idle)
# Concurrent HTTP requests per container: the edge sends sub-batches of up to 16,384
# tokens; 8 in flight is ~2 full forward passes queued on an L4, which keeps the GPU
# busy without adding seconds of queueing. Up to 32 are accepted while new containers
# start.
TARGET_INPUTS = 8
MAX_INPUTS = 32
# Cold start: pulling the image, reading 8 GB of weights and SGLang's warm-up.
STARTUP_TIMEOUT_S = 900

app = modal.App(f"qwen3-embedding-worker-{PROFILE_NAME}")

image = (
    modal.Image.from_dockerfile(
        str(GPU_WORKER_DIR / PROFILE["DOCKERFILE"]), context_dir=str(GPU_WORKER_DIR)
    )
    .env({"GPU_PROFILE": PROFILE_NAME})
    .entrypoint([])  # Modal starts the process itself; serve() runs launch.sh
)
# The download needs only huggingface_hub, whatever the engine image holds.
downloader = modal.Image.debian_slim(python_version="3.12").pip_install("huggingface_hub==0.35.3")

weights = modal.Volume.from_name("qwen3-embedding-weights", create_if_missing=True)
worker_secret = modal.Secret.from_name("qwen3-embedding-worker")  # holds SGLANG_API_KEY


@app.function(image=downloader, volumes={WEIGHTS_MOUNT: weights}, timeout=3600)
def download_weights() -> None:
    """Fills the volume with the profile's pinned model revision (only WEIGHTS_PATTERN's
    files when set, e.g. one GGUF of many), once; serving never downloads."""
    from huggingface_hub import snapshot_download

    os.environ["HF_HOME"] = WORKER["HF_HOME"]
    pattern = PROFILE.get("WEIGHTS_PATTERN") or None
    path = snapshot_download(
        PROFILE["MODEL_ID"], revision=PROFILE["MODEL_REVISION"], allow_patterns=pattern
    )
    weights.commit()
    print(f"weights at {path}")


@app.function(
    image=image,
    gpu=GPU_TYPES,
    volumes={WEIGHTS_MOUNT: weights},
    secrets=[worker_secret],
    min_containers=MIN_CONTAINERS,
    max_containers=MAX_CONTAINERS,
    scaledown_window=SCALEDOWN_WINDOW_S,
    timeout=3600,
)
@modal.concurrent(max_inputs=MAX_INPUTS, target_inputs=TARGET_INPUTS)
@modal.web_server(port=SGLANG_PORT, startup_timeout=STARTUP_TIMEOUT_S, requires_proxy_auth=True)
def serve() -> None:
    """Starts launch.sh (readiness server + SGLang) and returns once an embedding round
    trip works, so Modal routes no request to a container that cannot answer it."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", WORKER_AUTH="api-key")
    subprocess.Popen([str(IN_IMAGE_DIR / "launch.sh")], env=env)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{HEALTH_PORT}/ready", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(2)
    raise RuntimeError(f"worker not ready after {STARTUP_TIMEOUT_S}s; see the container logs")
