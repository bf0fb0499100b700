#!/usr/bin/env bash
# scripts/deps.sh — install the Debian packages vsp needs, only those that are missing.
# Runs apt-get as root, or through sudo otherwise.  Does nothing when all are present.
set -euo pipefail

PKGS=(build-essential pkg-config libgdal-dev gdal-bin libproj-dev proj-bin libpq-dev
      libcairo2-dev libinih-dev libssl-dev libgsl-dev libcmocka-dev postgresql postgresql-client
      poppler-utils)
# optional extras for the reference cross-checks (R spdep) — EXTRA=1 adds them
if [ "${VSP_DEPS_EXTRA:-0}" = 1 ]; then
	PKGS+=(r-base-core r-cran-spdep postgresql-15-postgis-3 man-db systemd valgrind)
fi
# the browser map (map.html): Node.js and npm install Leaflet into web/; Debian's packages only
# when the commands are missing (NodeSource's nodejs carries its own npm and conflicts with
# Debian's npm).  Its test drives Debian's Chromium: installed for CI (EXTRA=1).
command -v node >/dev/null || PKGS+=(nodejs)
command -v npm >/dev/null || PKGS+=(npm)
if [ "${VSP_DEPS_EXTRA:-0}" = 1 ]; then
	PKGS+=(chromium)
fi

# Leaflet (inlined into map.html) and playwright-core (its test), pinned by web/package-lock.json:
# `npm ci` when web/node_modules is missing or was installed from another lock file
web_deps() {
	local web
	web="$(cd "$(dirname "$0")/.." && pwd)/web"
	if ! cmp -s "$web/package-lock.json" "$web/node_modules/.vsp-lock"; then
		echo "deps: npm ci in web/ (Leaflet, playwright-core)"
		(cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$web/package-lock.json" "$web/node_modules/.vsp-lock"
	fi
}

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && { web_deps; exit 0; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
web_deps
