#!/usr/bin/env bash
# Makes sure what the tests need is on this machine: Debian's Chromium for Playwright, Firefox ESR and
# WebKitGTK's WebDriver (with Xvfb, as MiniBrowser has no headless mode) for the other engines'
# browser scenarios (tests/engines/), redis-server, promtool (the alert rules' tests), and Redis on
# 127.0.0.1:6379. Installs them when root on Debian; otherwise stops with one line saying how.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
FIREFOX="${FIREFOX_PATH:-/usr/bin/firefox-esr}"
WEBKIT_DRIVER="${WEBKIT_WEBDRIVER_PATH:-/usr/bin/WebKitWebDriver}"
need_apt=()
[ -x "$CHROMIUM" ] || need_apt+=(chromium)
# Firefox ESR is driven over WebDriver BiDi (built in: no geckodriver); webkit2gtk-driver brings
# WebKitWebDriver and, through libwebkit2gtk-4.1-0, MiniBrowser; Xvfb gives MiniBrowser a display.
[ -x "$FIREFOX" ] || need_apt+=(firefox-esr)
[ -x "$WEBKIT_DRIVER" ] || need_apt+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || need_apt+=(xvfb)
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
# The readiness and fault tests start private redis-server processes, so the binary is needed even
# when a Redis already listens on :6379.
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The managed-Redis tests make a throwaway CA and certificate (TLS) with openssl, and build a Redis
# Cluster with redis-cli (Debian's redis-server brings redis-tools).
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# tests/alerts.test.ts unit-tests ops/prometheus/alerts.yml with promtool, from Debian's prometheus
# (Prometheus itself is never started here).
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need_apt[*]} from Debian's packages…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    [ -x "$CHROMIUM" ] || { echo "no Chromium at $CHROMIUM after installing: set CHROMIUM_PATH to its path" >&2; exit 1; }
    [ -x "$FIREFOX" ] || { echo "no Firefox ESR at $FIREFOX after installing: set FIREFOX_PATH to its path" >&2; exit 1; }
    [ -x "$WEBKIT_DRIVER" ] || { echo "no WebKitWebDriver at $WEBKIT_DRIVER after installing: set WEBKIT_WEBDRIVER_PATH to its path" >&2; exit 1; }
  else
    echo "missing ${need_apt[*]}: run 'sudo apt-get install -y ${need_apt[*]}' (or set CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_WEBDRIVER_PATH), then retry." >&2
    exit 1
  fi
fi

if ! redis_up; then
  echo "starting redis-server on 127.0.0.1:6379…"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "redis-server did not start on 127.0.0.1:6379" >&2; exit 1; }
fi
