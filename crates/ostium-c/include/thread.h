/*
 * <thread.h> - the Solaris threads that door programs call (thr_self, thr_create, ...),
 * as thin inline wrappers over POSIX threads.
 *
 * Part of libdoor (docs/c.md). Only what door programs commonly use: thr_self,
 * thr_create, thr_join, thr_exit and thr_yield.
 */
#ifndef OSTIUM_THREAD_H
#define OSTIUM_THREAD_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef pthread_t thread_t;

#define THR_BOUND 0x01
#define THR_NEW_LWP 0x02
#define THR_DETACHED 0x40
#define THR_SUSPENDED 0x80
#define THR_DAEMON 0x100

/* thr_self - the calling thread. */
static inline thread_t thr_self(void) { return pthread_self(); }

/*
 * thr_create - start func(arg) in a new thread (stack_base must be NULL; stack_size 0
 * for the default). flags: THR_DETACHED, or 0 (THR_BOUND and THR_NEW_LWP mean nothing
 * on Linux, where every thread is bound). Returns 0 or an error number.
 */
static inline int thr_create(void *stack_base, size_t stack_size, void *(*func)(void *),
                             void *arg, long flags, thread_t *new_thread) {
    pthread_attr_t attr;
    pthread_t thread;
    int err;
    if (stack_base != NULL || (flags & THR_SUSPENDED)) {
        return 22; /* EINVAL */
    }
    pthread_attr_init(&attr);
    if (stack_size != 0) {
        pthread_attr_setstacksize(&attr, stack_size);
    }
    if (flags & THR_DETACHED) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    }
    err = pthread_create(&thread, &attr, func, arg);
    pthread_attr_destroy(&attr);
    if (err == 0 && new_thread != NULL) {
        *new_thread = thread;
    }
    return err;
}

/* thr_join - wait for thread to end (Linux needs a thread: 0 "any" is not supported). */
static inline int thr_join(thread_t thread, thread_t *departed, void **status) {
    int err = pthread_join(thread, status);
    if (err == 0 && departed != NULL) {
        *departed = thread;
    }
    return err;
}

/* thr_exit - end the calling thread. */
static inline void thr_exit(void *status) { pthread_exit(status); }

/* thr_yield - let another thread run. */
static inline void thr_yield(void) { sched_yield(); }

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_THREAD_H */
