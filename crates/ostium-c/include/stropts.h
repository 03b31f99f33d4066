/*
 * <stropts.h> - fattach and fdetach, as door programs include them.
 *
 * Part of libdoor (docs/c.md). glibc no longer provides <stropts.h> (STREAMS never existed
 * on Linux); this one declares only what door programs use.
 */
#ifndef OSTIUM_STROPTS_H
#define OSTIUM_STROPTS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * fattach - give a door a name.
 *
 * Serves the door fildes (from door_create()) at path, which must exist (create it first,
 * e.g. with open(path, O_CREAT | O_EXCL, mode)): the file is replaced by the door, which
 * takes its owner and mode, so that open(path) gives the door to those the mode allows.
 * Returns 0, or -1 with errno set: EBADF (fildes is not open), EINVAL (fildes is not a
 * door, or path is a directory), EPERM (fildes is another process's door, or the file is
 * not the caller's and the caller is not root), EBUSY (the door is attached already, or
 * path is a door or socket already), ENOENT, ENOTDIR, EACCES, ENAMETOOLONG, ELOOP (as
 * for the path).
 */
int fattach(int fildes, const char *path);

/*
 * fdetach - remove a door's name.
 *
 * Removes path, where this process attached a door; descriptors already open keep
 * calling it. Returns 0, or -1 with errno set: EINVAL (no door of this process is
 * attached at path), ENOENT, ENOTDIR, EACCES, ENAMETOOLONG, ELOOP (as for the path).
 */
int fdetach(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_STROPTS_H */
