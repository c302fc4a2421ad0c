#!/bin/sh
# python_test.sh - the Python package's tests (python/tests, unittest) against
# the tree's libarena.so.2, then an offline install of the package (pip
# install --no-build-isolation --no-index into a scratch directory) that
# must import and find the library.  What make python-check runs.
# PYTHON defaults to Debian's /usr/bin/python3 (where tools/deps.sh installs
# numpy, pip and setuptools), else the python3 on PATH.  Skipped for a SANITIZE build: its shared
# library cannot be loaded into an interpreter built without the sanitizer.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
fail() { echo "python_test: $*" >&2; exit 1; }

if [ -n "${SANITIZE:-}" ]; then
	echo "python_test: skipped (SANITIZE=$SANITIZE build)"; exit 0
fi
command -v "$PYTHON" >/dev/null 2>&1 || fail "no $PYTHON (tools/deps.sh installs python3)"
[ -f "$top/libarena.so.2" ] || fail "$top/libarena.so.2 missing; run make first"
[ -x "$top/tests/py_helper" ] || fail "$top/tests/py_helper missing; make tests/py_helper"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# From python/, so that the top directory's libarena.so cannot shadow the
# package; the tree's library is the one found (no LIBARENA_LIBRARY).
(cd "$top/python" && unset LIBARENA_LIBRARY &&
	PYTHONPATH="$top/python" PYTHONDONTWRITEBYTECODE=1 \
	exec "$PYTHON" -m unittest discover -s tests) &
pid=$!
wait $pid; status=$?
left=$(ls /dev/shm 2>/dev/null | grep -E "^arena-test-py-$pid-")
if [ -n "$left" ]; then
	for s in $left; do rm -f "/dev/shm/$s"; done
	fail "the tests left segments in /dev/shm: $left"
fi
[ $status -eq 0 ] || fail "the Python tests failed"

# The offline install, from a copy (pip builds in the source directory);
# with Debian's python3 when PYTHON lacks pip, setuptools or wheel.
PIP_PY=$PYTHON
"$PIP_PY" -c 'import setuptools, wheel' 2>/dev/null && "$PIP_PY" -m pip --version >/dev/null 2>&1 || PIP_PY=/usr/bin/python3
if "$PIP_PY" -c 'import setuptools, wheel' 2>/dev/null && "$PIP_PY" -m pip --version >/dev/null 2>&1; then
	cp -r "$top/python" "$tmp/src" && rm -rf "$tmp/src/build" "$tmp/src/"*.egg-info
	"$PIP_PY" -m pip install -q --no-index --no-build-isolation \
		--disable-pip-version-check --root-user-action=ignore \
		--target "$tmp/site" "$tmp/src" > "$tmp/pip.log" 2>&1 ||
		{ cat "$tmp/pip.log" >&2; fail "pip install --no-build-isolation ./python failed"; }
	out=$(cd "$tmp" && PYTHONPATH="$tmp/site" LIBARENA_LIBRARY="$top/libarena.so.2" \
		"$PIP_PY" -c 'import libarena; print(libarena.library_version, libarena.__file__)') ||
		fail "the installed package does not import"
	case $out in
	"2.1.0 $tmp/site/libarena/__init__.py") ;;
	*) fail "the installed package says '$out'" ;;
	esac
	echo "python_test: unittest ($PYTHON), and an offline pip install ($PIP_PY): ok"
else
	echo "python_test: unittest ok ($PYTHON); no python3 with pip, setuptools and wheel: install not tried"
fi
