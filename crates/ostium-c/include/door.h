/*
 * <door.h> - doors: calling a procedure in another process (illumos door API).
 *
 * Part of libdoor, Ostium's implementation of the illumos door API on Linux; link with
 * `pkg-config --cflags --libs door`. docs/c.md is the manual; its section "Differences
 * from illumos" lists what behaves otherwise here.
 *
 * A door is a file. A client opens it with open(2), as any file (libdoor's open gives a
 * door descriptor for a path that is a door), calls it with door_call(), and closes it
 * with close(2).
 */
#ifndef OSTIUM_DOOR_H
#define OSTIUM_DOOR_H

#include <sys/door.h>
#include <ucred.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A door's server procedure: called for each door_call with the door's cookie, the
 * arguments (argp, arg_size; argp is NULL when there are none, and DOOR_UNREF_DATA for
 * an unreferenced notification) and the descriptors passed (dp, n_desc; the procedure
 * owns them). It ends with door_return(), which does not return.
 */
typedef void door_server_procedure_t(void *cookie, char *argp, size_t arg_size,
                                     door_desc_t *dp, uint_t n_desc);

/*
 * door_create - create a door.
 *
 * Returns a descriptor of a new door that runs server_procedure(cookie, ...) for each
 * call, or -1 with errno set. The door is served once fattach() gives it a path (or once
 * this process calls it, or passes it through a door as a DOOR_DESCRIPTOR entry), by
 * server threads that come as calls need them: when the last idle thread of the door's
 * pool takes a call, a thread waiting in door_return(NULL, 0, NULL, 0) joins it, or else
 * the server creation function (door_server_create()) is called. With DOOR_PRIVATE the
 * door's threads are its own, bound to it with door_bind(), and the creation function is
 * called now with the door's door_info_t; otherwise the first door of the process calls
 * it now with NULL. attributes: 0, or DOOR_UNREF, DOOR_UNREF_MULTI (not both),
 * DOOR_PRIVATE, DOOR_REFUSE_DESC, DOOR_NO_CANCEL. The descriptor is close-on-exec.
 *
 * Errors: EINVAL (an unknown attribute, both unreferenced flags, a NULL procedure),
 * EMFILE (too many descriptors).
 */
int door_create(door_server_procedure_t *server_procedure, void *cookie, uint_t attributes);

/*
 * door_return - return the results of a call, and wait for the next.
 *
 * From a server procedure: sends data_size bytes at data_ptr and the num_desc
 * descriptors at desc_ptr (DOOR_DESCRIPTOR entries; with DOOR_RELEASE the procedure's
 * copy is closed once sent) to the caller, and goes back to serving calls. It does not
 * return; the procedure's frame is discarded, so data_ptr may point into it.
 *
 * From any other thread (the main thread, or a thread the server creation function
 * started, with door_return(NULL, 0, NULL, 0)): the thread becomes a server thread, of the
 * private door it is bound to (door_bind()) or else of the shared pool, and serves calls
 * as its pool needs it. It does not return.
 *
 * Returns -1 with errno set only when the results are malformed, the call still waiting:
 * EFAULT (a NULL pointer with a nonzero count), EINVAL (an entry without DOOR_DESCRIPTOR,
 * or a closed descriptor), E2BIG (more descriptors than the protocol carries).
 */
int door_return(char *data_ptr, size_t data_size, door_desc_t *desc_ptr, uint_t num_desc);

/* A server creation function: see door_server_create(). */
typedef void door_server_func_t(door_info_t *info);

/*
 * door_server_create - choose how server threads are created.
 *
 * Makes create_func the function called when a pool needs another server thread: with
 * NULL for the shared pool, with the door's door_info_t (valid during the call) for a
 * DOOR_PRIVATE door's. It should start a thread that calls door_return(NULL, 0, NULL, 0),
 * after door_bind() for a private door; it may set the thread up first (its signal mask,
 * its stack size). It may also decline: the pool's busy threads go on serving, and the
 * pool asks again at its next peak. NULL restores the default, which starts a detached
 * thread (bound to the door, for a private one) that ends when its pool retires it after
 * the idle timeout (10 s; DOOR_IDLE_TIMEOUT_MS in the environment sets it in
 * milliseconds). Threads of a create_func of yours are never ended: idle, they wait in
 * door_return for their pool's next peak.
 *
 * Returns the previous creation function.
 */
door_server_func_t *door_server_create(door_server_func_t *create_func);

/*
 * door_bind - serve a private door's calls on this thread.
 *
 * From the next door_return(NULL, 0, NULL, 0) of this thread on, it is one of the server
 * threads of the door did, which was created with DOOR_PRIVATE (a thread already serving
 * a pool finishes there first). A thread bound to another door is unbound from it.
 *
 * Returns 0, or -1 with errno set: EBADF (did is not an open descriptor), EINVAL (did is
 * not a door, was not created with DOOR_PRIVATE, or not by this process).
 */
int door_bind(int did);

/*
 * door_unbind - serve the shared pool again.
 *
 * Undoes door_bind(): from its next door_return(NULL, 0, NULL, 0), this thread serves the
 * doors that are not private. Returns 0, or -1 with errno EBADF if the thread is not bound.
 */
