#!/bin/sh
# run.sh - build and run libarena's benchmark suite; what `make bench` runs.
#
#   sh tests/bench/run.sh
#
# 1. Installs the optional peers when they are missing and it can (root or
#    password-less sudo, apt-get): libjemalloc-dev, libmimalloc-dev,
#    libboost-dev, gnuplot-nox; for the IPC benchmark libzmq3-dev,
#    iceoryx (iox-roudi) and libiceoryx-binding-c-dev.  Set
#    BENCH_NO_INSTALL=1 to skip this; a peer that is still missing is
#    skipped and the table says so ("not available: ...").
# 2. Builds tests/bench/bench (with Boost.Interprocess when its headers are
#    there), and tests/bench/bench-jemalloc, bench-mimalloc: the same program
#    linked against those allocators, which it runs for their rows.
# 3. Runs it: prints the table, writes tests/bench/results.csv, and with
#    gnuplot tests/bench/throughput.png.
# 4. Builds and runs tests/bench/ipc (ipc.c: channels against the floors
#    and the IPC peers, about 2 to 3 minutes): prints its table, writes
#    tests/bench/ipc_results.csv and, with gnuplot, tests/bench/ipc.png.
# 5. Runs tests/bench/py_bench.py (suite "py", about 20 s): 1 MiB and
#    64-byte payloads from one Python process to another through a
#    libarena channel, multiprocessing.Queue and multiprocessing.shared_memory
#    by hand; prints the ratios and PASS or MISS for the target (the arena
#    20 times faster than the queue for 1 MiB).  Needs python3 and
#    libarena.so (built here when missing).
#    BENCH_SUITES="alloc ipc py" (the default: all three) runs only those.
# Exit status: non-zero only when something failed to build or a benchmark
# failed its correctness checks; the performance targets are reported,
# never enforced.  BENCH_ROUNDS (default 7), BENCH_QUICK=1 are passed on;
# BENCH_WITHOUT="jemalloc mimalloc boost gnuplot" (any of them) leaves
# those out as if they were not installed.  LIBARENA=path/libarena.a
# measures another build of the library.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CC=${CC:-cc}
CXX=${CXX:-c++}
cd "$here" || exit 2

without() { case " ${BENCH_WITHOUT:-} " in *" $1 "*) return 0;; esac; return 1; }
have_hdr() { printf '#include <%s>\n' "$2" | $1 -E -x "$3" - >/dev/null 2>&1; }
have_lib() { # have_lib NAME: a shared library ld.so can find
	ldconfig -p 2>/dev/null | grep -q "lib$1\.so\.2 " ||
		ls /usr/lib/*/lib"$1".so.2 /usr/lib/lib"$1".so.2 >/dev/null 2>&1
}

# --- 1. optional peers
missing=""
have_lib jemalloc || missing="$missing libjemalloc-dev"
have_lib mimalloc || missing="$missing libmimalloc-dev"
have_hdr "$CXX" boost/interprocess/managed_shared_memory.hpp c++ ||
	missing="$missing libboost-dev"
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
suite() { case " ${BENCH_SUITES:-alloc ipc py} " in *" $1 "*) return 0;; esac; return 1; }
iox_inc() { ls -d /usr/include/iceoryx/v*/iceoryx_binding_c 2>/dev/null | tail -1 | sed 's|/iceoryx_binding_c$||'; }
if suite ipc; then
	without zmq || have_hdr "$CC" zmq.h c || missing="$missing libzmq3-dev"
	if ! without iceoryx; then
		command -v iox-roudi >/dev/null 2>&1 || missing="$missing iceoryx"
		[ -n "$(iox_inc)" ] || missing="$missing libiceoryx-binding-c-dev"
	fi
fi
if [ -n "$missing" ] && [ "${BENCH_NO_INSTALL:-0}" = 0 ] &&
   command -v apt-get >/dev/null 2>&1; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="no"; fi
	fi
	if [ "$SUDO" = no ]; then
		echo "run.sh: not root and no sudo: not installing$missing"
	else
		echo "run.sh: installing optional peers:$missing"
		if $SUDO apt-get update -qq >/dev/null 2>&1 &&
		   DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		       $missing >/dev/null 2>&1; then
			echo "run.sh: installed$missing"
		else
			echo "run.sh: could not install$missing; those peers are skipped"
		fi
	fi
