/*
 * handoff-greeter: portunusd's demo application, behind ostiumd's handoff mode.
 *
 * ostiumd accepts a TCP connection and passes the socket itself through the door as the
 * call's first descriptor (in blocking mode, as inetd and portunusd hand it); this door
 * reads a name from it, writes "Hello NAME!", closes it, and returns a one-byte status
 * (0: greeted; 4: no socket came; 5: the socket failed). The call's arguments are
 * ostiumd's "REMOTE LOCAL\n" line, then any bytes it had already read from the client,
 * which are the start of the name.
 *
 * Build: cc handoff-greeter.c -o handoff-greeter $(pkg-config --cflags --libs door)
 * Serve, in ostiumd.conf:
 *     forward tcp 127.0.0.1:8081 to /run/greeter.door {
 *         mode handoff
 *         exec "/usr/local/bin/handoff-greeter {door}"
 *     }
 * Try: echo world | nc 127.0.0.1 8081
 */
#include <door.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stropts.h>
#include <unistd.h>

#define NAME_MAX_LEN 63

/* Reads the client's name: the bytes ostiumd read already, then the socket's, up to a
 * newline or the end. Returns its length, or -1 if the socket failed. */
static int read_name(int client, const char *early, size_t early_len, char *name) {
    size_t len = early_len < NAME_MAX_LEN ? early_len : NAME_MAX_LEN;
    memcpy(name, early, len);
    while (len < NAME_MAX_LEN && memchr(name, '\n', len) == NULL) {
        ssize_t got = read(client, name + len, NAME_MAX_LEN - len);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            break;
        }
        len += (size_t)got;
    }
    char *end = memchr(name, '\n', len);
    if (end != NULL) {
        len = (size_t)(end - name);
    }
    if (len > 0 && name[len - 1] == '\r') {
        len--;
    }
    name[len] = '\0';
    return (int)len;
}

static void greet(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n_desc) {
    char status = 4;
    (void)cookie;
    if (n_desc == 0) {
        door_return(&status, 1, NULL, 0);
    }
    int client = dp[0].d_data.d_desc.d_descriptor;
    const char *line_end = argp != NULL ? memchr(argp, '\n', arg_size) : NULL;
    const char *early = line_end != NULL ? line_end + 1 : "";
    size_t early_len = line_end != NULL ? arg_size - (size_t)(line_end + 1 - argp) : 0;
    char name[NAME_MAX_LEN + 1];
    char greeting[NAME_MAX_LEN + 16];
    status = 5;
    if (read_name(client, early, early_len, name) >= 0) {
        int len = snprintf(greeting, sizeof greeting, "Hello %s!\n", name);
        if (write(client, greeting, (size_t)len) == len) {
            status = 0;
        }
    }
    close(client);
    door_return(&status, 1, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DOOR\n", argv[0]);
        return 2;
    }
    int door = door_create(greet, NULL, 0);
    if (door < 0) {
        perror("door_create");
        return 1;
    }
    /* A door left by an earlier run is replaced. */
    unlink(argv[1]);
    int placeholder = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (placeholder < 0) {
        perror(argv[1]);
        return 1;
    }
    close(placeholder);
    if (fattach(door, argv[1]) != 0) {
        perror("fattach");
        return 1;
    }
    return door_return(NULL, 0, NULL, 0);
}