int door_unbind(void);

/*
 * door_revoke - stop a door this process created.
 *
 * The door takes no new calls (they fail with EBADF; those in progress finish), its path
 * is removed, and d is closed. Returns 0, or -1 with errno set: EBADF (d is not open),
 * EINVAL (d is not a door), EPERM (the door is another process's).
 */
int door_revoke(int d);

/*
 * door_ucred - who called.
 *
 * From a server procedure: stores the credentials of the caller of the call it answers in
 * *info, allocating a ucred_t if *info is NULL (free it with ucred_free()). Read them with
 * the ucred_get*() functions of <ucred.h>. Returns 0, or -1 with errno set: EINVAL (not
 * in a server procedure), EFAULT (info is NULL).
 */
int door_ucred(ucred_t **info);

/*
 * door_cred - who called (obsolete: use door_ucred()).
 *
 * From a server procedure: fills *info with the caller's effective and real user and
 * group ids and its process id. Returns 0, or -1 with errno set: EINVAL (not in a server
 * procedure), EFAULT (info is NULL).
 */
int door_cred(door_cred_t *info);

/*
 * door_call - call the door d.
 *
 * Sends params->data_size bytes at params->data_ptr and the params->desc_num
 * descriptors at params->desc_ptr (each entry DOOR_DESCRIPTOR, with DOOR_RELEASE to
 * close the caller's copy once passed) to the door's server procedure, as operation 1
 * of docs/door-protocol.md, and waits for its results. Several threads may call one
 * descriptor at once. params may be NULL: nothing is sent and any results are dropped.
 * A door descriptor passed either way is a door in the receiver: d may be one received
 * so (it becomes a door descriptor on its first door_call or door_info).
 *
 * The results are written to params->rbuf when they fit in params->rsize bytes: the data
 * first, then the received descriptors as door_desc_t entries at the next multiple of
 * sizeof(door_desc_t). If they do not fit, door_call maps a new area for them and sets
 * rbuf and rsize to it; release it with munmap(rbuf, rsize) when rbuf is no longer the
 * buffer you gave. On return data_size and desc_num are the results' sizes, and
 * data_ptr and desc_ptr point at them when there are some (else they are unchanged).
 *
 * Returns 0, or -1 with errno set:
 *   EBADF      d is not a door descriptor, or the door is gone or revoked.
 *   EFAULT     a NULL pointer with a nonzero size.
 *   EINTR      the server died, or its procedure failed, during the call.
 *   EINVAL     a descriptor entry without DOOR_DESCRIPTOR or with a closed descriptor;
 *              or the server refused the call as malformed.
 *   E2BIG      more descriptors than the protocol carries in one call.
 *   ENFILE     more descriptors than the door takes (DOOR_PARAM_DESC_MAX).
 *   ENOBUFS    the arguments exceed the server's limits.
 *   ENOTSUP    descriptors passed to a DOOR_REFUSE_DESC door.
 *   EOVERFLOW  the results could not be mapped, or could not be sent.
 *   EPROTO     the server answered with an application error status (a Rust door's
 *              Answer::error), which illumos doors do not have.
 */
int door_call(int d, door_arg_t *params);

/*
 * door_info - describe the door d.
 *
 * Fills *info: di_target, the server's process id (-1 if it has exited); di_attributes,
 * with DOOR_REVOKED if the door takes no calls, and for a door this process created
 * DOOR_LOCAL and the attributes given to door_create(); di_uniquifier, the door's unique
 * number; di_proc and di_data, the procedure and cookie given to door_create() (0 for a
 * door another process serves).
 *
 * Returns 0, or -1 with errno set: EBADF (d is not a door descriptor), EFAULT (info is
 * NULL).
 */
int door_info(int d, door_info_t *info);

/*
 * door_getparam - read a limit of the door d on the calls it takes.
 *
 * param: DOOR_PARAM_DATA_MIN, DOOR_PARAM_DATA_MAX (the arguments' size) or
 * DOOR_PARAM_DESC_MAX (the number of descriptors). Stores it in *out and returns 0, or -1
 * with errno set: EBADF (d is not a door), EINVAL (an unknown param), EFAULT (out is
 * NULL). For a door of another process, the defaults are reported (0, SIZE_MAX, INT_MAX):
 * only its server knows what it set.
 */
int door_getparam(int d, int param, size_t *out);

/*
 * door_setparam - set a limit of the door d, created by this process.
 *
 * A call outside the limits fails in the caller, before the procedure runs: with ENOBUFS
 * (the arguments' size) or ENFILE (the number of descriptors).
 * Returns 0, or -1 with errno set: EBADF (d is not a door, or revoked), EPERM (another
 * process's door), EINVAL (an unknown param, or DATA_MIN above DATA_MAX), ERANGE
 * (DESC_MAX above INT_MAX), ENOTSUP (DESC_MAX above 0 on a DOOR_REFUSE_DESC door).
 */
int door_setparam(int d, int param, size_t val);

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_DOOR_H */
