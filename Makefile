# libarena - one plain GNU Makefile.
#   make            libarena.a, libarena.so (with soname) and arenactl
#   make check      every test suite (the Python package's included:
#                   make python-check runs those alone)
#   make demo       the demonstration in tools/
#   make install    PREFIX, DESTDIR honoured;  make uninstall
# Missing build dependencies are installed by tools/deps.sh (apt-get, says
# what it installs).

VERSION   = 2.1.0
SOMAJOR   = 2
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
PKGDIR   ?= $(LIBDIR)/pkgconfig

CC       ?= cc
CXX      ?= c++
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -Iinclude -D_GNU_SOURCE
ALLCFLAGS = -std=c11 $(WARN) $(CFLAGS)
LIBCFLAGS = $(ALLCFLAGS) -fPIC -fvisibility=hidden -DARENA_BUILD
LIBS_URCU = -lurcu-common
LDLIBS   += -lpthread

# make check SANITIZE=address,undefined (or thread)
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
endif
# ThreadSanitizer cannot see liburcu's x86 asm atomics: see the header there.
ifneq ($(findstring thread,$(SANITIZE)),)
CPPFLAGS := -Itests/tsan $(CPPFLAGS)
endif

LIB_SRC   = $(wildcard lib/*.c)
LIB_OBJ   = $(LIB_SRC:.c=.o)
LIB_HDR   = include/arena.h $(wildcard lib/*.h)
SONAME    = libarena.so.$(SOMAJOR)
TOOLS     = $(patsubst %.c,%,$(wildcard tools/*.c))
TEST_SRC  = $(wildcard tests/check_*.c)
TESTS     = $(TEST_SRC:.c=)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm -lpthread)

all: deps libarena.a libarena.so $(TOOLS)

deps:
	@sh tools/deps.sh

lib/%.o: lib/%.c $(LIB_HDR) | deps
	$(CC) $(CPPFLAGS) $(LIBCFLAGS) -c -o $@ $<

libarena.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $(LIB_OBJ)

libarena.so.$(VERSION): $(LIB_OBJ) lib/libarena.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libarena.map \
	  -Wl,--no-undefined $(LDFLAGS) -o $@ $(LIB_OBJ) $(LIBS_URCU) $(LDLIBS)

$(SONAME): libarena.so.$(VERSION)
	ln -sf $< $@
libarena.so: $(SONAME)
	ln -sf $< $@

# Relocatable where the layout allows: paths relative to ${pcfiledir}.
# liburcu under Requires: arena.h includes its headers.
libarena.pc: FORCE
	sh tools/mkpc.sh '$(PREFIX)' '$(LIBDIR)' '$(INCDIR)' '$(PKGDIR)' \
	  '$(VERSION)' > $@

tools/%: tools/%.c libarena.a include/arena.h
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< libarena.a $(LIBS_URCU) $(LDLIBS)

tests/check_%: tests/check_%.c tests/testutil.h libarena.a include/arena.h | deps
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< libarena.a $(LIBS_URCU) $(CHECK_LIBS) $(LDLIBS)

tests/stress: tests/stress.c libarena.a include/arena.h | deps
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< libarena.a $(LIBS_URCU) $(LDLIBS)

# The C side of the Python package's cross-language tests.
tests/py_helper: tests/py_helper.c libarena.a include/arena.h
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< libarena.a $(LIBS_URCU) $(LDLIBS)

# The Python package (python/): its unittest suite against the tree's
# libarena.so.2, and an offline pip install.  PYTHON defaults to Debian's
# /usr/bin/python3 (tools/deps.sh gives it numpy, pip and setuptools).
PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)
python-check: libarena.so tests/py_helper
	@PYTHON='$(PYTHON)' SANITIZE='$(SANITIZE)' sh tests/python_test.sh

# What tests/arenactl_test.sh needs: built with the library's flags
# (SANITIZE included), as it links libarena.a.
tests/arenactl_helper: tests/arenactl_helper.c libarena.a include/arena.h
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< libarena.a $(LIBS_URCU) $(LDLIBS)

# The benchmarks: one table, tests/bench/results.csv and, with gnuplot,
# tests/bench/throughput.png; then the IPC benchmark (tests/bench/ipc.c,
# channels against the floors and pipe, socket, mq, ZeroMQ, iceoryx): its
# table, tests/bench/ipc_results.csv and ipc.png.  run.sh installs the
# peers it lacks (apt-get, says what); make check never needs them.
# Then the Python benchmark (tests/bench/py_bench.py: channel against
# multiprocessing.Queue and shared_memory).  BENCH_SUITES="alloc", "ipc" or
# "py" runs one.  Figures are read, never asserted.
bench: deps libarena.a
	sh tests/bench/run.sh

# The crash storm: make stress STRESS_ARGS="-d 60 -p 16"; then both variants
# of the collector pattern of tests/check_collector.c (acknowledgements, and
# the two-step reset), COLLECTOR_SECONDS each (5 s each in make check).
STRESS_ARGS ?= -d 30 -p 8
COLLECTOR_SECONDS ?= 30
# Then the channels' crash storm (tests/check_chan_storm.c),
# CHAN_STORM_SECONDS long (5 s in make check).
CHAN_STORM_SECONDS ?= 60
stress: tests/stress tools/arenactl tests/check_collector tests/check_chan_storm
	./tests/stress $(STRESS_ARGS) -a tools/arenactl
	COLLECTOR_SECONDS=$(COLLECTOR_SECONDS) ./tests/check_collector
	CHAN_STORM_SECONDS=$(CHAN_STORM_SECONDS) ./tests/check_chan_storm

# The hostile-peer suites with a long attack (make check runs them for 3 s
# and 2 s), and 200000 seeds of channel mutations: make hostile HOSTILE_SECONDS=600
HOSTILE_SECONDS ?= 60
.PHONY: hostile
hostile: tests/check_hostile tests/check_chan_hostile tools/arenactl
	HOSTILE_SECONDS=$(HOSTILE_SECONDS) ./tests/check_hostile
	HOSTILE_SECONDS=$(HOSTILE_SECONDS) CHAN_FUZZ_SEEDS=200000 ./tests/check_chan_hostile

# Fuzzing (clang, libFuzzer): make fuzz FUZZ_SECONDS=60.  make check
# replays the seeds and the kept crash regressions with any compiler.
FUZZ_TARGETS  = attach ref parse chan
FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang
FUZZ_BINS     = $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%)
REPLAY_BINS   = $(FUZZ_TARGETS:%=tests/fuzz/replay_%)

tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(LIB_HDR) tools/arenactl.c | deps
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ $< $(LIB_SRC) $(LIBS_URCU) $(LDLIBS)
tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c libarena.a tools/arenactl.c
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ tests/fuzz/driver.c $< \
	  libarena.a $(LIBS_URCU) $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  work=$$(mktemp -d); echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  ./tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -artifact_prefix=tests/fuzz/crash-$$t- $$work tests/fuzz/seeds/$$t \
	    2>&1 | grep -E '^(#[0-9]+.*DONE|==|SUMMARY|artifact)' ; \
	  rm -rf "$$work"; \
	  if ls tests/fuzz/crash-$$t-* >/dev/null 2>&1; then \
	    echo "fuzz_$$t: crash kept in tests/fuzz/crash-$$t-*"; exit 1; fi; \
	done

fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  ./tests/fuzz/replay_$$t tests/fuzz/seeds/$$t/* \
	    $$(ls tests/fuzz/regress/$$t/* 2>/dev/null) || exit 1; done

# The protocol, model-checked with spin (Debian package spin), in three
# configurations: 2 peers and 1 resetter; 1 peer and 2 resetters; the same
# with the epoch word of the per-thread caches.  Then the read-side
# sections, the waiting reset and the generation wait (SECTIONS) in four:
# 2 readers; 1 reader with 2 sections; the same with a generation waiter;
# a reader whose slot a newcomer takes over.
MODEL_CONFIGS = NPEERS=2,NRESET=1 NPEERS=1,NRESET=2 NPEERS=1,NRESET=2,EPOCH \
  SECTIONS,NR=2 SECTIONS,NR=1,NSECT=2 SECTIONS,NR=1,NSECT=2,GENWAIT \
  SECTIONS,NR=1,TAKEOVER
# Negative checks: broken variants of the sections protocol (described at
# the top of tests/model/arena.pml), each with the property spin must find
# violated: S1 (a section sees another generation), S2 (a reset waits for
# good), S4 (a lost wake-up of the generation wait), R (a reader waits for
# good).  Here a violation is the expected result; a mutant that passes
# fails make model.  Spin stops at the first error, which must be the named
# one (for S1, whose mutants also stall a reset, it goes on: -c0); -O0, as
# these are small and compiling pan at -O2 would take longer than running it.
MODEL_MS = SECTIONS,NR=1,NSECT=2
MODEL_MUTANTS = $(MODEL_MS),NOMB:S1 $(MODEL_MS),NORECHECK:S1 \
  $(MODEL_MS),LOADREORDER:S1 $(MODEL_MS),DEADCOUNT:S2 $(MODEL_MS),NOKICK:S2 \
  $(MODEL_MS),NOCLEAR:R $(MODEL_MS),NOREG:R $(MODEL_MS),NOBACKOUT:S2 \
  SECTIONS,NR=1,TAKEOVER,NOTAKECLEAR:S2 SECTIONS,NR=1,TAKEOVER,TAKENOKICK:S2 \
  $(MODEL_MS),GENWAIT,LATESEQ:S4 $(MODEL_MS),GENWAIT,WAITFULL:S4
# The channel protocol (issue 10, notes/chan-design.md), tests/model/chan.pml,
# in six configurations (about 2 minutes): two producers and a subscriber,
# with 2 descriptors and with 1; one producer that may abort; a late
# subscriber; a group of two members, with a 4-unit ring and (no kills) a
# 2-unit one.  Then its mutants, each with the property spin must find
# violated first: D (a payload or descriptor read that is not what was
# committed, or a false EBADMSG), G (a live producer's claim marked as a
# gap), W (a lost wake-up), P (a live producer stuck for good), C (a
# group's delivered + lost differs from what was committed).  STALEINTENT,
# NOCATCHUP, STALEHOLD and JOINNOWAKE are the design note's own text, which
# the model found wrong (notes/chan-model-findings.md; the model has the
# fixes); the others are broken variants (the top of tests/model/chan.pml).
MODEL_CHAN_CONFIGS = NPROD=2 NPROD=2,SLOTS=1 NPROD=1,NMSG=3,ABORT \
  NPROD=1,NMSG=3,JOIN,NSUB=0 NPROD=1,NMSG=2,GROUP,NSUB=0 \
  NPROD=1,NMSG=2,GROUP,NSUB=0,CAP=2,NKILL=0
MODEL_CJ = NPROD=1,NMSG=3,JOIN,NSUB=0
MODEL_CG = NPROD=1,NMSG=2,GROUP,NSUB=0
MODEL_CHAN_MUTANTS = NPROD=2,NOINTENT:G NPROD=2,EARLYCLEAR:G NPROD=2,NOSCAN:G \
  NPROD=2,WORDFIRST:D NPROD=2,NOLAP:D NPROD=2,NOWAKE:W NPROD=2,NOMB:W \
  NPROD=2,SLOTS=1,STALEINTENT:P NPROD=1,NMSG=3,ABORT,NOCATCHUP:P \
  $(MODEL_CJ),NOREREAD:D $(MODEL_CJ),NOJOINBAR:D $(MODEL_CJ),JOINNOWAKE:P \
  $(MODEL_CG),CAP=2,NKILL=0,NOHOLD:D $(MODEL_CG),CAP=2,NKILL=0,STALEHOLD:P \
  $(MODEL_CG),EXACTLOST:C
model:
	@command -v spin >/dev/null 2>&1 || { echo "model: installing spin"; \
	  apt-get install -y -qq spin >/dev/null; }
	@rm -rf tests/model/work && mkdir -p tests/model/work && cd tests/model/work && \
	for cfg in $(MODEL_CONFIGS); do \
	  defs=$$(echo "$$cfg" | sed 's/^/-D/; s/,/ -D/g'); echo "== model $$cfg"; \
	  spin $$defs -a ../arena.pml >/dev/null && \
	  $(CC) -O2 -DSAFETY -DCOLLAPSE -w -o pan pan.c && \
	  ./pan -m200000 > pan.out; grep -E 'errors|states, stored|violated' pan.out; \
	  grep -q 'errors: 0' pan.out && ! grep -q violated pan.out || exit 1; \
	done; \
	for m in $(MODEL_MUTANTS); do \
	  cfg=$${m%:*}; prop=$${m##*:}; \
	  case $$prop in S1) pat='ingen|insec';; S2) pat='rdone';; \
	    S4) pat='wg0';; R) pat='alive\[1\]';; *) exit 1;; esac; \
	  defs=$$(echo "$$cfg" | sed 's/^/-D/; s/,/ -D/g'); \
	  printf '== mutant %s, expected to violate %s: ' "$$cfg" "$$prop"; \
	  c=; [ $$prop = S1 ] && c=-c0; \
	  spin $$defs -a ../arena.pml >/dev/null && \
	  $(CC) -O0 -DSAFETY -DCOLLAPSE -w -o pan pan.c && \
	  ./pan -m200000 $$c > pan.out; \
	  if grep -E "^pan:[0-9]+: assertion violated .*($$pat)" pan.out >/dev/null; then \
	    echo "violation found (as expected)"; \
	  else echo "NOT found"; grep -E 'errors|violated' pan.out; exit 1; fi; \
	done; \
	for cfg in $(MODEL_CHAN_CONFIGS); do \
	  defs=$$(echo "$$cfg" | sed 's/^/-D/; s/,/ -D/g'); echo "== chan model $$cfg"; \
	  spin $$defs -a ../chan.pml >/dev/null && \
	  $(CC) -O2 -DSAFETY -DCOLLAPSE -w -o pan pan.c && \
	  ./pan -m200000 > pan.out; grep -E 'errors|states, stored|violated' pan.out; \
	  grep -q 'errors: 0' pan.out && ! grep -q violated pan.out || exit 1; \
	done; \
	for m in $(MODEL_CHAN_MUTANTS); do \
	  cfg=$${m%:*}; prop=$${m##*:}; \
	  case $$prop in D) pat='pay_ok|ebad';; G) pat='gap_ok';; W) pat='wake_ok';; \
	    P) pat='prod_ok';; X) pat='rx_ok';; C) pat='cnt_ok';; *) exit 1;; esac; \
	  defs=$$(echo "$$cfg" | sed 's/^/-D/; s/,/ -D/g'); \
	  printf '== chan mutant %s, expected to violate %s: ' "$$cfg" "$$prop"; \
	  spin $$defs -a ../chan.pml >/dev/null && \
	  $(CC) -O0 -DSAFETY -DCOLLAPSE -w -o pan pan.c && \
	  ./pan -m200000 > pan.out; \
	  if grep -E "^pan:[0-9]+: assertion violated .*($$pat)" pan.out >/dev/null; then \
	    echo "violation found (as expected)"; \
	  else echo "NOT found"; grep -E 'errors|violated' pan.out; exit 1; fi; \
	done

# What CI runs besides make check (see .ci/run).
# test-suites: the Check suites, the fuzz replays and a short crash storm,
# with no install or documentation step, for the sanitizer builds.
test-suites: libarena.a $(TESTS) tests/stress tools/arenactl tests/arenactl_helper
	@sh tests/run.sh $(TESTS)
	@$(MAKE) -s fuzz-replay
	./tests/stress -d 5 -p 6 -a tools/arenactl

# valgrind memcheck over the suites (Check forks each test: children traced).
# Leaks are not counted here: test workers leave with _exit(), holding what
# their parent allocated; the demo's valgrind run (make demo-valgrind) and
# LeakSanitizer in the ASan run check for leaks.
# The multi-process storm suites (check_multiproc, check_chan_storm) are
# left to the sanitizer runs: under valgrind they take minutes and add
# nothing a single-process suite lacks.
VALGRIND = valgrind -q --error-exitcode=1 --trace-children=yes --vgdb=no \
	--leak-check=no
VALGRIND_TESTS = $(filter-out tests/check_multiproc tests/check_chan_storm,$(TESTS))
valgrind: $(VALGRIND_TESTS)
	@for t in $(VALGRIND_TESTS); do echo "== valgrind $$t"; \
	  CK_TIMEOUT_MULTIPLIER=20 $(VALGRIND) ./$$t || exit 1; done

# Static analysis: cppcheck, and clang-tidy with the checks in .clang-tidy.
lint:
	cppcheck --enable=warning,performance,portability --error-exitcode=1 \
	  --inline-suppr -q -D_GNU_SOURCE -D__GNUC__ -D__x86_64__ \
	  -D__BYTE_ORDER__=1234 -D__ORDER_LITTLE_ENDIAN__=1234 -Iinclude -Ilib lib tools
	@out=$$(clang-tidy -quiet $(LIB_SRC) tools/arenactl.c -- -Iinclude -Ilib \
	  -D_GNU_SOURCE -std=c11 2>&1); rc=$$?; \
	  printf '%s\n' "$$out" | grep -v 'warnings generated' || true; exit $$rc

# The public header alone, as C and as C++.
tests/header_c: tests/header_only.c include/arena.h
	$(CC) -std=c11 -Iinclude $(WARN) -pedantic -c -o $@.o $< && touch $@
tests/header_cxx: tests/header_only.cc include/arena.h
	$(CXX) -std=c++11 -Iinclude -Wall -Wextra -Werror -pedantic -c -o $@.o $< && touch $@

check: deps libarena.a libarena.so tests/header_c tests/header_cxx $(TESTS) $(TOOLS) tests/stress \
	tests/arenactl_helper tests/py_helper
	@sh tests/run.sh $(TESTS)
	@$(MAKE) -s fuzz-replay
	./tests/stress -d 5 -p 6 -a tools/arenactl
	@sh tests/arenactl_test.sh
	@CC='$(CC)' SANITIZE='$(SANITIZE)' PYTHON='$(PYTHON)' sh tests/readme_example.sh
	@PYTHON='$(PYTHON)' SANITIZE='$(SANITIZE)' sh tests/python_test.sh
	@sh tests/man_check.sh
	@CC='$(CC)' SANITIZE='$(SANITIZE)' sh tests/install_test.sh

demo: deps tools/arena_demo tools/chan_demo
	./tools/arena_demo
	./tools/chan_demo

demo-valgrind: tools/arena_demo
	valgrind -q --error-exitcode=1 --trace-children=yes --leak-check=full \
	  --errors-for-leak-kinds=all ./tools/arena_demo >/dev/null

install: all libarena.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(PKGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	  $(DESTDIR)$(MANDIR)/man7
	install -m 644 libarena.a $(DESTDIR)$(LIBDIR)/
	install -m 755 libarena.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libarena.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libarena.so
	install -m 644 include/arena.h $(DESTDIR)$(INCDIR)/
	install -m 644 libarena.pc $(DESTDIR)$(PKGDIR)/
	for f in $(wildcard tools/arenactl); do install -m 755 $$f $(DESTDIR)$(BINDIR)/; done
	for s in 1 3 7; do for f in man/man$$s/*.$$s; do [ -f "$$f" ] && \
	  install -m 644 $$f $(DESTDIR)$(MANDIR)/man$$s/ || true; done; done

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libarena.a $(DESTDIR)$(LIBDIR)/libarena.so \
	  $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libarena.so.$(VERSION) \
	  $(DESTDIR)$(INCDIR)/arena.h $(DESTDIR)$(PKGDIR)/libarena.pc \
	  $(DESTDIR)$(BINDIR)/arenactl
	for s in 1 3 7; do for f in man/man$$s/*.$$s; do \
	  rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$f); done; done

clean:
	rm -f lib/*.o libarena.a libarena.so* libarena.pc $(TOOLS) $(TESTS) \
	  tests/header_c tests/header_cxx tests/*.o tests/stress tests/arenactl_helper \
	  tests/py_helper $(FUZZ_BINS) $(REPLAY_BINS)
	rm -rf tests/model/work python/build python/libarena.egg-info
	find python -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -f tests/bench/bench tests/bench/bench-* tests/bench/*.o tests/bench/results.csv \
	  tests/bench/throughput.dat tests/bench/throughput.png tests/bench/ipc \
	  tests/bench/ipc_results.csv tests/bench/ipc.dat tests/bench/ipc.png

FORCE:
.PHONY: all deps check python-check test-suites valgrind lint demo demo-valgrind stress fuzz fuzz-replay model \
	bench install uninstall clean FORCE
