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

#ifdef __cplusplus
extern "C" {
#endif

/*
 * door_call - call the door d.
 *
 * Sends params->data_size bytes at params->data_ptr and the params->desc_num
 * descriptors at params->desc_ptr (each entry DOOR_DESCRIPTOR, with DOOR_RELEASE to
 * close the caller's copy once passed) to the door's server procedure, as operation 1
 * of docs/door-protocol.md, and waits for its results. Several threads may call one
 * descriptor at once. params may be NULL: nothing is sent and any results are dropped.
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
 *   ENOBUFS    the arguments exceed the server's limits.
 *   EOVERFLOW  the results could not be mapped, or could not be sent.
 *   EPROTO     the server answered with an application error status (a Rust door's
 *              Answer::error), which illumos doors do not have.
 */
int door_call(int d, door_arg_t *params);

/*
 * door_info - describe the door d.
 *
 * Fills *info: di_target, the server's process id (-1 if it has exited); di_attributes,
 * with DOOR_REVOKED if the door takes no calls; di_uniquifier, the door's unique number;
 * di_proc and di_data, 0 for a door another process serves.
 *
 * Returns 0, or -1 with errno set: EBADF (d is not a door descriptor), EFAULT (info is
 * NULL).
 */
int door_info(int d, door_info_t *info);

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_DOOR_H */
