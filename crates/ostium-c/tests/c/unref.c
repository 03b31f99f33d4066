/*
 * A DOOR_UNREF door: says "unref" on stdout when its procedure is called with
 * DOOR_UNREF_DATA. Usage: unref DOOR [multi]; prints "ready" once attached.
 * Its calls: "detach" removes the door's name (fdetach) and answers "detached"; anything
 * else is echoed. The door's name counts as a reference, so the notification comes once
 * the name is gone and the last caller has closed its descriptor.
 */
#include <door.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stropts.h>
#include <unistd.h>

static const char *path;

static void serve(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n) {
    (void)cookie;
    (void)dp;
    (void)n;
    if (argp == DOOR_UNREF_DATA) {
        printf("unref\n");
        fflush(stdout);
        door_return(NULL, 0, NULL, 0);
    }
    if (arg_size == 6 && memcmp(argp, "detach", 6) == 0) {
        if (fdetach(path) != 0) {
            door_return("fdetach failed", 14, NULL, 0);
        }
        door_return("detached", 8, NULL, 0);
    }
    door_return(argp, arg_size, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    path = argv[1];
    uint_t attributes = argc > 2 && strcmp(argv[2], "multi") == 0 ? DOOR_UNREF_MULTI : DOOR_UNREF;
    int door = door_create(serve, NULL, attributes);
    int placeholder = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (door < 0 || placeholder < 0 || close(placeholder) != 0 || fattach(door, path) != 0) {
        perror("setting up the door");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}
