#!/usr/bin/env bash
# Creates the RunPod side of the GPU pool: a Serverless template for the gpu-worker
# image of one launch profile and a load-balancing endpoint on that profile's cards.
#
#   RUNPOD_API_KEY=... GPU_WORKER_IMAGE=registry/qwen3-embedding-worker:0.1.0 \
#     infra/runpod/create-endpoint.sh            # creates, prints the endpoint URL
#   infra/runpod/create-endpoint.sh --dry-run    # prints the three request bodies only
#
# GPU_PROFILE (default from gpu-worker/worker.env) selects the profile: the image tag
# gets `-<profile>` appended (the image built for it, gpu-worker/README.md), and the GPU
# pools, card types and minimum CUDA version come from gpu-worker/profiles/<profile>.env.
#
# Optional: RUNPOD_NETWORK_VOLUME_ID (weights volume, see README), RUNPOD_ENDPOINT_NAME,
# RUNPOD_WORKERS_MIN, RUNPOD_WORKERS_MAX, RUNPOD_IDLE_TIMEOUT_S, RUNPOD_SCALER_VALUE.
# Every value is explained in infra/runpod/README.md. Needs curl and python3.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Plain KEY=VALUE lines (values may hold spaces, so they are read, not sourced); a
# variable already set in the environment wins, as in launch.sh.
load_defaults() {
  local key value
  while IFS='=' read -r key value; do
    [[ -z "$key" || "$key" == \#* ]] && continue
    if [[ -z "${!key+set}" ]]; then
      export "$key=$value"
    fi
  done <"$1"
}
load_defaults "$repo/gpu-worker/worker.env"
profile_file="$repo/gpu-worker/profiles/$GPU_PROFILE.env"
[[ "$GPU_PROFILE" =~ ^[a-z0-9-]+$ && -f "$profile_file" ]] ||
  { echo "GPU_PROFILE=$GPU_PROFILE: no such profile in gpu-worker/profiles" >&2; exit 64; }
load_defaults "$profile_file"

dry_run=false
[[ "${1:-}" == "--dry-run" ]] && dry_run=true

rest="https://rest.runpod.io/v1"
graphql="https://api.runpod.io/graphql"

export IMAGE="${GPU_WORKER_IMAGE:-}"
export ENDPOINT_NAME="${RUNPOD_ENDPOINT_NAME:-qwen3-embedding-4b-$GPU_PROFILE}"
export WORKERS_MIN="${RUNPOD_WORKERS_MIN:-0}"
export WORKERS_MAX="${RUNPOD_WORKERS_MAX:-3}"
export IDLE_TIMEOUT_S="${RUNPOD_IDLE_TIMEOUT_S:-120}"
export SCALER_VALUE="${RUNPOD_SCALER_VALUE:-8}"
export NETWORK_VOLUME_ID="${RUNPOD_NETWORK_VOLUME_ID:-}"

if [[ "$dry_run" == false ]]; then
  [[ -n "${RUNPOD_API_KEY:-}" ]] || { echo "RUNPOD_API_KEY is not set" >&2; exit 64; }
  [[ -n "$IMAGE" ]] || { echo "GPU_WORKER_IMAGE is not set (the image you built from gpu-worker/Dockerfile and pushed)" >&2; exit 64; }
fi
[[ -n "$IMAGE" ]] || IMAGE="<GPU_WORKER_IMAGE>"
# One image per profile: its tag ends with the profile's name.
IMAGE="$IMAGE-$GPU_PROFILE"

# Builds one request body as JSON; python3 does the quoting.
body() {
  python3 - "$1" "${2:-}" <<'PY'
import json, os, sys
kind, arg = sys.argv[1], sys.argv[2]
e = os.environ
if kind == "template":
    body = {
        "name": e["ENDPOINT_NAME"] + "-worker",
        "imageName": e["IMAGE"],
        "isServerless": True,
        "containerDiskInGb": 20,
        "ports": [f"{e['SGLANG_PORT']}/http", f"{e['HEALTH_PORT']}/http"],
        "env": {
            # RunPod's load balancer routes traffic to PORT and polls /ping on PORT_HEALTH.
            "PORT": e["SGLANG_PORT"],
            "PORT_HEALTH": e["HEALTH_PORT"],
            # The image bakes in its profile; naming it again makes a mismatch fail fast.
            "GPU_PROFILE": e["GPU_PROFILE"],
            # The gateway only admits `Authorization: Bearer <RunPod API key>`; SGLang's
            # --api-key reads the same header, so the gateway is the guard here.
            "WORKER_AUTH": "platform",
            # Network volumes and RunPod's cached models both mount at /runpod-volume.
            "HF_HOME": "/runpod-volume/huggingface-cache",
        },
    }
elif kind == "endpoint":
    body = {
        "query": "mutation saveEndpoint($input: EndpointInput!) { saveEndpoint(input: $input) { id name type gpuIds workersMin workersMax idleTimeout } }",
        "variables": {"input": {
            "name": e["ENDPOINT_NAME"],
            "templateId": arg,
            "type": "LB",  # load balancer: direct HTTP to the worker, no job queue
            "gpuIds": e["RUNPOD_GPU_POOLS"],  # the profile's pools; narrowed to exact cards below
            "gpuCount": 1,
            "workersMin": int(e["WORKERS_MIN"]),
            "workersMax": int(e["WORKERS_MAX"]),
            "idleTimeout": int(e["IDLE_TIMEOUT_S"]),
            "scalerType": "REQUEST_COUNT",
            "scalerValue": int(e["SCALER_VALUE"]),
            **({"networkVolumeId": e["NETWORK_VOLUME_ID"]} if e["NETWORK_VOLUME_ID"] else {}),
        }},
    }
elif kind == "endpoint-patch":
    body = {
        # Rented in the profile's order (sglang-bf16: L4 first, then the Ampere 24 GB
        # card at the same price).
        "gpuTypeIds": e["RUNPOD_GPU_TYPES"].split(","),
        # The engine image's CUDA build.
        "minCudaVersion": e["MIN_CUDA_VERSION"],
        "flashboot": True,
    }
else:
    raise SystemExit(f"unknown body {kind}")
print(json.dumps(body, indent=2))
PY
}

json_field() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); [d:=d[k] for k in sys.argv[1:]]; print(d)' "$@"
}

