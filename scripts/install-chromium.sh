#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the browser tests (no Playwright browser download).
# Idempotent: does nothing when /usr/bin/chromium (or $SYNAPTOGEN_CHROMIUM) is already there.
# Exit 0 when Chromium is available afterwards, 1 when it could not be installed (tests then skip).
set -euo pipefail

CHROMIUM="${SYNAPTOGEN_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: found $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: $CHROMIUM is missing and apt-get is not available; install Chromium yourself or set SYNAPTOGEN_CHROMIUM" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "chromium: $CHROMIUM is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
fi

echo "chromium: installing Debian's chromium package with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [ -x /usr/bin/chromium ]; then
  echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
echo "chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
exit 1
