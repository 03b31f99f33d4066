/*
 * echo-client: calls a door with a text and prints what comes back.
 *
 * Build: cc echo-client.c -o echo-client $(pkg-config --cflags --libs door)
 * Run:   ./echo-client /tmp/echo.door hello
 */
#include <door.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s DOOR TEXT\n", argv[0]);
        return 2;
    }
    int door = open(argv[1], O_RDONLY);
    if (door < 0) {
        perror(argv[1]);
        return 1;
    }
    char buf[1024];
    door_arg_t arg;
    memset(&arg, 0, sizeof arg);
    arg.data_ptr = argv[2];
    arg.data_size = strlen(argv[2]);
    arg.rbuf = buf;
    arg.rsize = sizeof buf;
    if (door_call(door, &arg) != 0) {
        perror("door_call");
        return 1;
    }
    printf("%.*s\n", (int)arg.data_size, arg.data_ptr);
    if (arg.rbuf != buf) {
        munmap(arg.rbuf, arg.rsize); /* the results did not fit: door_call mapped them */
    }
    close(door);
    return 0;
}
