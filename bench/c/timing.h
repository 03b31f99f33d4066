/*
 * What c-door-bench's C programs share: a monotonic clock in nanoseconds, and the report
 * of a run ("CALLS P50_NS P99_NS" of the samples).
 */
#ifndef C_DOOR_BENCH_TIMING_H
#define C_DOOR_BENCH_TIMING_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The most calls one run records. */
#define MAX_SAMPLES 4000000
/* How long a run warms up before it records. */
#define WARM_UP_NS 300000000LL

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Prints the run's "CALLS P50_NS P99_NS" line. */
static void report(long long *samples, long n) {
    qsort(samples, (size_t)n, sizeof *samples, by_value);
    printf("%ld %lld %lld\n", n, samples[n / 2], samples[n * 99 / 100]);
}

#endif
