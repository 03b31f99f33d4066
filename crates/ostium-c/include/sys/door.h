/*
 * <sys/door.h> - the types and constants of doors, as illumos defines them.
 *
 * Part of libdoor, Ostium's implementation of the illumos door API on Linux.
 * See docs/c.md for the manual and its "Differences from illumos".
 */
#ifndef OSTIUM_SYS_DOOR_H
#define OSTIUM_SYS_DOOR_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OSTIUM_UINT_T_DEFINED
#define OSTIUM_UINT_T_DEFINED
/* illumos's <sys/types.h> names unsigned int uint_t; glibc does not. */
typedef unsigned int uint_t;
#endif

/* A pointer as the other process sees it: 64 bits whatever this process's size. */
typedef unsigned long long door_ptr_t;
/* A door's unique number (see door_info_t.di_uniquifier). */
typedef unsigned long long door_id_t;
/* Door attributes: the DOOR_* flags below. */
typedef unsigned int door_attr_t;

/* An invalid door descriptor. */
#define DOOR_INVAL (-1)
/* The argument pointer a procedure is called with for an unreferenced notification. */
#define DOOR_UNREF_DATA ((void *)1)
/* door_info(DOOR_QUERY, ...) asks about the door the calling thread is bound to. */
#define DOOR_QUERY (-2)

/* Attributes given to door_create(3C). */
#define DOOR_UNREF 0x01       /* call the procedure once when unreferenced */
#define DOOR_PRIVATE 0x02     /* the door has a pool of server threads of its own */
#define DOOR_UNREF_MULTI 0x10 /* call it each time the door becomes unreferenced */
#define DOOR_REFUSE_DESC 0x40 /* refuse calls that pass descriptors */
#define DOOR_NO_CANCEL 0x80   /* a client that gives up does not cancel the server */

/* Attributes door_info(3C) reports, and door_desc_t carries for a door passed. */
#define DOOR_LOCAL 0x04    /* the door's server is this process */
#define DOOR_REVOKED 0x08  /* the door was revoked: it takes no calls */
#define DOOR_IS_UNREF 0x20 /* one reference to the door is left */

#define DOOR_CREATE_MASK \
    (DOOR_UNREF | DOOR_PRIVATE | DOOR_UNREF_MULTI | DOOR_REFUSE_DESC | DOOR_NO_CANCEL)
#define DOOR_ATTR_MASK (DOOR_CREATE_MASK | DOOR_LOCAL | DOOR_REVOKED | DOOR_IS_UNREF)

/* door_desc_t.d_attributes: what an entry passes. */
#define DOOR_DESCRIPTOR 0x10000 /* a descriptor, in d_data.d_desc.d_descriptor */
#define DOOR_RELEASE 0x40000    /* close the sender's descriptor once it is passed */

/* door_getparam(3C) and door_setparam(3C). */
#define DOOR_PARAM_DESC_MAX 1
#define DOOR_PARAM_DATA_MAX 2
#define DOOR_PARAM_DATA_MIN 3

/*
 * As on illumos amd64, door_desc_t and door_info_t are packed to 4-byte alignment, so
 * that their 64-bit fields lie where a 32-bit program puts them: sizeof(door_desc_t) is
 * 24 and sizeof(door_info_t) 48.
 */
#pragma pack(push, 4)

/*
 * door_desc_t - one descriptor passed with a call or its results.
 *
 * d_attributes   DOOR_DESCRIPTOR, with DOOR_RELEASE to close the sender's copy once it
 *                is passed. A received entry has DOOR_DESCRIPTOR.
 * d_descriptor   the descriptor: the sender's, or the receiver's new copy.
 * d_id           the door's unique number when the descriptor is a door (else 0).
 */
typedef struct door_desc {
    door_attr_t d_attributes;
    union {
        struct {
            int d_descriptor;
            door_id_t d_id;
        } d_desc;
        int d_resv[5];
    } d_data;
} door_desc_t;

/*
 * door_info_t - what door_info(3C) reports.
 *
 * di_target      the server's process id, or -1 if it has exited.
 * di_proc        the server procedure's address in the server (0 from another process).
 * di_data        the cookie given to door_create (0 from another process).
 * di_attributes  DOOR_* flags: DOOR_REVOKED, DOOR_LOCAL, and those of door_create.
 * di_uniquifier  the door's unique number.
 */
typedef struct door_info {
    pid_t di_target;
    door_ptr_t di_proc;
    door_ptr_t di_data;
    door_attr_t di_attributes;
    door_id_t di_uniquifier;
    int di_resv[4];
} door_info_t;

#pragma pack(pop)

/*
 * door_cred_t - a caller's credentials (door_cred(3C), obsolete).
 */
typedef struct door_cred {
    uid_t dc_euid;
    gid_t dc_egid;
    uid_t dc_ruid;
    gid_t dc_rgid;
    pid_t dc_pid;
    int dc_resv[4];
} door_cred_t;

/*
 * door_arg_t - a call's arguments in, its results out (door_call(3C)).
 *
 * data_ptr, data_size   the argument bytes; on return, the result bytes (data_ptr is
 *                       set only if there are some).
 * desc_ptr, desc_num    the descriptors passed; on return, those received (desc_ptr is
 *                       set only if there are some).
 * rbuf, rsize           where results go if they fit; if not, door_call maps a new area,
 *                       sets rbuf and rsize to it, and the caller releases it with
 *                       munmap(rbuf, rsize). rbuf may be NULL with rsize 0, and may be the
 *                       argument buffer itself.
 */
typedef struct door_arg {
    char *data_ptr;
    size_t data_size;
    door_desc_t *desc_ptr;
    uint_t desc_num;
    char *rbuf;
    size_t rsize;
} door_arg_t;

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_SYS_DOOR_H */
