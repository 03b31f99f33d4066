/*
 * <ostium_http.h> - HTTP applications in C behind ostiumd's http mode.
 *
 * Part of libdoor (docs/c.md). In http mode, ostiumd hands each HTTP request to a door as
 * one call whose arguments are a request message (docs/http-over-doors.md); the door's
 * procedure decodes it with ostium_http_request_decode(), reads what it needs, builds a
 * response and returns it with ostium_http_return(), which does not return (as
 * door_return()). Nothing needs parsing: ostiumd has framed, de-chunked and checked the
 * request, and frames the response.
 */
#ifndef OSTIUM_HTTP_H
#define OSTIUM_HTTP_H

#include <door.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A decoded request (opaque). */
typedef struct ostium_http_request ostium_http_request;
/* A response being built (opaque). */
typedef struct ostium_http_response ostium_http_response;

/*
 * ostium_http_request_decode - the request a call carries.
 *
 * Decodes the procedure's arguments (argp, arg_size) and takes its descriptors (dp,
 * n_desc: a large body comes as a file, which the request reads and closes). Returns the
 * request (free it with ostium_http_request_free), or NULL with errno set: EBADMSG (not a
 * valid request message: answer with ostium_http_refuse()), EFAULT.
 */
ostium_http_request *ostium_http_request_decode(const char *argp, size_t arg_size,
                                                const door_desc_t *dp, uint_t n_desc);

/*
 * ostium_http_request_method, ostium_http_request_target, ostium_http_request_body,
 * ostium_http_request_remote - the method ("GET"), the request-target ("/path?query"),
 * the body (de-chunked, whole), and the client's address ("IP:PORT", "[IPv6]:PORT"), as
 * *len bytes (len may be NULL), not NUL-terminated, valid until the request is freed.
 */
const char *ostium_http_request_method(const ostium_http_request *request, size_t *len);
const char *ostium_http_request_target(const ostium_http_request *request, size_t *len);
const char *ostium_http_request_body(const ostium_http_request *request, size_t *len);
const char *ostium_http_request_remote(const ostium_http_request *request, size_t *len);

/*
 * ostium_http_request_header - the value of the first header field called name (in any
 * case), *len bytes; NULL if the request has none.
 */
const char *ostium_http_request_header(const ostium_http_request *request, const char *name,
                                       size_t *len);

/* ostium_http_request_header_count - how many header fields the request has. */
size_t ostium_http_request_header_count(const ostium_http_request *request);

/*
 * ostium_http_request_header_at - field index (from 0, in the order received): its
 * lower-case name and its value, with their lengths. Returns 0, or -1 with errno EINVAL
 * past the last field.
 */
int ostium_http_request_header_at(const ostium_http_request *request, size_t index,
                                  const char **name, size_t *name_len, const char **value,
                                  size_t *value_len);

/* ostium_http_request_free - release request. */
void ostium_http_request_free(ostium_http_request *request);

/*
 * ostium_http_response_new - a response of status (200 to 599; ostiumd sends 100 Continue
 * itself), with no field and an empty body. NULL with errno EINVAL for another status.
 */
ostium_http_response *ostium_http_response_new(int status);

/*
 * ostium_http_response_header - add a header field. Returns 0, or -1 with errno EINVAL:
 * a name that is not an HTTP token, a value with a control character, or one of the
 * fields ostiumd sets itself (content-length, connection, transfer-encoding, ...).
 */
int ostium_http_response_header(ostium_http_response *response, const char *name,
                                const char *value);

/* ostium_http_response_body - append len bytes of data to the body. Returns 0, or -1
 * with errno set (EINVAL, EFAULT). */
int ostium_http_response_body(ostium_http_response *response, const char *data, size_t len);

/*
 * ostium_http_return - send the response as the call's results, freeing it, and go back
 * to serving (it does not return, as door_return()). A response the format cannot carry
 * (a body with status 204 or 304) is answered 500. Returns -1 with errno EINVAL only when
 * response is NULL or the thread is not answering a call.
 */
int ostium_http_return(ostium_http_response *response);

/*
 * ostium_http_refuse - answer the call as malformed (ostiumd answers its client 502); for
 * a request ostium_http_request_decode() refused. Does not return.
 */
int ostium_http_refuse(void);

#ifdef __cplusplus
}
#endif

#endif /* OSTIUM_HTTP_H */
