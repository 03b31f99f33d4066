/*
 * http-hello: a web application in C behind ostiumd's http mode, with <ostium_http.h>.
 *
 *   GET /hello?name=NAME   "Hello NAME!" (text/plain; NAME defaults to "world")
 *   POST /echo             the request's body, with its content-type
 *   GET /headers           the request's header fields, one "name: value" a line
 *   anything else          404
 *
 * Build: cc http-hello.c -o http-hello $(pkg-config --cflags --libs door)
 * Serve, in ostiumd.conf:
 *     forward http 127.0.0.1:8080 to /run/hello.door {
 *         exec "/usr/local/bin/http-hello {door}"
 *     }
 * Try: curl 'http://127.0.0.1:8080/hello?name=doors'
 */
#include <door.h>
#include <fcntl.h>
#include <ostium_http.h>
#include <stdio.h>
#include <string.h>
#include <stropts.h>
#include <unistd.h>

/* Whether the request-target's path (before any '?') is path. */
static int path_is(const char *target, size_t len, const char *path) {
    size_t path_len = strlen(path);
    return len >= path_len && memcmp(target, path, path_len) == 0 &&
           (len == path_len || target[path_len] == '?');
}

static void text(ostium_http_response *response, const char *body, size_t len) {
    ostium_http_response_header(response, "content-type", "text/plain; charset=utf-8");
    ostium_http_response_body(response, body, len);
}

static void hello(const char *target, size_t len, ostium_http_response *response) {
    const char *query = memchr(target, '?', len);
    const char *name = "world";
    size_t name_len = 5;
    if (query != NULL && len - (size_t)(query - target) > 6 && memcmp(query, "?name=", 6) == 0) {
        name = query + 6;
        name_len = len - (size_t)(name - target);
    }
    char body[256];
    int n = snprintf(body, sizeof body, "Hello %.*s!\n", (int)(name_len > 200 ? 200 : name_len), name);
    text(response, body, (size_t)n);
}

static void headers(const ostium_http_request *request, ostium_http_response *response) {
    char body[4096];
    size_t used = 0;
    for (size_t i = 0; i < ostium_http_request_header_count(request); i++) {
        const char *name, *value;
        size_t name_len, value_len;
        ostium_http_request_header_at(request, i, &name, &name_len, &value, &value_len);
        int n = snprintf(body + used, sizeof body - used, "%.*s: %.*s\n", (int)name_len, name,
                         (int)value_len, value);
        if (n < 0 || (size_t)n >= sizeof body - used) {
            break;
        }
        used += (size_t)n;
    }
    text(response, body, used);
}

static void serve(void *cookie, char *argp, size_t arg_size, door_desc_t *dp, uint_t n_desc) {
    (void)cookie;
    ostium_http_request *request = ostium_http_request_decode(argp, arg_size, dp, n_desc);
    if (request == NULL) {
        ostium_http_refuse();
    }
    size_t method_len, target_len;
    const char *method = ostium_http_request_method(request, &method_len);
    const char *target = ostium_http_request_target(request, &target_len);
    int get = method_len == 3 && memcmp(method, "GET", 3) == 0;
    int post = method_len == 4 && memcmp(method, "POST", 4) == 0;
    ostium_http_response *response;
    if (get && path_is(target, target_len, "/hello")) {
        response = ostium_http_response_new(200);
        hello(target, target_len, response);
    } else if (get && path_is(target, target_len, "/headers")) {
        response = ostium_http_response_new(200);
        headers(request, response);
    } else if (post && path_is(target, target_len, "/echo")) {
        size_t body_len, type_len;
        const char *body = ostium_http_request_body(request, &body_len);
        const char *type = ostium_http_request_header(request, "Content-Type", &type_len);
        char type_text[256];
        response = ostium_http_response_new(200);
        if (type != NULL && type_len < sizeof type_text) {
            memcpy(type_text, type, type_len);
            type_text[type_len] = '\0';
            ostium_http_response_header(response, "content-type", type_text);
        }
        ostium_http_response_body(response, body, body_len);
    } else {
        response = ostium_http_response_new(404);
        text(response, "not found\n", 10);
    }
    ostium_http_request_free(request);
    ostium_http_return(response);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DOOR\n", argv[0]);
        return 2;
    }
    int door = door_create(serve, NULL, 0);
    if (door < 0) {
        perror("door_create");
        return 1;
    }
    unlink(argv[1]); /* a door left by an earlier run */
    int placeholder = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (placeholder < 0 || close(placeholder) != 0 || fattach(door, argv[1]) != 0) {
        perror(argv[1]);
        return 1;
    }
    return door_return(NULL, 0, NULL, 0);
}
