#!/bin/sh
# run.sh - run every test binary given; fail if any fails or leaves one of
# its segments (arena-test-SUITE-PID-N, PID its own) behind in /dev/shm.
fail=0
for t in "$@"; do
	echo "== $t"
	"./$t" &
	pid=$!
	if ! wait $pid; then echo "FAILED: $t"; fail=1; fi
	left=$(ls /dev/shm 2>/dev/null | grep -E "^arena-test-[a-z]+-$pid-")
	if [ -n "$left" ]; then
		echo "FAILED: $t left segments in /dev/shm:"; echo "$left"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "All test suites passed." || echo "Some test suites FAILED."
exit $fail
