/*
 * c-door-bench's C caller: calls DOOR with SIZE bytes (echoed back into a buffer that
 * fits) for a warm-up then SECONDS, timing each call, and prints
 * "CALLS P50_NS P99_NS" for the measured part. Usage: door_client DOOR SIZE SECONDS.
 */
#define _POSIX_C_SOURCE 200809L
#include <door.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        return 2;
    }
    size_t size = (size_t)atol(argv[2]);
    double seconds = atof(argv[3]);
    int door = open(argv[1], O_RDONLY);
    if (door < 0) {
        perror(argv[1]);
        return 1;
    }
    char *args = calloc(size + 1, 1);
    char *results = malloc(size + 4096);
    long long *samples = malloc(sizeof *samples * MAX_SAMPLES);
    long long warm_end = now_ns() + WARM_UP_NS;
    long long end = warm_end + (long long)(seconds * 1e9);
    long n = 0;
    for (long long start = now_ns(); start < end && n < MAX_SAMPLES; start = now_ns()) {
        door_arg_t arg;
        memset(&arg, 0, sizeof arg);
        arg.data_ptr = args;
        arg.data_size = size;
        arg.rbuf = results;
        arg.rsize = size + 4096;
        if (door_call(door, &arg) != 0 || arg.data_size != size) {
            perror("door_call");
            return 1;
        }
        if (start >= warm_end) {
            samples[n++] = now_ns() - start;
        }
    }
    report(samples, n);
    return 0;
}
