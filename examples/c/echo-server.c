/*
 * echo-server: a door that answers each call with its arguments.
 *
 * Build: cc echo-server.c -o echo-server $(pkg-config --cflags --libs door)
 * Run:   ./echo-server /tmp/echo.door   (prints "ready" once the door is attached)
 * Call it with echo-client, or from Rust: ostium::Client::open(path)?.call(1, b"hi").
 */
#include <door.h>
#include <fcntl.h>
#include <stdio.h>
#include <stropts.h>
#include <unistd.h>

static void echo(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n_desc) {
    (void)cookie;
    /* Descriptors passed to an echo door are not wanted: it owns them, so it closes them. */
    for (uint_t i = 0; i < n_desc; i++) {
        close(dp[i].d_data.d_desc.d_descriptor);
    }
    door_return(argp, arg_size, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DOOR\n", argv[0]);
        return 2;
    }
    int door = door_create(echo, NULL, 0);
    if (door < 0) {
        perror("door_create");
        return 1;
    }
    unlink(argv[1]); /* a door left by an earlier run */
    int placeholder = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0666);
    if (placeholder < 0 || close(placeholder) != 0 || fattach(door, argv[1]) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}
