#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (/usr/bin/chromium). Install it when missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null; then
  echo "Chromium is missing and this user cannot install it; browser tests will be skipped." >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
echo "Installing Debian's chromium for the browser tests…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
