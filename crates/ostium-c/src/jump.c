/*
 * The one thing libdoor's Rust cannot do: door_return(3C) never returns. A server thread
 * runs each door procedure through ostium_c_run_procedure, which marks the spot with
 * setjmp; door_return, once it has stashed the results, jumps back to that spot with
 * ostium_c_jump_back, discarding the procedure's frames as illumos does (no unwinding,
 * no cleanup: the procedure's locals simply cease to be).
 *
 * The frames jumped over are the procedure's (C) and door_return's own, which holds no
 * Rust value that needs dropping when it jumps (see src/serve.rs).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>

typedef unsigned int uint_t;

/* sigsetjmp(spot, 0) and siglongjmp: no signal mask saved and restored, which would cost
 * two system calls per door call (glibc's setjmp saves it). The procedure runs with the
 * mask its thread has, and door_return leaves it as the procedure left it. */
typedef void door_procedure(void *cookie, char *argp, size_t arg_size, void *dp, uint_t n_desc);

/* The spot of the procedure this thread runs now, if any. */
static __thread sigjmp_buf *current_spot;

/*
 * Runs procedure(cookie, argp, arg_size, dp, n_desc). Returns 1 when the procedure ended
 * with door_return (which jumped back here), 0 when it returned by itself.
 */
int ostium_c_run_procedure(door_procedure *procedure, void *cookie, char *argp,
                           size_t arg_size, void *dp, uint_t n_desc) {
    sigjmp_buf spot;
    sigjmp_buf *outer = current_spot;
    current_spot = &spot;
    if (sigsetjmp(spot, 0) != 0) {
        current_spot = outer;
        return 1;
    }
    procedure(cookie, argp, arg_size, dp, n_desc);
    current_spot = outer;
    return 0;
}

/* Whether this thread is running a procedure (door_return may jump back). */
int ostium_c_in_procedure(void) { return current_spot != NULL; }

/* Jumps back to the spot of the procedure this thread runs. */
void ostium_c_jump_back(void) {
    if (current_spot == NULL) {
        abort();
    }
    siglongjmp(*current_spot, 1);
}
