#!/bin/sh
# Headless Chromium and its WebDriver from Debian, for the docs test (tests/test_docs.py).
# Part of the README's set-up command: a no-op when both are already installed.
set -e
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "tools/install_chromium.sh: no apt-get here; install Chromium and chromedriver with your package manager" \
       "(the docs test looks for 'chromium' and 'chromedriver' on PATH, or CHROMIUM / CHROMEDRIVER)." >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# the package lists may be missing or stale on a fresh machine: update once and retry
$SUDO apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
  || { $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium chromium-driver; }
command -v chromium >/dev/null && command -v chromedriver >/dev/null
