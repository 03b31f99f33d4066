/*
 * Doors passed through doors. Usage: passing serve FACTORY (prints "ready" once attached)
 * or passing client FACTORY (prints "ok" when every check passed).
 *
 * The factory door's calls:
 *   "new"     a new door, never attached (DOOR_UNREF), passed back with DOOR_RELEASE;
 *             each of its calls answers "count N", N counting that door's calls, but
 *             "who", which answers "pid P", P the caller's process id (door_ucred)
 *   "call"    calls the door passed with it, with "from the server", and answers with
 *             what that door answered
 *   "unrefs"  how many of the new doors were told they are unreferenced
 *   anything else is echoed
 * The client checks the new door from its own process (calls, its own pid as the caller,
 * door_info, concurrent calls), passes the server a door it created itself, one it opened
 * and the one it received, and sees the new door told it is unreferenced once it closes
 * it.
 */
#include <door.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stropts.h>
#include <time.h>
#include <unistd.h>

struct counter {
    int did;
    int calls;
};

static int unrefs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int is(const char *argp, size_t size, const char *word) {
    return argp != NULL && size == strlen(word) && memcmp(argp, word, size) == 0;
}

static void counter(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n) {
    (void)arg_size;
    (void)dp;
    (void)n;
    struct counter *c = cookie;
    char answer[32];
    if (argp == DOOR_UNREF_DATA) {
        pthread_mutex_lock(&lock);
        unrefs++;
        pthread_mutex_unlock(&lock);
        door_revoke(c->did);
        door_return(NULL, 0, NULL, 0);
    }
    if (is(argp, arg_size, "who")) {
        ucred_t *cred = NULL;
        if (door_ucred(&cred) != 0) {
            door_return("door_ucred failed", 17, NULL, 0);
        }
        snprintf(answer, sizeof answer, "pid %d", (int)ucred_getpid(cred));
        ucred_free(cred);
        door_return(answer, strlen(answer), NULL, 0);
    }
    pthread_mutex_lock(&lock);
    int calls = ++c->calls;
    pthread_mutex_unlock(&lock);
    snprintf(answer, sizeof answer, "count %d", calls);
    door_return(answer, strlen(answer), NULL, 0);
}

static void factory(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n) {
    (void)cookie;
    char answer[128];
    if (is(argp, arg_size, "new")) {
        struct counter *c = calloc(1, sizeof *c);
        c->did = door_create(counter, c, DOOR_UNREF);
        door_desc_t desc = {.d_attributes = DOOR_DESCRIPTOR | DOOR_RELEASE};
        desc.d_data.d_desc.d_descriptor = c->did;
        door_return(NULL, 0, &desc, 1);
    }
    if (is(argp, arg_size, "call") && n == 1) {
        char buf[64];
        door_arg_t arg = {"from the server", 15, NULL, 0, buf, sizeof buf};
        if (door_call(dp[0].d_data.d_desc.d_descriptor, &arg) != 0) {
            snprintf(answer, sizeof answer, "door_call failed: errno %d", errno);
        } else {
            snprintf(answer, sizeof answer, "%.*s", (int)arg.data_size, arg.data_ptr);
        }
        close(dp[0].d_data.d_desc.d_descriptor);
        door_return(answer, strlen(answer), NULL, 0);
    }
    if (is(argp, arg_size, "unrefs")) {
        pthread_mutex_lock(&lock);
        snprintf(answer, sizeof answer, "%d", unrefs);
        pthread_mutex_unlock(&lock);
        door_return(answer, strlen(answer), NULL, 0);
    }
    door_return(argp, arg_size, NULL, 0);
}

static void callback(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n) {
    (void)cookie;
    (void)dp;
    (void)n;
    char answer[128];
    snprintf(answer, sizeof answer, "callback: %.*s", (int)arg_size, argp);
    door_return(answer, strlen(answer), NULL, 0);
}

static void fail(const char *what) {
    fprintf(stderr, "%s: errno %d\n", what, errno);
    exit(1);
}

/* Calls d with `args` (and a door descriptor, if pass >= 0); the answer, NUL-terminated. */
static const char *call(int d, const char *args, int pass, int *received) {
    static __thread char buf[256];
    door_desc_t desc = {.d_attributes = DOOR_DESCRIPTOR};
    desc.d_data.d_desc.d_descriptor = pass;
    door_arg_t arg = {(char *)args, strlen(args), pass >= 0 ? &desc : NULL, pass >= 0,
                      buf, sizeof buf - 1};
    if (door_call(d, &arg) != 0) {
        fail(args);
    }
    if (received != NULL) {
        *received = arg.desc_num == 1 ? arg.desc_ptr[0].d_data.d_desc.d_descriptor : -1;
    }
    memmove(buf, arg.data_ptr, arg.data_size);
    buf[arg.data_size] = '\0';
    return buf;
}

static void expect(const char *got, const char *want, const char *what) {
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s: got \"%s\", expected \"%s\"\n", what, got, want);
        exit(1);
    }
}

static int shared_door;

static void *call_concurrently(void *arg) {
    (void)arg;
    for (int i = 0; i < 25; i++) {
        call(shared_door, "x", -1, NULL);
    }
    return NULL;
}

static int client(const char *path) {
    int fac = open(path, O_RDONLY);
    if (fac < 0) {
        fail("open");
    }
    int got;
    call(fac, "new", -1, &got);
    if (got < 0) {
        fail("no door received");
    }
    expect(call(got, "x", -1, NULL), "count 1", "the received door's first call");
    char me[32];
    snprintf(me, sizeof me, "pid %d", (int)getpid());
    expect(call(got, "who", -1, NULL), me, "the caller the new door sees");
    expect(call(got, "x", -1, NULL), "count 2", "its second call");
    door_info_t info;
    if (door_info(got, &info) != 0 || info.di_target <= 0 || info.di_target == getpid() ||
        (info.di_attributes & DOOR_LOCAL)) {
        fail("door_info of the received door");
    }
    shared_door = got;
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&threads[i], NULL, call_concurrently, NULL);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
    }
    expect(call(got, "x", -1, NULL), "count 103", "after 100 concurrent calls");

    int cb = door_create(callback, NULL, 0);
    expect(call(fac, "call", cb, NULL), "callback: from the server", "a door of the client");
    expect(call(fac, "call", fac, NULL), "from the server", "the door the client opened");
    expect(call(fac, "call", got, NULL), "count 104", "the door the client received");

    close(got);
    for (int i = 0; i < 200 && strcmp(call(fac, "unrefs", -1, NULL), "1") != 0; i++) {
        struct timespec nap = {0, 10 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    expect(call(fac, "unrefs", -1, NULL), "1", "the new door unreferenced once closed");
    printf("ok\n");
    return 0;
}

static int serve(const char *path) {
    int door = door_create(factory, NULL, 0);
    int placeholder = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (door < 0 || placeholder < 0 || close(placeholder) != 0 || fattach(door, path) != 0) {
        fail("serving the factory");
    }
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) {
        return serve(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "client") == 0) {
        return client(argv[2]);
    }
    fprintf(stderr, "usage: %s serve|client FACTORY\n", argv[0]);
    return 2;
}
