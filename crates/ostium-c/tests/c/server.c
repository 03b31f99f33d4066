/*
 * A door server written as for illumos: door_create, a placeholder file, fattach, and the
 * main thread parked in door_return. Run by tests/c_server.rs, which calls it from Rust
 * and from C. Usage: server DOOR; prints "ready" once the door is attached.
 *
 * What the procedure answers, by its arguments:
 *   "whoami"   the caller's effective uid, a space, its pid (door_ucred)
 *   "cred"     the same from door_cred
 *   "fd"       one byte, and a pipe holding "from a C door"
 *   "count"    the number of descriptors passed, as text; writes "seen" into each
 *   "big"      100,000 bytes of 'b'
 *   "sleep"    "slept", after 200 ms
 *   "noreturn" nothing: the procedure returns without door_return
 *   "revoke"   "revoking", then revokes the door
 *   "heap"     the bytes of heap in use (mallinfo2), as text
 *   "fds"      the number of descriptors open, as text
 *   anything else: echoed
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <door.h>
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stropts.h>
#include <thread.h>
#include <time.h>
#include <ucred.h>
#include <unistd.h>

static int door = -1;
static char big[100000];

static int is(const char *argp, size_t size, const char *word) {
    return argp != NULL && size == strlen(word) && memcmp(argp, word, size) == 0;
}

static void whoami(void) {
    ucred_t *uc = NULL;
    char answer[64];
    if (door_ucred(&uc) != 0) {
        door_return(NULL, 0, NULL, 0);
    }
    int len = snprintf(answer, sizeof answer, "%u %d", (unsigned)ucred_geteuid(uc),
                       (int)ucred_getpid(uc));
    ucred_free(uc);
    door_return(answer, (size_t)len, NULL, 0);
}

static void cred(void) {
    door_cred_t c;
    char answer[64];
    if (door_cred(&c) != 0) {
        door_return(NULL, 0, NULL, 0);
    }
    int len = snprintf(answer, sizeof answer, "%u %d", (unsigned)c.dc_euid, (int)c.dc_pid);
    door_return(answer, (size_t)len, NULL, 0);
}

static void give_fd(void) {
    int fds[2];
    if (pipe(fds) != 0 || write(fds[1], "from a C door", 13) != 13) {
        door_return(NULL, 0, NULL, 0);
    }
    close(fds[1]);
    door_desc_t desc;
    memset(&desc, 0, sizeof desc);
    desc.d_attributes = DOOR_DESCRIPTOR | DOOR_RELEASE;
    desc.d_data.d_desc.d_descriptor = fds[0];
    door_return("f", 1, &desc, 1);
}

static void count(door_desc_t *dp, uint_t n_desc) {
    char answer[16];
    for (uint_t i = 0; i < n_desc; i++) {
        int fd = dp[i].d_data.d_desc.d_descriptor;
        if (write(fd, "seen", 4) != 4) {
            door_return(NULL, 0, NULL, 0);
        }
        close(fd);
    }
    int len = snprintf(answer, sizeof answer, "%u", n_desc);
    door_return(answer, (size_t)len, NULL, 0);
}

/* The number of descriptors this process has open. */
static long open_fds(void) {
    long n = 0;
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        return -1;
    }
    while (readdir(dir) != NULL) {
        n++;
    }
    closedir(dir);
    return n - 3; /* ".", ".." and the directory's own descriptor */
}

static void number(long value) {
    char answer[32];
    int len = snprintf(answer, sizeof answer, "%ld", value);
    door_return(answer, (size_t)len, NULL, 0);
}

static void serve(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n_desc) {
    (void)cookie;
    if (is(argp, arg_size, "whoami")) {
        whoami();
    } else if (is(argp, arg_size, "cred")) {
        cred();
    } else if (is(argp, arg_size, "fd")) {
        give_fd();
    } else if (is(argp, arg_size, "count")) {
        count(dp, n_desc);
    } else if (is(argp, arg_size, "big")) {
        door_return(big, sizeof big, NULL, 0);
    } else if (is(argp, arg_size, "sleep")) {
        struct timespec nap = {0, 200 * 1000 * 1000};
        nanosleep(&nap, NULL);
        door_return("slept", 5, NULL, 0);
    } else if (is(argp, arg_size, "noreturn")) {
        return;
    } else if (is(argp, arg_size, "heap")) {
        number((long)mallinfo2().uordblks);
    } else if (is(argp, arg_size, "fds")) {
        number(open_fds());
    } else if (is(argp, arg_size, "revoke")) {
        door_revoke(door);
        door_return("revoking", 8, NULL, 0);
    }
    char echo[256];
    size_t len = arg_size < sizeof echo ? arg_size : sizeof echo;
    if (len > 0) {
        memcpy(echo, argp, len);
    }
    door_return(echo, len, NULL, 0); /* from this frame's own buffer */
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DOOR\n", argv[0]);
        return 2;
    }
    memset(big, 'b', sizeof big);
    door = door_create(serve, (void *)0x1234, 0);
    if (door < 0) {
        perror("door_create");
        return 1;
    }
    int placeholder = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0644);
    if (placeholder < 0) {
        perror("open");
        return 1;
    }
    close(placeholder);
    if (fattach(door, argv[1]) != 0) {
        perror("fattach");
        return 1;
    }
    door_info_t info;
    if (door_info(door, &info) != 0 || !(info.di_attributes & DOOR_LOCAL) ||
        info.di_data != 0x1234 || info.di_target != getpid()) {
        fprintf(stderr, "door_info of the door itself is wrong\n");
        return 1;
    }
    if (fattach(door, argv[1]) != -1 || errno != EBUSY) {
        fprintf(stderr, "a second fattach: errno %d\n", errno);
        return 1;
    }
    (void)thr_self();
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}
