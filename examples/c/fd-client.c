/*
 * fd-client: asks fd-server for a file and copies it to standard output, reading the
 * descriptor the door returned.
 *
 * Build: cc fd-client.c -o fd-client $(pkg-config --cflags --libs door)
 * Run:   ./fd-client /tmp/files.door /etc/hostname
 */
#include <door.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s DOOR FILE\n", argv[0]);
        return 2;
    }
    int door = open(argv[1], O_RDONLY);
    if (door < 0) {
        perror(argv[1]);
        return 1;
    }
    char buf[256];
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
    if (arg.desc_num != 1) {
        fprintf(stderr, "%s: %.*s\n", argv[2], (int)arg.data_size, arg.data_ptr);
        return 1;
    }
    door_desc_t received;
    memcpy(&received, arg.desc_ptr, sizeof received); /* desc_ptr is in rbuf */
    int file = received.d_data.d_desc.d_descriptor;
    ssize_t got;
    while ((got = read(file, buf, sizeof buf)) > 0) {
        if (write(STDOUT_FILENO, buf, (size_t)got) != got) {
            return 1;
        }
    }
    close(file);
    close(door);
    return got < 0;
}