if [[ "$dry_run" == true ]]; then
  echo "# POST $rest/templates"
  body template
  echo "# POST $graphql"
  body endpoint "<templateId>"
  echo "# PATCH $rest/endpoints/<endpointId>"
  body endpoint-patch
  exit 0
fi

auth=(-H "Authorization: Bearer $RUNPOD_API_KEY" -H "Content-Type: application/json")

template_id="$(body template | curl -fsS "${auth[@]}" -X POST "$rest/templates" --data-binary @- | json_field id)"
echo "template: $template_id"

answer="$(body endpoint "$template_id" | curl -fsS "${auth[@]}" -X POST "$graphql" --data-binary @-)"
if ! endpoint_id="$(json_field data saveEndpoint id <<<"$answer")"; then
  echo "saveEndpoint failed: $answer" >&2
  exit 1
fi
echo "endpoint: $endpoint_id"

body endpoint-patch | curl -fsS "${auth[@]}" -X PATCH "$rest/endpoints/$endpoint_id" --data-binary @- >/dev/null
echo "pinned GPU types, CUDA >= $MIN_CUDA_VERSION, FlashBoot on"

cat <<EOF

Endpoint ready to receive traffic once a worker's /ping answers 200:
  base URL for the edge (GPU_WORKER_URLS): https://$endpoint_id.api.runpod.ai
  edge token (GPU_WORKER_TOKEN): a RunPod API key restricted to this endpoint
Check it:
  curl -H "Authorization: Bearer \$RUNPOD_API_KEY" https://$endpoint_id.api.runpod.ai/ping
EOF
