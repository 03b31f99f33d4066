/*
 * fd-server: a door that hands its callers open files. The arguments name a file; the
 * results are one descriptor, opened read-only by the server (which may be able to read
 * what the caller cannot: the door decides, knowing who calls with door_ucred), or no
 * descriptor and the reason as text.
 *
 * Build: cc fd-server.c -o fd-server $(pkg-config --cflags --libs door)
 * Run:   ./fd-server /tmp/files.door, then ./fd-client /tmp/files.door /etc/hostname
 */
#include <door.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stropts.h>
#include <unistd.h>

static void hand_out(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n) {
    char name[PATH_MAX];
    (void)cookie;
    (void)dp;
    (void)n;
    if (argp == NULL || arg_size == 0 || arg_size >= sizeof name) {
        door_return("no file named", 13, NULL, 0);
    }
    memcpy(name, argp, arg_size);
    name[arg_size] = '\0';
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const char *why = strerror(errno);
        door_return((char *)why, strlen(why), NULL, 0);
    }
    door_desc_t desc;
    memset(&desc, 0, sizeof desc);
    desc.d_attributes = DOOR_DESCRIPTOR | DOOR_RELEASE; /* ours is closed once sent */
    desc.d_data.d_desc.d_descriptor = fd;
    door_return(NULL, 0, &desc, 1);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DOOR\n", argv[0]);
        return 2;
    }
    int door = door_create(hand_out, NULL, 0);
    if (door < 0) {
        perror("door_create");
        return 1;
    }
    unlink(argv[1]);
    int placeholder = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0666);
    if (placeholder < 0 || close(placeholder) != 0 || fattach(door, argv[1]) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    return door_return(NULL, 0, NULL, 0);
}
