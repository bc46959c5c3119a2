#!/usr/bin/env bash
# Brings the Debian packages a command needs before it runs: `npm start` needs
# redis-server, `npm test` also shellcheck (and chromium for the browser tests).
# Arguments are COMMAND=PACKAGE pairs; a package is installed only when its command is
# not on the PATH, with apt-get (through sudo when not root). Anything else exits 1
# with one line saying what to install by hand, so no command half-starts.
set -euo pipefail

missing=()
for pair in "$@"; do
  command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
done
((${#missing[@]})) || exit 0

hint="install them with 'apt-get install ${missing[*]}'"
sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "missing Debian packages: ${missing[*]}; not root and no sudo: $hint" >&2
    exit 1
  fi
  sudo=(sudo --non-interactive)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing Debian packages: ${missing[*]}; apt-get not found: $hint" >&2
  exit 1
fi

echo "installing Debian packages: ${missing[*]}" >&2
# Another install (a second test run, the machine's own updates) may hold dpkg's lock:
# wait for it rather than fail.
apt=(apt-get -qq -o DPkg::Lock::Timeout=300)
"${sudo[@]}" "${apt[@]}" update >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" "${apt[@]}" install -y "${missing[@]}" >&2

for pair in "$@"; do
  if ! command -v "${pair%%=*}" >/dev/null 2>&1; then
    echo "${pair%%=*} still not on the PATH after installing ${pair#*=}: $hint" >&2
    exit 1
  fi
done
