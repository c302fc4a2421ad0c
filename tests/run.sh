#!/bin/sh
# run.sh - run every test binary given; fail if any fails or leaves a
# segment behind in /dev/shm.
fail=0
before=$(ls /dev/shm 2>/dev/null | grep '^arena-test' | sort)
for t in "$@"; do
	echo "== $t"
	if ! "./$t"; then echo "FAILED: $t"; fail=1; fi
done
after=$(ls /dev/shm 2>/dev/null | grep '^arena-test' | sort)
if [ "$before" != "$after" ]; then
	echo "FAILED: test segments left in /dev/shm:"; echo "$after"; fail=1
fi
[ $fail -eq 0 ] && echo "All test suites passed." || echo "Some test suites FAILED."
exit $fail
