#!/usr/bin/env bash
# Provisions and deploys one environment of the edge Worker (wrangler.toml [env.*]).
#
#   GPU_WORKER_URLS=https://<id>.api.runpod.ai,https://<ws>--qwen3-embedding-worker-serve.modal.run \
#   GPU_WORKER_TOKEN=... ADMIN_TOKEN=... UPSTASH_REDIS_REST_URL=... UPSTASH_REDIS_REST_TOKEN=... \
#     infra/cloudflare/provision.sh staging|production [--dry-run]
#
# 1. creates the Cloudflare resources the environment binds (KV namespaces, queues, R2
#    buckets), skipping ones that exist;
# 2. deploys the Worker with its secrets in the same step (wrangler deploy
#    --secrets-file), so code and secrets go live together and no secret is ever
#    typed on a command line or written outside a private temp directory;
# 3. sets GPU_WORKER_URLS, which is empty in git, from the environment.
#
# Required: GPU_WORKER_URLS, GPU_WORKER_TOKEN, ADMIN_TOKEN, UPSTASH_REDIS_REST_URL and
# UPSTASH_REDIS_REST_TOKEN (tenants, keys, limits and usage live there; see
# infra/upstash/README.md). Uploaded when set: GPU_WORKER_HEADERS (per-endpoint
# credentials such as Modal's; infra/README.md) and CACHE_UPSTASH_REDIS_REST_URL /
# CACHE_UPSTASH_REDIS_REST_TOKEN (a separate database for the vector cache).
# --dry-run builds the bundle (wrangler deploy --dry-run) and prints the commands it
# would run; it needs no Cloudflare login and uploads nothing.
set -euo pipefail

usage() {
  echo "usage: $0 staging|production [--dry-run]" >&2
  exit 64
}

env_name="${1:-}"
[[ "$env_name" == staging || "$env_name" == production ]] || usage
dry_run=false
case "${2:-}" in
  "") ;;
  --dry-run) dry_run=true ;;
  *) usage ;;
esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
export WRANGLER_SEND_METRICS=false

wrangler() {
  if [[ "$dry_run" == true && "$1" != deploy ]]; then
    echo "would run: wrangler $*"
    return 0
  fi
  npx --no-install wrangler "$@"
}

# Resources bound by [env.$env_name] in wrangler.toml, created as "<name>-$env_name".
# Queues: the usage, index and batch queues, each with its dead-letter queue
# (workers/metering/, workers/indexing/, workers/batches/); R2: the index bucket (document
# inputs and JSONL results; the Batch API's files under batch/). The IndexJobs and Batches
# Durable Objects need no resource: the deploy's [[migrations]] create their classes. Tenancy lives
# in Upstash Redis, not KV (a revocation must hold everywhere within seconds). Add new
# KV or R2 bindings here and their ids to the matching [[env.*.kv_namespaces]] blocks.
kv_namespaces=()
queues=(qwen3-usage qwen3-usage-dlq qwen3-index qwen3-index-dlq qwen3-batch qwen3-batch-dlq)
r2_buckets=(qwen3-index)

ensure_kv() {
  wrangler kv namespace create "$1" --env "$env_name" || echo "kv namespace $1 not created (it may already exist)"
}

ensure_queue() {
  wrangler queues create "$1-$env_name" || echo "queue $1-$env_name not created (it may already exist)"
}

ensure_bucket() {
  wrangler r2 bucket create "$1-$env_name" || echo "bucket $1-$env_name not created (it may already exist)"
}

require() {
  local name="$1"
  if [[ -z "${!name:-}" ]]; then
    if [[ "$dry_run" == true ]]; then
      echo "note: $name is not set (required for a real deploy)"
      return 0
    fi
    echo "$name is not set" >&2
    exit 64
  fi
}

require GPU_WORKER_URLS
require GPU_WORKER_TOKEN
require ADMIN_TOKEN
require UPSTASH_REDIS_REST_URL
require UPSTASH_REDIS_REST_TOKEN
if [[ "${GPU_WORKER_URLS:-}" == *127.0.0.1* || "${GPU_WORKER_URLS:-}" == *localhost* ]]; then
  echo "GPU_WORKER_URLS points at this machine; give the deployed GPU endpoints" >&2
  exit 64
fi

if [[ "$dry_run" == false ]]; then
  npx --no-install wrangler whoami >/dev/null || {
    echo "not logged in: run 'npx wrangler login' or set CLOUDFLARE_API_TOKEN" >&2
    exit 1
  }
fi

echo "== $env_name: resources"
((${#kv_namespaces[@]} + ${#queues[@]} + ${#r2_buckets[@]})) || echo "none bound yet (vars and secrets only)"
for name in "${kv_namespaces[@]}"; do ensure_kv "$name"; done
for name in "${queues[@]}"; do ensure_queue "$name"; done
for name in "${r2_buckets[@]}"; do ensure_bucket "$name"; done

echo "== $env_name: deploy with secrets"
private_dir="$(mktemp -d)"
trap 'rm -rf "$private_dir"' EXIT
chmod 700 "$private_dir"
secrets_file="$private_dir/secrets.json"
# JSON written by python3 from the environment, so no value passes through argv.
python3 - "$secrets_file" <<'PY'
import json, os, sys
names = ["GPU_WORKER_TOKEN", "GPU_WORKER_HEADERS", "ADMIN_TOKEN", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "CACHE_UPSTASH_REDIS_REST_URL", "CACHE_UPSTASH_REDIS_REST_TOKEN"]
secrets = {n: os.environ[n] for n in names if os.environ.get(n)}
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as out:
    json.dump(secrets, out)
print("secrets: " + (", ".join(sorted(secrets)) or "none"))
PY

# The console's and docs page's assets (wrangler.toml [assets]) are built before wrangler
# bundles and uploads them.
echo "== $env_name: static assets"
npm run --silent build:assets

deploy_args=(deploy --env "$env_name" --var "GPU_WORKER_URLS:${GPU_WORKER_URLS:-}" --secrets-file "$secrets_file")
if [[ "$dry_run" == true ]]; then
  outdir="$private_dir/bundle"
  echo "would run: wrangler deploy --env $env_name --var GPU_WORKER_URLS:<urls> --secrets-file <private file>"
  wrangler deploy --env "$env_name" --dry-run --outdir "$outdir" >/dev/null
  echo "bundle builds: $(find "$outdir" -type f ! -name '*.map' | wc -l) file(s) in --dry-run"
else
  wrangler "${deploy_args[@]}"
fi
