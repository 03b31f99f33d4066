/*
 * A door client that includes only <door.h> and <fcntl.h>, as a program written for
 * illumos may: built as C99 and as C++, dynamically and statically linked.
 * Usage: minimal DOOR; exits 0 when the door echoed "ping".
 */
#include <door.h>
#include <fcntl.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        return 2;
    }
    int d = open(argv[1], O_RDONLY);
    if (d < 0) {
        return 3;
    }
    char buf[16];
    door_arg_t arg;
    arg.data_ptr = (char *)"ping";
    arg.data_size = 4;
    arg.desc_ptr = 0;
    arg.desc_num = 0;
    arg.rbuf = buf;
    arg.rsize = sizeof buf;
    if (door_call(d, &arg) != 0) {
        return 4;
    }
    if (arg.data_size != 4 || arg.data_ptr != buf || buf[0] != 'p' || buf[3] != 'g') {
        return 5;
    }
    return 0;
}
