/*
 * A door client written as for illumos, run by tests/c_client.rs against a Rust door.
 * Usage: client DOOR SERVER_PID NOT_A_DOOR
 * Prints "ok NAME" for each check passed; exits 1 at the first failure, saying why.
 *
 * The door (see c_client.rs): echoes its arguments; "W" writes "written" into the
 * descriptor passed; "F" returns a pipe holding "from the door"; "S" sleeps 200 ms;
 * "X" answers an application error.
 */
#include <door.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(cond, what)                                                            \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "FAIL %s (line %d): %s (errno %d: %s)\n", what, __LINE__, \
                    #cond, errno, strerror(errno));                                  \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

static void ok(const char *name) {
    printf("ok %s\n", name);
    fflush(stdout);
}

static door_arg_t args_of(const char *data, size_t size, char *rbuf, size_t rsize) {
    door_arg_t arg;
    memset(&arg, 0, sizeof arg);
    arg.data_ptr = (char *)data;
    arg.data_size = size;
    arg.rbuf = rbuf;
    arg.rsize = rsize;
    return arg;
}

static void results_in_the_callers_buffer(int d) {
    char buf[64];
    door_arg_t arg = args_of("hello", 5, buf, sizeof buf);
    CHECK(door_call(d, &arg) == 0, "door_call");
    CHECK(arg.rbuf == buf && arg.data_ptr == buf, "results in rbuf");
    CHECK(arg.data_size == 5 && memcmp(buf, "hello", 5) == 0, "echoed");
    CHECK(arg.desc_num == 0, "no descriptors");
    ok("results_in_the_callers_buffer");
}

static void results_too_large_for_rbuf_come_mapped(int d) {
    static char big[10000];
    char small[4];
    memset(big, 'b', sizeof big);
    door_arg_t arg = args_of(big, sizeof big, small, sizeof small);
    CHECK(door_call(d, &arg) == 0, "door_call");
    CHECK(arg.rbuf != small && arg.data_ptr == arg.rbuf, "a new area");
    CHECK(arg.rsize >= sizeof big && arg.rsize % (size_t)sysconf(_SC_PAGESIZE) == 0,
          "page-rounded");
    CHECK(arg.data_size == sizeof big && memcmp(arg.rbuf, big, sizeof big) == 0, "echoed");
    CHECK(munmap(arg.rbuf, arg.rsize) == 0, "munmap");

    arg = args_of("x", 1, NULL, 0);
    CHECK(door_call(d, &arg) == 0 && arg.rbuf != NULL && arg.data_ptr[0] == 'x', "no rbuf");
    CHECK(munmap(arg.rbuf, arg.rsize) == 0, "munmap");
    ok("results_too_large_for_rbuf_come_mapped");
}

static void one_buffer_for_arguments_and_results(int d) {
    char buf[32] = "same buffer";
    door_arg_t arg = args_of(buf, 11, buf, sizeof buf);
    CHECK(door_call(d, &arg) == 0, "door_call");
    CHECK(arg.data_ptr == buf && arg.data_size == 11 && memcmp(buf, "same buffer", 11) == 0,
          "in place");
    CHECK(door_call(d, NULL) == 0, "door_call with no params");
    ok("one_buffer_for_arguments_and_results");
}

static void descriptors_both_ways(int d) {
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe");
    door_desc_t desc;
    memset(&desc, 0, sizeof desc);
    desc.d_attributes = DOOR_DESCRIPTOR;
    desc.d_data.d_desc.d_descriptor = fds[1];
    char buf[64];
    door_arg_t arg = args_of("W", 1, buf, sizeof buf);
    arg.desc_ptr = &desc;
    arg.desc_num = 1;
    CHECK(door_call(d, &arg) == 0, "door_call passing a pipe");
    char got[16] = {0};
    CHECK(read(fds[0], got, 7) == 7 && memcmp(got, "written", 7) == 0, "the server wrote");
    CHECK(fcntl(fds[1], F_GETFD) >= 0, "still ours without DOOR_RELEASE");

    desc.d_attributes = DOOR_DESCRIPTOR | DOOR_RELEASE;
    arg = args_of("W", 1, buf, sizeof buf);
    arg.desc_ptr = &desc;
    arg.desc_num = 1;
    CHECK(door_call(d, &arg) == 0, "door_call releasing a pipe");
    CHECK(fcntl(fds[1], F_GETFD) == -1 && errno == EBADF, "released");
    close(fds[0]);

    arg = args_of("F", 1, buf, sizeof buf);
    CHECK(door_call(d, &arg) == 0, "door_call receiving a pipe");
    CHECK(arg.desc_num == 1 && arg.data_size == 1, "one descriptor, one byte");
    CHECK((char *)arg.desc_ptr == buf + sizeof(door_desc_t), "after the data, aligned");
    door_desc_t received;
    memcpy(&received, arg.desc_ptr, sizeof received);
    CHECK(received.d_attributes & DOOR_DESCRIPTOR, "marked");
    int fd = received.d_data.d_desc.d_descriptor;
    CHECK(read(fd, got, 13) == 13 && memcmp(got, "from the door", 13) == 0, "readable");
    close(fd);

    desc.d_attributes = 0;
    arg = args_of("W", 1, buf, sizeof buf);
    arg.desc_ptr = &desc;
    arg.desc_num = 1;
    CHECK(door_call(d, &arg) == -1 && errno == EINVAL, "an entry without DOOR_DESCRIPTOR");
    ok("descriptors_both_ways");
}

