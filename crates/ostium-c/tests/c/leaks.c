/*
 * Calls tests/c/server.c's door N times (a quarter each: results in place, results
 * mapped and unmapped, a descriptor received, one passed) and checks that neither side
 * grew: heap in use (glibc's mallinfo2, which counts libdoor's allocations too) within
 * 64 KiB, and the same number of descriptors open. Usage: leaks DOOR N.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <door.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int door;

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static long open_fds(void) {
    long n = 0;
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        fail("opendir");
    }
    while (readdir(dir) != NULL) {
        n++;
    }
    closedir(dir);
    return n - 3;
}

/* Calls with `text` into `rbuf` (NULL: mapped); returns the arguments struct. */
static door_arg_t call(const char *text, char *rbuf, size_t rsize, door_desc_t *desc) {
    door_arg_t arg;
    memset(&arg, 0, sizeof arg);
    arg.data_ptr = (char *)text;
    arg.data_size = strlen(text);
    arg.rbuf = rbuf;
    arg.rsize = rsize;
    if (desc != NULL) {
        arg.desc_ptr = desc;
        arg.desc_num = 1;
    }
    if (door_call(door, &arg) != 0) {
        fail(text);
    }
    return arg;
}

static long server_number(const char *what) {
    char buf[64];
    door_arg_t arg = call(what, buf, sizeof buf - 1, NULL);
    buf[arg.data_size] = '\0';
    return strtol(buf, NULL, 10);
}

static void one_round(long i) {
    char buf[256];
    door_arg_t arg;
    switch (i % 4) {
    case 0:
        call("echo", buf, sizeof buf, NULL);
        break;
    case 1:
        arg = call("big", NULL, 0, NULL);
        if (munmap(arg.rbuf, arg.rsize) != 0) {
            fail("munmap");
        }
        break;
    case 2: {
        arg = call("fd", buf, sizeof buf, NULL);
        door_desc_t received;
        memcpy(&received, arg.desc_ptr, sizeof received);
        close(received.d_data.d_desc.d_descriptor);
        break;
    }
    default: {
        int fds[2];
        if (pipe(fds) != 0) {
            fail("pipe");
        }
        door_desc_t desc;
        memset(&desc, 0, sizeof desc);
        desc.d_attributes = DOOR_DESCRIPTOR | DOOR_RELEASE;
        desc.d_data.d_desc.d_descriptor = fds[1];
        call("count", buf, sizeof buf, &desc);
        close(fds[0]);
    }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    door = open(argv[1], O_RDONLY);
    if (door < 0) {
        fail(argv[1]);
    }
    for (long i = 0; i < 2000; i++) {
        one_round(i);
    }
    long heap = (long)mallinfo2().uordblks, fds = open_fds();
    long server_heap = server_number("heap"), server_fds = server_number("fds");
    for (long i = 0; i < n; i++) {
        one_round(i);
    }
    long heap_grew = (long)mallinfo2().uordblks - heap, fds_grew = open_fds() - fds;
    long server_heap_grew = server_number("heap") - server_heap;
    long server_fds_grew = server_number("fds") - server_fds;
    printf("%ld calls: client heap %+ld B, fds %+ld; server heap %+ld B, fds %+ld\n", n,
           heap_grew, fds_grew, server_heap_grew, server_fds_grew);
    return heap_grew > 65536 || fds_grew != 0 || server_heap_grew > 65536 || server_fds_grew != 0;
}
