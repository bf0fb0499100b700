#!/usr/bin/env bash
# scripts/deps.sh — install the Debian packages vsp needs, only those that are missing.
# Runs apt-get as root, or through sudo otherwise.  Does nothing when all are present.
set -euo pipefail

PKGS=(build-essential pkg-config libgdal-dev gdal-bin libproj-dev proj-bin libpq-dev
      libcairo2-dev libinih-dev libssl-dev libcmocka-dev postgresql postgresql-client
      poppler-utils)
# optional extras for the reference cross-checks (R spdep) — EXTRA=1 adds them
if [ "${VSP_DEPS_EXTRA:-0}" = 1 ]; then
	PKGS+=(r-base-core r-cran-spdep postgresql-15-postgis-3)
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
