/*
 * An echo door with limits (door_setparam): arguments of 1 to 1000 bytes, at most one
 * descriptor. Checks door_getparam and door_setparam's answers and errors first, and the
 * errors of calls outside the limits (its own calls, and a DOOR_REFUSE_DESC door's, never
 * attached), then prints "ready". Usage: params DOOR.
 */
#include <door.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stropts.h>
#include <unistd.h>

#define EXPECT(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
            return 1;                                                      \
        }                                                                  \
    } while (0)

static void echo(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n_desc) {
    (void)cookie;
    for (uint_t i = 0; i < n_desc; i++) {
        close(dp[i].d_data.d_desc.d_descriptor);
    }
    door_return(argp, arg_size, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        return 2;
    }
    int door = door_create(echo, NULL, 0);
    int placeholder = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT(door >= 0 && placeholder >= 0 && close(placeholder) == 0);
    EXPECT(fattach(door, argv[1]) == 0);
    size_t value;
    EXPECT(door_getparam(door, DOOR_PARAM_DATA_MAX, &value) == 0 && value == SIZE_MAX);
    EXPECT(door_getparam(door, DOOR_PARAM_DATA_MIN, &value) == 0 && value == 0);
    EXPECT(door_getparam(door, DOOR_PARAM_DESC_MAX, &value) == 0 && value == INT_MAX);
    EXPECT(door_getparam(door, 99, &value) == -1 && errno == EINVAL);
    EXPECT(door_getparam(-1, DOOR_PARAM_DATA_MAX, &value) == -1 && errno == EBADF);
    EXPECT(door_setparam(door, 99, 1) == -1 && errno == EINVAL);
    EXPECT(door_setparam(door, DOOR_PARAM_DESC_MAX, (size_t)INT_MAX + 1) == -1 && errno == ERANGE);
    EXPECT(door_setparam(door, DOOR_PARAM_DATA_MAX, 1000) == 0);
    EXPECT(door_setparam(door, DOOR_PARAM_DATA_MIN, 1001) == -1 && errno == EINVAL);
    EXPECT(door_setparam(door, DOOR_PARAM_DATA_MIN, 1) == 0);
    EXPECT(door_setparam(door, DOOR_PARAM_DESC_MAX, 1) == 0);
    EXPECT(door_getparam(door, DOOR_PARAM_DATA_MAX, &value) == 0 && value == 1000);
    int refusing = door_create(echo, NULL, DOOR_REFUSE_DESC);
    EXPECT(door_getparam(refusing, DOOR_PARAM_DESC_MAX, &value) == 0 && value == 0);
    EXPECT(door_setparam(refusing, DOOR_PARAM_DESC_MAX, 1) == -1 && errno == ENOTSUP);
    EXPECT(door_create(echo, NULL, DOOR_UNREF | DOOR_UNREF_MULTI) == -1 && errno == EINVAL);
    EXPECT(door_create(echo, NULL, 0x8000) == -1 && errno == EINVAL);

    char big[1001] = {0};
    door_desc_t two[2] = {{.d_attributes = DOOR_DESCRIPTOR}, {.d_attributes = DOOR_DESCRIPTOR}};
    two[0].d_data.d_desc.d_descriptor = 0;
    two[1].d_data.d_desc.d_descriptor = 1;
    door_arg_t fine = {"x", 1, two, 1, NULL, 0};
    EXPECT(door_call(door, &fine) == 0);
    door_arg_t too_many = {"x", 1, two, 2, NULL, 0};
    EXPECT(door_call(door, &too_many) == -1 && errno == ENFILE);
    door_arg_t too_big = {big, sizeof big, NULL, 0, NULL, 0};
    EXPECT(door_call(door, &too_big) == -1 && errno == ENOBUFS);
    /* door_call rewrote `fine` to describe its results: describe the call again. */
    door_arg_t one_desc = {"x", 1, two, 1, NULL, 0};
    EXPECT(door_call(refusing, &one_desc) == -1 && errno == ENOTSUP);
    door_arg_t no_descs = {"x", 1, NULL, 0, NULL, 0};
    EXPECT(door_call(refusing, &no_descs) == 0);
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}
