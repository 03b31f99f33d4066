/*
 * A C client of a door revoked while it holds it open: opens DOOR, says "opened", waits
 * for a line on stdin (tests/c_client.rs revokes the door meanwhile), then calls.
 * Usage: revoked DOOR; exits 0 when the call fails with EBADF and door_info says
 * DOOR_REVOKED.
 */
#include <door.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        return 2;
    }
    int d = open(argv[1], O_RDONLY);
    if (d < 0) {
        perror("open");
        return 3;
    }
    printf("opened\n");
    fflush(stdout);
    if (getchar() == EOF) {
        return 6;
    }
    char buf[8];
    door_arg_t arg = {0};
    arg.data_ptr = (char *)"x";
    arg.data_size = 1;
    arg.rbuf = buf;
    arg.rsize = sizeof buf;
    if (door_call(d, &arg) != -1 || errno != EBADF) {
        fprintf(stderr, "door_call on a revoked door: errno %d\n", errno);
        return 4;
    }
    door_info_t info;
    if (door_info(d, &info) != 0 || !(info.di_attributes & DOOR_REVOKED)) {
        fprintf(stderr, "door_info: attributes %#x\n", info.di_attributes);
        return 5;
    }
    return 0;
}
