#!/usr/bin/env bash
# Installs what grader needs on a fresh Debian/Ubuntu machine: bubblewrap (the sandbox), a virtualenv in
# .venv with the package and its dependencies. `--test` adds what the test suite needs (chromium for the
# browser test, the dev extra). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

system=(bubblewrap)
extra=""
if [[ "${1:-}" == "--test" ]]; then
    system+=(chromium)
    extra="[dev]"
fi

missing=()
for package in "${system[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup.sh: cannot install ${missing[*]} (not root, no sudo): install them with apt-get;" \
             "without bubblewrap the grader runs student code in its weaker, unsandboxed fallback" >&2
    fi
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "setup.sh: grader needs Python >= 3.11 ($python is $("$python" --version 2>&1)); set PYTHON=python3.11" >&2
    exit 1
}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".${extra}"