elif [ -n "$missing" ]; then
	echo "run.sh: not installing$missing; those peers are skipped"
fi

# --- 2. build
# LIBARENA: the archive to measure (default: the tree's libarena.a).
lib=${LIBARENA:-$root/libarena.a}
if [ -z "${LIBARENA:-}" ] && [ ! -f "$lib" ]; then
	make -C "$root" libarena.a || exit 2
fi
[ -f "$lib" ] || { echo "run.sh: no $lib" >&2; exit 2; }
# A library built with `make SANITIZE=...` would be measured with its
# instrumentation: refuse rather than print meaningless figures.
if nm "$lib" 2>/dev/null | grep -qE ' U __(asan|ubsan|tsan)_'; then
	echo "run.sh: $lib is built with sanitizers; rebuild it plainly" \
	     "(make clean && make) before benchmarking" >&2
	exit 2
fi
CFLAGS="-O2 -g -D_GNU_SOURCE -std=c11 -Wall -Wextra -Werror -I$root/include"
LIBS="$lib -lurcu-common -lpthread -ldl -lm"
rm -f bench bench-jemalloc bench-mimalloc ipc ./*.o
run() { echo "  $*"; "$@"; }
status=0
if suite alloc; then

echo "run.sh: building"
if ! without boost &&
   have_hdr "$CXX" boost/interprocess/managed_shared_memory.hpp c++; then
	run $CXX -O2 -g -std=c++14 -Wall -Wextra -Werror -c -o boost_bench.o \
	    boost_bench.cc || exit 2
	run $CC $CFLAGS -DHAVE_BOOST -c -o bench.o bench.c || exit 2
	run $CC -o bench bench.o boost_bench.o $LIBS -lstdc++ || exit 2
else
	echo "run.sh: Boost.Interprocess not available: its rows are skipped"
	run $CC $CFLAGS -c -o bench.o bench.c || exit 2
	run $CC -o bench bench.o $LIBS || exit 2
fi
# The malloc peers: the same program (without Boost) linked against the
# allocator, so that its malloc and free are the allocator's.
run $CC $CFLAGS -c -o bench_peer.o bench.c || exit 2
for m in jemalloc mimalloc; do
	if without $m; then
		echo "run.sh: BENCH_WITHOUT=$m: its rows are skipped"
		continue
	fi
	mlib=""
	if printf 'int main(void){return 0;}\n' |
	   $CC -x c - -o /dev/null -l$m >/dev/null 2>&1; then
		mlib="-l$m"
	else
		for f in /usr/lib/*/lib$m.so.2 /usr/lib/lib$m.so.2; do
			[ -f "$f" ] && mlib="$f" && break
		done
	fi
	if [ -z "$mlib" ]; then
		echo "run.sh: lib$m missing: its rows are skipped"
		continue
	fi
	run $CC -o bench-$m bench_peer.o -Wl,--no-as-needed $mlib \
	    -Wl,--as-needed $LIBS || echo "run.sh: bench-$m did not link: skipped"
done

# --- 3. run
echo "run.sh: running (about 2 minutes on 2 cores)"
./bench --csv "$here/results.csv" --dat "$here/throughput.dat" &
pid=$!
wait $pid || status=$?
echo
echo "run.sh: wrote $here/results.csv"
rm -f "$here/throughput.png"
if ! without gnuplot && command -v gnuplot >/dev/null 2>&1 &&
   [ -s "$here/throughput.dat" ]; then
	# Blocks of throughput.dat: index 2*size_index + (0 threads, 1 procs);
	# sizes 8 16 64 256 4096.  Plotted: 16 B (indices 2, 3), 4096 B (8, 9).
	if gnuplot <<EOF
