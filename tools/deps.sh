#!/bin/sh
# deps.sh - install the build dependencies that are missing (Debian).
# Needs: a C compiler, pkg-config, Check (check.h), liburcu (urcu/uatomic.h);
# the tests also use a C++ compiler, mandoc, and Debian's python3 with pip,
# setuptools and numpy (the Python package's tests: an offline install, and
# views that numpy.frombuffer reads without a copy).
have_hdr() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1; }
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
have_hdr check.h || missing="$missing check"
have_hdr urcu/uatomic.h || missing="$missing liburcu-dev"
command -v "${CC:-cc}" >/dev/null 2>&1 || missing="$missing gcc"
command -v c++ >/dev/null 2>&1 || missing="$missing g++"
command -v mandoc >/dev/null 2>&1 || missing="$missing mandoc"
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing="$missing python3-numpy"
	/usr/bin/python3 -c 'import setuptools, wheel, pip' 2>/dev/null ||
		missing="$missing python3-pip python3-setuptools python3-wheel"
else
	missing="$missing python3 python3-numpy python3-pip python3-setuptools python3-wheel"
fi
[ -z "$missing" ] && exit 0
echo "deps.sh: installing missing build dependencies:$missing"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: no apt-get here; install$missing by hand" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq >/dev/null &&
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null ||
	{ echo "deps.sh: apt-get install$missing failed" >&2; exit 1; }
echo "deps.sh: installed$missing"
