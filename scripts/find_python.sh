#!/usr/bin/env bash
# Prints the path of a Python of one of the given versions, the first found in this order:
#   scripts/find_python.sh 3.13 3.12
# pythonX.Y on PATH, then pyenv's installed X.Y.*, whose shims fail unless that version is
# selected, so each candidate is run, never trusted by name. Otherwise python3, said on stderr.
set -u

# The interpreter's own path if it runs and is that version (a shim resolves to the real one).
real_path() {
    "$1" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$2'; print(sys.executable)" 2>/dev/null
}

for version in "$@"; do
    real_path "python$version" "$version" && exit 0
done
if command -v pyenv >/dev/null 2>&1; then
    for version in "$@"; do
        newest=$(pyenv versions --bare 2>/dev/null | grep -E "^${version//./\\.}\.[0-9]+$" | sort -V | tail -n 1)
        [ -n "$newest" ] && real_path "$(pyenv prefix "$newest")/bin/python$version" "$version" && exit 0
    done
fi
echo "*** find_python.sh: no Python $* on PATH or in pyenv; falling back to python3 ($(python3 -V 2>&1)) ***" >&2
command -v python3
