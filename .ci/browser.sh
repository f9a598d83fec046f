#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver for the end-to-end browser test
# (crates/perfuse-server/tests/browser.rs). Idempotent: does nothing when both are present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
chromium --version
chromedriver --version
