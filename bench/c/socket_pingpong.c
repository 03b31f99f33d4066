/*
 * c-door-bench's floor: a SOCK_SEQPACKET ping-pong between two processes (socketpair,
 * fork; the child echoes), SIZE bytes each way, timed as door_client.c times its calls.
 * Prints "CALLS P50_NS P99_NS". Usage: socket_pingpong SIZE SECONDS.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timing.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        return 2;
    }
    size_t size = (size_t)atol(argv[1]);
    double seconds = atof(argv[2]);
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) != 0) {
        perror("socketpair");
        return 1;
    }
    char *buf = calloc(size + 1, 1);
    pid_t child = fork();
    if (child == 0) {
        close(pair[0]);
        ssize_t got;
        while ((got = recv(pair[1], buf, size + 1, 0)) > 0) {
            if (send(pair[1], buf, (size_t)got, 0) != got) {
                break;
            }
        }
        _exit(0);
    }
    close(pair[1]);
    long long *samples = malloc(sizeof *samples * MAX_SAMPLES);
    long long warm_end = now_ns() + WARM_UP_NS;
    long long end = warm_end + (long long)(seconds * 1e9);
    long n = 0;
    for (long long start = now_ns(); start < end && n < MAX_SAMPLES; start = now_ns()) {
        if (send(pair[0], buf, size, 0) != (ssize_t)size ||
            recv(pair[0], buf, size + 1, 0) != (ssize_t)size) {
            perror("ping-pong");
            return 1;
        }
        if (start >= warm_end) {
            samples[n++] = now_ns() - start;
        }
    }
    close(pair[0]);
    waitpid(child, NULL, 0);
    report(samples, n);
    return 0;
}