static void *sleepy_call(void *door) {
    char buf[8];
    door_arg_t arg = args_of("S", 1, buf, sizeof buf);
    long failed = door_call(*(int *)door, &arg) != 0;
    return (void *)failed;
}

static void threads_call_one_descriptor_at_once(int d) {
    pthread_t threads[8];
    for (int i = 0; i < 8; i++) {
        CHECK(pthread_create(&threads[i], NULL, sleepy_call, &d) == 0, "pthread_create");
    }
    for (int i = 0; i < 8; i++) {
        void *failed;
        CHECK(pthread_join(threads[i], &failed) == 0 && failed == NULL, "each call");
    }
    ok("threads_call_one_descriptor_at_once");
}

static void info_and_errors(int d, long server_pid, const char *not_a_door) {
    door_info_t info;
    CHECK(door_info(d, &info) == 0, "door_info");
    CHECK(info.di_target == (pid_t)server_pid, "the server's pid");
    CHECK((info.di_attributes & DOOR_REVOKED) == 0 && info.di_uniquifier != 0, "live, numbered");
    CHECK(door_info(d, NULL) == -1 && errno == EFAULT, "EFAULT");

    char buf[8];
    door_arg_t arg = args_of("X", 1, buf, sizeof buf);
    CHECK(door_call(d, &arg) == -1 && errno == EPROTO, "an application error");

    int file = open("/dev/null", O_RDONLY);
    CHECK(file >= 0, "a file opens as ever");
    CHECK(door_call(file, &arg) == -1 && errno == EBADF, "a file is not a door");
    CHECK(door_info(file, &info) == -1 && errno == EBADF, "nor to door_info");
    close(file);

    CHECK(open(not_a_door, O_RDONLY) == -1 && errno == ENXIO, "a socket that is no door");
    CHECK(open("/nonexistent/door", O_RDONLY) == -1 && errno == ENOENT, "ENOENT");
    ok("info_and_errors");
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s DOOR SERVER_PID NOT_A_DOOR\n", argv[0]);
        return 2;
    }
    int d = open(argv[1], O_RDONLY);
    CHECK(d >= 0, "open the door");
    CHECK(fcntl(d, F_GETFD) == 0, "no FD_CLOEXEC unless asked");
    results_in_the_callers_buffer(d);
    results_too_large_for_rbuf_come_mapped(d);
    one_buffer_for_arguments_and_results(d);
    descriptors_both_ways(d);
    threads_call_one_descriptor_at_once(d);
    info_and_errors(d, strtol(argv[2], NULL, 10), argv[3]);
    int copy = open(argv[1], O_RDONLY);
    int file = open("/dev/null", O_RDONLY);
    CHECK(copy >= 0 && file >= 0 && dup2(file, copy) == copy, "dup2 over a door");
    char small[8];
    door_arg_t over = args_of("x", 1, small, sizeof small);
    CHECK(door_call(copy, &over) == -1 && errno == EBADF, "dup2 closed the door descriptor");
    CHECK(dup2(file, file) == file && dup2(-5, -5) == -1 && errno == EBADF, "dup2 onto itself");
    close(copy);
    close(file);
    ok("dup2");
    CHECK(close(d) == 0, "close");
    char buf[8];
    door_arg_t arg = args_of("x", 1, buf, sizeof buf);
    CHECK(door_call(d, &arg) == -1 && errno == EBADF, "closed");
    ok("closed");
    return 0;
}