set terminal pngcairo size 1400,1000 noenhanced font ",10"
set output "$here/throughput.png"
set datafile missing "NaN"
set key outside right top
set logscale y
set grid
set xrange [0.8:2.2]
set xtics 1
set ylabel "million allocations / s (aggregate, median)"
set linetype 1 lc rgb "#888888" lw 2 pt 6 dt 2
set linetype 2 lc rgb "#000000" lw 2 pt 4 dt 2
set linetype 3 lc rgb "#1f5fd0" lw 2 pt 7
set linetype 4 lc rgb "#d01f1f" lw 3 pt 7
set linetype 5 lc rgb "#e08a00" lw 2 pt 5
set linetype 6 lc rgb "#2a9d3a" lw 2 pt 9
set linetype 7 lc rgb "#8a2be2" lw 2 pt 11
set linetype 8 lc rgb "#8b5a2b" lw 2 pt 13
set linetype 9 lc rgb "#00a0a0" lw 2 pt 15
set multiplot layout 2,2 title "libarena benchmark: throughput against workers"
do for [b in "2 3 8 9"] {
	bi = int(b)
	set title sprintf("%s B objects, %s", (bi < 4 ? "16" : "4096"), (bi % 2 ? "processes" : "threads"))
	set xlabel (bi % 2 ? "processes" : "threads")
	plot for [c=2:10] "$here/throughput.dat" index bi using 1:c with linespoints lt (c-1) title columnheader(c)
}
unset multiplot
EOF
	then
		echo "run.sh: wrote $here/throughput.png"
	else
		echo "run.sh: gnuplot failed: no chart"
	fi
else
	echo "run.sh: gnuplot not installed (or BENCH_WITHOUT): no chart"
fi
fi

# --- 4. the IPC benchmark (issue 10)
if suite ipc; then
	echo "run.sh: building the IPC benchmark"
	iflags=""; ilibs=""
	if grep -q 'arena_chan_create' "$root/include/arena.h"; then
		iflags="$iflags -DHAVE_CHAN"
	else
		echo "run.sh: no arena_chan_* in include/arena.h: channel rows n/a"
	fi
	if without zmq; then
		export IPC_NO_ZMQ="left out (BENCH_WITHOUT=zmq)"
	elif have_hdr "$CC" zmq.h c; then
		iflags="$iflags -DHAVE_ZMQ"; ilibs="$ilibs -lzmq"
	else
		export IPC_NO_ZMQ="libzmq3-dev not installed"
	fi
	inc=$(iox_inc)
	if without iceoryx; then
		export IPC_NO_IOX="left out (BENCH_WITHOUT=iceoryx)"
	elif [ -n "$inc" ] &&
	     printf 'int main(void){return 0;}\n' | $CC -x c - -o /dev/null \
	         -liceoryx_binding_c >/dev/null 2>&1; then
		iflags="$iflags -DHAVE_IOX -isystem $inc"
		ilibs="$ilibs -liceoryx_binding_c"
	else
		export IPC_NO_IOX="libiceoryx-binding-c-dev not installed"
	fi
	if run $CC $CFLAGS -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	       $iflags -o ipc ipc.c $ilibs $LIBS -lrt; then
		echo "run.sh: running the IPC benchmark (about 3 minutes)"
		./ipc --csv "$here/ipc_results.csv" --dat "$here/ipc.dat" ||
			status=1
		echo "run.sh: wrote $here/ipc_results.csv"
		rm -f "$here/ipc.png"
		if ! without gnuplot && command -v gnuplot >/dev/null 2>&1; then
			sh "$here/ipc_plot.sh" "$here/ipc.dat" "$here/ipc.png" &&
				echo "run.sh: wrote $here/ipc.png" ||
				echo "run.sh: gnuplot failed: no IPC chart"
		fi
	else
		echo "run.sh: the IPC benchmark did not build" >&2
		status=2
	fi
fi
# --- 5. Python (issue 12)
if suite py; then
	PYTHON=${PYTHON:-python3}
	if ! command -v "$PYTHON" >/dev/null 2>&1; then
		echo "run.sh: no $PYTHON: the Python benchmark is skipped"
	else
		[ -f "$root/libarena.so.2" ] || make -C "$root" libarena.so || exit 2
		if nm -D "$root/libarena.so.2" 2>/dev/null | grep -qE ' U __(asan|ubsan|tsan)_'; then
			echo "run.sh: libarena.so is built with sanitizers: the" \
			     "Python benchmark is skipped" >&2
			status=2
		else
			echo "run.sh: running the Python benchmark (about 20 s)"
			PYTHONPATH="$root/python" LIBARENA_LIBRARY="$root/libarena.so.2" \
				"$PYTHON" "$here/py_bench.py" || status=1
		fi
	fi
fi

# Leave nothing behind in /dev/shm (bench unlinks its own; belt and braces).
left=$(ls /dev/shm 2>/dev/null |
	grep -E "^arena-(bench-${pid:-none}-|ipc-|bench-py-)" || true)
if [ -n "$left" ]; then
	echo "run.sh: segments left in /dev/shm: $left"
	status=1
fi
exit $status
