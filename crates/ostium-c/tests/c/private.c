/*
 * Server threads made as illumos programs make them: a creation function installed with
 * door_server_create, a DOOR_PRIVATE door whose threads bind to it with door_bind, and a
 * door of the shared pool. Usage: private SHARED-DOOR PRIVATE-DOOR; prints "ready" once
 * both are attached, having checked door_bind's and door_unbind's errors.
 * Calls (either door):
 *   "who"    "shared unbound" or "private bound": which door, and whether the thread
 *            answering is one bound to the private door
 *   "sleep"  the same, after 300 ms
 *   "stats"  "shared=N private=M": how often the creation function was called for each
 */
#include <door.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stropts.h>
#include <thread.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t known = PTHREAD_COND_INITIALIZER;
static int private_door = -1;
static int shared_creates, private_creates;
static __thread int bound_here;

static void fail(const char *what) {
    fprintf(stderr, "%s: errno %d\n", what, errno);
    exit(1);
}

/* A private door's thread: waits until main has the door's descriptor, binds to it. */
static void *private_thread(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    while (private_door < 0) {
        pthread_cond_wait(&known, &lock);
    }
    int did = private_door;
    pthread_mutex_unlock(&lock);
    if (door_bind(did) != 0) {
        fail("door_bind");
    }
    bound_here = 1;
    door_return(NULL, 0, NULL, 0);
    return NULL;
}

static void *shared_thread(void *arg) {
    (void)arg;
    door_return(NULL, 0, NULL, 0);
    return NULL;
}

static void create(door_info_t *dip) {
    thread_t tid;
    int private = dip != NULL && (dip->di_attributes & DOOR_PRIVATE);
    pthread_mutex_lock(&lock);
    if (private) {
        private_creates++;
    } else {
        shared_creates++;
    }
    pthread_mutex_unlock(&lock);
    if (thr_create(NULL, 0, private ? private_thread : shared_thread, NULL, THR_DETACHED,
                   &tid) != 0) {
        fail("thr_create");
    }
}

static int is(const char *argp, size_t size, const char *word) {
    return size == strlen(word) && memcmp(argp, word, size) == 0;
}

static void serve(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n) {
    (void)dp;
    (void)n;
    char answer[64];
    if (is(argp, arg_size, "stats")) {
        pthread_mutex_lock(&lock);
        snprintf(answer, sizeof answer, "shared=%d private=%d", shared_creates, private_creates);
        pthread_mutex_unlock(&lock);
    } else {
        if (is(argp, arg_size, "sleep")) {
            struct timespec nap = {0, 300 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        snprintf(answer, sizeof answer, "%s %s", (const char *)cookie,
                 bound_here ? "bound" : "unbound");
    }
    door_return(answer, strlen(answer), NULL, 0);
}

static void attach(int door, const char *path) {
    int placeholder = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (placeholder < 0 || close(placeholder) != 0 || fattach(door, path) != 0) {
        fail(path);
    }
}

static void expect_failure(int result, int code, const char *what) {
    if (result != -1 || errno != code) {
        fprintf(stderr, "%s: %d, errno %d (expected %d)\n", what, result, errno, code);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHARED-DOOR PRIVATE-DOOR\n", argv[0]);
        return 2;
    }
    if (door_server_create(create) == NULL) {
        fail("door_server_create returned no previous function");
    }
    expect_failure(door_unbind(), EBADF, "door_unbind of an unbound thread");
    expect_failure(door_bind(-1), EBADF, "door_bind(-1)");
    expect_failure(door_bind(0), EINVAL, "door_bind of a descriptor that is no door");

    int shared = door_create(serve, "shared", 0);
    if (shared < 0) {
        fail("door_create");
    }
    expect_failure(door_bind(shared), EINVAL, "door_bind of a door that is not private");
    int private = door_create(serve, "private", DOOR_PRIVATE);
    if (private < 0) {
        fail("door_create(DOOR_PRIVATE)");
    }
    pthread_mutex_lock(&lock);
    private_door = private;
    pthread_cond_broadcast(&known);
    if (shared_creates != 1 || private_creates != 1) {
        fprintf(stderr, "creation calls at door_create: shared %d, private %d\n",
                shared_creates, private_creates);
        return 1;
    }
    pthread_mutex_unlock(&lock);
    if (door_bind(private) != 0 || door_unbind() != 0) {
        fail("door_bind and door_unbind of the private door");
    }
    expect_failure(door_unbind(), EBADF, "a second door_unbind");

    attach(shared, argv[1]);
    attach(private, argv[2]);
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}
