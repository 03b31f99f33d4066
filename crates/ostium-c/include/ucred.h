/*
 * <ucred.h> - a process's credentials: who called a door (door_ucred(3C)), or who is at
 * the other end of a socket.
 *
 * Part of libdoor (docs/c.md). The effective ids and the process id are the kernel's,
 * taken when the caller connected; the real and saved ids and the groups are read from
 * /proc when asked. Linux has no zones or projects: their accessors fail with EINVAL.
 */
#ifndef OSTIUM_UCRED_H
#define OSTIUM_UCRED_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A process's credentials (opaque). */
typedef struct ucred_s ucred_t;

/* ucred_get(P_MYID): this process. */
#ifndef P_MYID
#define P_MYID (-1)
#endif

/* ucred_get - the credentials of process pid; NULL with errno ESRCH if there is none. */
ucred_t *ucred_get(pid_t pid);

/* getpeerucred - the credentials of the peer of the connected socket fd, into *ucred
 * (allocated if NULL). Returns 0, or -1 with errno set (EBADF, EFAULT, ENOTCONN). */
int getpeerucred(int fd, ucred_t **ucred);

/* ucred_free - release uc (from door_ucred, ucred_get or getpeerucred). */
void ucred_free(ucred_t *uc);

/* ucred_size - the size of a ucred_t. */
size_t ucred_size(void);

/*
 * ucred_geteuid, ucred_getruid, ucred_getsuid, ucred_getegid, ucred_getrgid, ucred_getsgid, ucred_getpid - the
 * effective, real and saved user and group ids, and the process id; -1 with errno EINVAL
 * when uc is NULL.
 */
uid_t ucred_geteuid(const ucred_t *uc);
uid_t ucred_getruid(const ucred_t *uc);
uid_t ucred_getsuid(const ucred_t *uc);
gid_t ucred_getegid(const ucred_t *uc);
gid_t ucred_getrgid(const ucred_t *uc);
gid_t ucred_getsgid(const ucred_t *uc);
pid_t ucred_getpid(const ucred_t *uc);

/* ucred_getgroups - the number of supplementary groups, with *groups pointing at them
 * (valid until ucred_free); -1 with errno EINVAL when uc is NULL. */
int ucred_getgroups(const ucred_t *uc, const gid_t **groups);

/* ucred_getzoneid, ucred_getprojid - Linux has neither: -1 with errno EINVAL. */
int ucred_getzoneid(const ucred_t *uc);
int ucred_getprojid(const ucred_t *uc);

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_UCRED_H */
