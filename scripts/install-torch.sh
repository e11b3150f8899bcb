#!/usr/bin/env bash
# Installs Debian's python3-torch for the PyTorch peer of the wasm-* benchmarks (apps/bench): no pip, no
# download outside the distribution's packages. Idempotent: does nothing when `import torch` works.
# Exit 0 when PyTorch is importable afterwards, 1 when it could not be installed (the peer figures are
# then skipped).
set -euo pipefail

if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  echo "torch: found $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "torch: python3-torch is missing and apt-get is not available; install PyTorch for /usr/bin/python3 yourself" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "torch: python3-torch is missing and installing it needs root (apt-get install -y python3-torch)" >&2
  exit 1
fi

echo "torch: installing Debian's python3-torch with apt-get (once)"
export DEBIAN_FRONTEND=noninteractive
# the package lists may be old or absent on a fresh machine: update them when the first try fails
apt-get install -y -qq --no-install-recommends python3-torch >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-torch >/dev/null; }
if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  echo "torch: installed"
  exit 0
fi
echo "torch: apt-get finished but \`import torch\` still fails" >&2
exit 1
