/*
 * ThreadSanitizer builds only (make ... SANITIZE=thread).
 *
 * liburcu 0.13 implements its x86 atomics in inline assembly and
 * uatomic_read()/uatomic_set() as volatile accesses; ThreadSanitizer sees
 * neither as atomic and would report every lock-free handshake of the
 * library as a data race.  For SANITIZE=thread the Makefile puts
 * tests/tsan first on the include path, so <urcu/uatomic.h> includes this
 * file in place of liburcu's x86 one: it selects liburcu's own generic
 * implementation (GCC __sync builtins, which ThreadSanitizer understands)
 * and makes reads acquire loads and writes release stores, as liburcu
 * 0.14 does when built with CONFIG_RCU_USE_ATOMIC_BUILTINS.  Ordinary
 * builds never see this file.
 */
#ifndef ARENA_TSAN_UATOMIC_X86_H
#define ARENA_TSAN_UATOMIC_X86_H

#include <urcu/arch.h>
#include <urcu/config.h>
#include <urcu/compiler.h>
#include <urcu/system.h>

#define UATOMIC_HAS_ATOMIC_BYTE
#define UATOMIC_HAS_ATOMIC_SHORT

#define uatomic_read(addr)    __atomic_load_n((addr), __ATOMIC_ACQUIRE)
#define uatomic_set(addr, v)  __atomic_store_n((addr), (v), __ATOMIC_RELEASE)

#include <urcu/uatomic/generic.h>

#endif /* ARENA_TSAN_UATOMIC_X86_H */
