#!/usr/bin/env bash
# Entrypoint of the GPU worker container: starts the readiness server on HEALTH_PORT,
# then replaces itself with the engine of the launch profile (GPU_PROFILE: SGLang, vLLM
# or llama.cpp's llama-server) serving Qwen3-Embedding-4B on SGLANG_PORT.
#
# Every flag comes from the environment, with defaults from worker.env and then
# profiles/$GPU_PROFILE.env beside this script. `launch.sh --print-args` prints the
# engine's command line, one word per line (API key redacted), and exits without
# starting anything: the CI tests and operators use it to see exactly what would run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# KEY=VALUE defaults from a file; a variable already set (platform, image) wins.
load_defaults() {
  local key value
  while IFS='=' read -r key value; do
    [[ -z "$key" || "$key" == \#* ]] && continue
    if [[ -z "${!key+set}" ]]; then
      export "$key=$value"
    fi
  done <"$1"
}

die() {
  echo "launch.sh: $*" >&2
  exit 64
}

load_defaults "$here/worker.env"
[[ "$GPU_PROFILE" =~ ^[a-z0-9-]+$ && -f "$here/profiles/$GPU_PROFILE.env" ]] ||
  die "GPU_PROFILE=$GPU_PROFILE: no such profile (see $here/profiles/)"
load_defaults "$here/profiles/$GPU_PROFILE.env"

# Each Dockerfile bakes in the engine it installs; a profile for another engine cannot
# start there (it would fail later, less clearly).
if [[ -n "${IMAGE_ENGINE:-}" && "$IMAGE_ENGINE" != "$ENGINE" ]]; then
  die "profile $GPU_PROFILE needs the $ENGINE image, this is the $IMAGE_ENGINE image"
fi

print_only=false
if [[ "${1:-}" == "--print-args" ]]; then
  print_only=true
fi

# RunPod's load balancer sends traffic to PORT and health checks to PORT_HEALTH; the
# worker listens where it is told, so the platform and the container cannot drift.
SGLANG_PORT="${PORT:-$SGLANG_PORT}"
HEALTH_PORT="${PORT_HEALTH:-$HEALTH_PORT}"
export SGLANG_PORT HEALTH_PORT
[[ "$SGLANG_PORT" != "$HEALTH_PORT" ]] ||
  die "SGLANG_PORT and HEALTH_PORT must differ (both are $SGLANG_PORT)"

if [[ -n "${MODEL_DIR:-}" && "$ENGINE" != llamacpp ]]; then
  [[ -f "$MODEL_DIR/config.json" ]] || die "MODEL_DIR=$MODEL_DIR has no config.json"
fi

# Who guards the port. `api-key` (default): the engine requires `Authorization: Bearer
# $SGLANG_API_KEY` on its API routes (not on /health and /metrics). `platform`: the
# platform's gateway is the only way in and owns the Authorization header (RunPod's
# load balancer admits only requests bearing a RunPod API key), so a second key there
# cannot work. All three engines take the key as `--api-key`.
auth_args=()
case "${WORKER_AUTH:-api-key}" in
  api-key)
    [[ -n "${SGLANG_API_KEY:-}" ]] ||
      die "SGLANG_API_KEY is empty: set it, or WORKER_AUTH=platform behind a gateway that authenticates"
    ((${#SGLANG_API_KEY} >= 24)) || die "SGLANG_API_KEY must be at least 24 characters"
    auth_args=(--api-key "$SGLANG_API_KEY")
    ;;
  platform)
    echo "launch.sh: WORKER_AUTH=platform: no in-container API key; only the platform gateway guards this worker" >&2
    ;;
  *) die "WORKER_AUTH must be api-key or platform, not '${WORKER_AUTH}'" ;;
esac

# SGLang (python/sglang/srt/server_args.py, v0.5.9).
sglang_command() {
  local model=(--model-path "$MODEL_ID" --revision "$MODEL_REVISION")
  [[ -n "${MODEL_DIR:-}" ]] && model=(--model-path "$MODEL_DIR")
  command=(python3 -m sglang.launch_server "${model[@]}"
    --served-model-name "$SERVED_MODEL_NAME"
    --host 0.0.0.0
    --port "$SGLANG_PORT"
    # An embedding server, not a generator: pools the last token's hidden state.
    --is-embedding
    # bf16, never fp16: fp16 overflows to NaN on some inputs for this model.
    --dtype "$DTYPE")
  # fp8: linear layers in FP8 (weights quantised at load, activations scaled on the
  # fly); norms, attention and the KV cache stay bf16.
  [[ -n "${QUANTIZATION:-}" ]] && command+=(--quantization "$QUANTIZATION")
  command+=(--context-length "$CONTEXT_LENGTH"
    # Qwen3-Embedding's config does not declare Matryoshka support, so SGLang rejects
    # `dimensions` unless told; the edge truncates and renormalises anyway.
    --json-model-override-args '{"is_matryoshka": true}'
    # /metrics on SGLANG_PORT: sglang:num_queue_reqs drives KEDA.
    --enable-metrics
    --mem-fraction-static "$MEM_FRACTION_STATIC"
    --max-running-requests "$MAX_RUNNING_REQUESTS"
    --chunked-prefill-size "$CHUNKED_PREFILL_SIZE"
    --max-prefill-tokens "$MAX_PREFILL_TOKENS")
}

# vLLM's OpenAI server (vllm/engine/arg_utils.py and entrypoints/openai/cli_args.py, v0.11.2).
vllm_command() {
  local model=("$MODEL_ID" --revision "$MODEL_REVISION")
  [[ -n "${MODEL_DIR:-}" ]] && model=("$MODEL_DIR")
  command=(vllm serve "${model[@]}"
    --served-model-name "$SERVED_MODEL_NAME"
    --host 0.0.0.0
    --port "$SGLANG_PORT"
    # The pooling runner; its default embed pooler is last-token + L2 norm, Qwen3's own.
    --runner pooling
    --dtype "$DTYPE"
    --max-model-len "$CONTEXT_LENGTH"
    # vLLM, like SGLang, refuses `dimensions` unless the config says Matryoshka.
    --hf-overrides '{"is_matryoshka": true}'
    --gpu-memory-utilization "$GPU_MEMORY_UTILIZATION"
    --max-num-batched-tokens "$MAX_NUM_BATCHED_TOKENS"
    --max-num-seqs "$MAX_NUM_SEQS")
}

# The one .gguf file of the profile in the Hugging Face cache under HF_HOME, where every
# weights download (RunPod's model cache, infra/modal download_weights, infra/k8s
# weights-job.yaml) puts it: hub/models--<org>--<name>/snapshots/<commit>/, with
# refs/<revision> holding the commit of a branch or tag.
gguf_in_hf_cache() {
  local repo_dir commit files
  repo_dir="$HF_HOME/hub/models--${MODEL_ID//\//--}"
  commit="$MODEL_REVISION"
  if [[ -f "$repo_dir/refs/$MODEL_REVISION" ]]; then
    commit="$(<"$repo_dir/refs/$MODEL_REVISION")"
  fi
  shopt -s nullglob
  # shellcheck disable=SC2206  # the pattern is meant to glob
  files=("$repo_dir/snapshots/$commit"/$WEIGHTS_PATTERN)
  shopt -u nullglob
  if ((${#files[@]} == 1)); then
    echo "${files[0]}"
  elif [[ "$print_only" == true ]]; then
    # Not downloaded here: show where it will be looked for.
    echo "$repo_dir/snapshots/<$MODEL_REVISION>/$WEIGHTS_PATTERN"
  else
    die "expected one $WEIGHTS_PATTERN of $MODEL_ID@$MODEL_REVISION under $HF_HOME, found ${#files[@]}: download the weights first"
  fi
}

# llama.cpp's llama-server (tools/server/README.md, build b6700).
llamacpp_command() {
  local model
  if [[ -n "${MODEL_DIR:-}" ]]; then
    [[ -n "${MODEL_FILE:-}" && -f "$MODEL_DIR/${MODEL_FILE:-}" ]] ||
      die "MODEL_DIR needs MODEL_FILE, a .gguf file in it"
    model="$MODEL_DIR/$MODEL_FILE"
  else
    model="$(gguf_in_hf_cache)"
  fi
  command=("$LLAMA_SERVER_BIN" --model "$model"
    --alias "$SERVED_MODEL_NAME"
    --host 0.0.0.0
    --port "$SGLANG_PORT"
    # Embeddings only, pooled on the last token (end-of-text, sent by the edge).
    --embedding
    --pooling last
    # Every layer on the GPU.
    --n-gpu-layers 999
    --ctx-size "$CTX_SIZE"
    --parallel "$PARALLEL_SLOTS"
    --batch-size "$BATCH_SIZE"
    --ubatch-size "$UBATCH_SIZE"
    # Without it an 8k-token micro-batch materialises 32 heads x 8k x 8k scores (8.6 GB).
    --flash-attn on
    # /metrics: llamacpp:requests_deferred drives KEDA.
    --metrics)
}

command=()
case "$ENGINE" in
  sglang) sglang_command ;;
  vllm) vllm_command ;;
  llamacpp) llamacpp_command ;;
  *) die "profile $GPU_PROFILE: unknown ENGINE '$ENGINE'" ;;
esac
command+=("${auth_args[@]}")

if [[ -n "${ENGINE_EXTRA_ARGS:-${SGLANG_EXTRA_ARGS:-}}" ]]; then
  read -r -a extra <<<"${ENGINE_EXTRA_ARGS:-${SGLANG_EXTRA_ARGS:-}}"
  command+=("${extra[@]}")
fi

if [[ "$print_only" == true ]]; then
  redact_next=false
  for arg in "${command[@]}"; do
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
exec "${command[@]}"
