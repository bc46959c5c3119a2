#!/usr/bin/env bash
# Entrypoint of the GPU worker container: starts the readiness server on HEALTH_PORT,
# then replaces itself with SGLang serving Qwen3-Embedding-4B on SGLANG_PORT.
#
# Every flag comes from the environment, with defaults from worker.env beside this
# script. `launch.sh --print-args` prints the SGLang command line (API key redacted)
# and exits without starting anything: the CI test and operators use it to see exactly
# what would run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Defaults from worker.env; a variable already set by the platform wins.
while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  if [[ -z "${!key+set}" ]]; then
    export "$key=$value"
  fi
done <"$here/worker.env"

print_only=false
if [[ "${1:-}" == "--print-args" ]]; then
  print_only=true
fi

die() {
  echo "launch.sh: $*" >&2
  exit 64
}

# RunPod's load balancer sends traffic to PORT and health checks to PORT_HEALTH; the
# worker listens where it is told, so the platform and the container cannot drift.
SGLANG_PORT="${PORT:-$SGLANG_PORT}"
HEALTH_PORT="${PORT_HEALTH:-$HEALTH_PORT}"
export SGLANG_PORT HEALTH_PORT
[[ "$SGLANG_PORT" != "$HEALTH_PORT" ]] ||
  die "SGLANG_PORT and HEALTH_PORT must differ (both are $SGLANG_PORT)"

# Weights: a directory that already holds the model (MODEL_DIR), or the Hugging Face
# id resolved through the cache under HF_HOME on the mounted volume.
model_args=(--model-path "$MODEL_ID" --revision "$MODEL_REVISION")
if [[ -n "${MODEL_DIR:-}" ]]; then
  [[ -f "$MODEL_DIR/config.json" ]] || die "MODEL_DIR=$MODEL_DIR has no config.json"
  model_args=(--model-path "$MODEL_DIR")
fi

args=(
  "${model_args[@]}"
  --served-model-name "$SERVED_MODEL_NAME"
  --host 0.0.0.0
  --port "$SGLANG_PORT"
  # An embedding server, not a generator: pools the last token's hidden state.
  --is-embedding
  # bf16, never fp16: fp16 overflows to NaN on some inputs for this model.
  --dtype "$DTYPE"
  --context-length "$CONTEXT_LENGTH"
  # Qwen3-Embedding's config does not declare Matryoshka support, so SGLang rejects
  # `dimensions` unless told; the edge truncates and renormalises anyway.
  --json-model-override-args '{"is_matryoshka": true}'
  # /metrics on SGLANG_PORT: sglang:num_queue_reqs drives KEDA.
  --enable-metrics
  --mem-fraction-static "$MEM_FRACTION_STATIC"
  --max-running-requests "$MAX_RUNNING_REQUESTS"
  --chunked-prefill-size "$CHUNKED_PREFILL_SIZE"
  --max-prefill-tokens "$MAX_PREFILL_TOKENS"
)

# Who guards the port. `api-key` (default): SGLang requires `Authorization: Bearer
# $SGLANG_API_KEY` on every route but /health and /metrics. `platform`: the platform's
# gateway is the only way in and owns the Authorization header (RunPod's load balancer
# admits only requests bearing a RunPod API key), so a second key there cannot work.
case "${WORKER_AUTH:-api-key}" in
  api-key)
    [[ -n "${SGLANG_API_KEY:-}" ]] ||
      die "SGLANG_API_KEY is empty: set it, or WORKER_AUTH=platform behind a gateway that authenticates"
    ((${#SGLANG_API_KEY} >= 24)) || die "SGLANG_API_KEY must be at least 24 characters"
    args+=(--api-key "$SGLANG_API_KEY")
    ;;
  platform)
    echo "launch.sh: WORKER_AUTH=platform: no in-container API key; only the platform gateway guards this worker" >&2
    ;;
  *) die "WORKER_AUTH must be api-key or platform, not '${WORKER_AUTH}'" ;;
esac

if [[ -n "${SGLANG_EXTRA_ARGS:-}" ]]; then
  read -r -a extra <<<"$SGLANG_EXTRA_ARGS"
  args+=("${extra[@]}")
fi

if [[ "$print_only" == true ]]; then
  redact_next=false
  for arg in "${args[@]}"; do
    if [[ "$redact_next" == true ]]; then
      echo "<redacted>"
      redact_next=false
      continue
    fi
    echo "$arg"
    [[ "$arg" == "--api-key" ]] && redact_next=true
  done
  exit 0
fi

mkdir -p "$HF_HOME"
python3 "$here/health_server.py" &
exec python3 -m sglang.launch_server "${args[@]}"
