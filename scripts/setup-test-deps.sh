#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: the real
# `adb` binary and Android build tools (Debian packages), and a Python
# virtualenv with the third-party vendor client libraries used by the interop
# tests. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages. Keep this list in one place.
# The companion APK pipeline (android-app/build.sh) needs aapt, the
# framework resources, zipalign, apksigner and dexdump, plus a JDK (javac,
# keytool), Maven to resolve its Maven Central jars (honouring the user's
# settings.xml) and unzip for its checks.
APT_PACKAGES=(adb python3-venv aapt android-framework-res zipalign apksigner dexdump openjdk-17-jdk-headless maven unzip)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python interop clients (firebase-admin, ...), pinned in tests/interop/requirements.txt.
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum tests/interop/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python interop packages"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r tests/interop/requirements.txt
  echo "$want" > "$stamp"
fi
echo "setup: test dependencies ready"
