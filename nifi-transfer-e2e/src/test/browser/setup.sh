#!/usr/bin/env bash
# Set-up for the browser tests (BrowserIT), owned by the project and run by Maven before the integration tests
# (exec-maven-plugin, phase pre-integration-test, in nifi-transfer-e2e/pom.xml):
#   1. Debian's chromium at /usr/bin/chromium (apt-get, when it is missing; CI runs as root on Debian);
#   2. playwright-core, pinned in package-lock.json, installed with `npm ci` into node_modules/ here.
# Playwright never downloads a browser of its own: the UI script launches /usr/bin/chromium (executablePath).
# Idempotent and quick when everything is installed: nothing is fetched then. Fails with a clear message otherwise.
# Environment: CHROMIUM (default /usr/bin/chromium) names the browser the tests use.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"

fail() {
    echo "browser setup: $*" >&2
    exit 1
}

# 1. Chromium
if [[ ! -x "$chromium" ]]; then
    if [[ "$chromium" != /usr/bin/chromium ]]; then
        fail "CHROMIUM=$chromium is not an executable file"
    fi
    command -v apt-get >/dev/null 2>&1 \
        || fail "/usr/bin/chromium is missing and apt-get is not available: install Debian's chromium package yourself"
    sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null 2>&1 \
            || fail "/usr/bin/chromium is missing; installing it needs root (or sudo): apt-get install chromium"
        sudo=(sudo -n)
    fi
    echo "browser setup: installing Debian's chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq \
        || fail "apt-get update failed: is the Debian package mirror reachable? (install chromium yourself to skip this)"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || fail "apt-get install chromium failed (install Debian's chromium package yourself to skip this)"
    [[ -x "$chromium" ]] || fail "apt-get installed chromium but $chromium is still missing"
fi

# 2. playwright-core from package-lock.json
command -v node >/dev/null 2>&1 || fail "node is not installed (Node.js 20 or newer is needed for playwright-core)"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (it comes with Node.js)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= 20 )) || fail "Node.js $(node -v) is too old: playwright-core needs 20 or newer"

wanted="$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' "$here/package-lock.json")"
installed=""
if [[ -f "$here/node_modules/playwright-core/package.json" ]]; then
    installed="$(node -p 'require(process.argv[1]).version' "$here/node_modules/playwright-core/package.json")"
fi
if [[ "$installed" != "$wanted" ]]; then
    echo "browser setup: npm ci (playwright-core $wanted)"
    # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core has no install script, but never let anything fetch a browser.
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefer-offline --loglevel=error) \
        || fail "npm ci failed in $here: is the npm registry reachable (or the package in npm's cache)?"
fi

echo "browser setup: ready: $("$chromium" --version 2>/dev/null | head -1), playwright-core $wanted"
