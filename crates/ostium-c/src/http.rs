//! A C API for ostiumd's `http` mode (`<ostium_http.h>`): a door procedure reads the
//! request the call's arguments hold (docs/http-over-doors.md: method, target, header
//! fields, body, the client's address) and returns a response, without parsing anything
//! itself. Decoding and encoding are `ostium-http`'s, so a C application and a Rust one
//! accept and refuse exactly the same messages.

use std::ffi::{CStr, c_char, c_int, c_uint};
use std::os::fd::{FromRawFd, OwnedFd};

use http::{HeaderName, HeaderValue, Request, Response, StatusCode};

use crate::abi::DoorDesc;
use crate::{errno, serve};

/// `ostium_http_request`: a decoded request, its fields in order.
#[derive(Debug)]
pub struct HttpRequest {
    request: Request<Vec<u8>>,
    method: Vec<u8>,
    target: Vec<u8>,
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    remote: Vec<u8>,
}

/// `ostium_http_response`: a response being built.
#[derive(Debug, Default)]
pub struct HttpResponse {
    status: u16,
    fields: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
}

/// `ostium_http_request_decode(argp, arg_size, dp, n_desc)`: the request a call of
/// ostiumd's `http` mode carries, or NULL with errno `EBADMSG` (answer the call with
/// `ostium_http_refuse`). The request takes the call's descriptors (a body file).
///
/// # Safety
/// `argp` is valid for `arg_size` bytes and `dp` for `n_desc` entries (each may be NULL
/// when its count is 0), the descriptors the procedure's own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_request_decode(
    argp: *const c_char,
    arg_size: usize,
    dp: *const DoorDesc,
    n_desc: c_uint,
) -> *mut HttpRequest {
    let msg: &[u8] = match arg_size {
        0 => &[],
        _ if argp.is_null() => return null_with(libc::EFAULT),
        // SAFETY: the caller's guarantee.
        len => unsafe { std::slice::from_raw_parts(argp.cast::<u8>(), len) },
    };
    let descs: &[DoorDesc] = match n_desc {
        0 => &[],
        _ if dp.is_null() => return null_with(libc::EFAULT),
        // SAFETY: the caller's guarantee.
        n => unsafe { std::slice::from_raw_parts(dp, n as usize) },
    };
    let fds: Vec<OwnedFd> = descs
        .iter()
        // SAFETY: the caller's guarantee: these descriptors are the procedure's to give.
        .map(|desc| unsafe { OwnedFd::from_raw_fd(desc.descriptor) })
        .collect();
    match ostium_http::decode_request_with_fds(msg, fds) {
        Ok(request) => Box::into_raw(Box::new(HttpRequest::of(request))),
        Err(_) => null_with(libc::EBADMSG),
    }
}

fn null_with<T>(code: c_int) -> *mut T {
    errno::fail(code);
    std::ptr::null_mut()
}

impl HttpRequest {
    fn of(request: Request<Vec<u8>>) -> HttpRequest {
        let fields = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().as_bytes().to_vec(), value.as_bytes().to_vec()))
            .collect();
        let remote = request
            .extensions()
            .get::<ostium_http::Peer>()
            .map(|peer| peer.remote.to_string().into_bytes())
            .unwrap_or_default();
        HttpRequest {
            method: request.method().as_str().as_bytes().to_vec(),
            target: request.uri().to_string().into_bytes(),
            fields,
            remote,
            request,
        }
    }
}

/// Points `*len` (if not NULL) at `bytes`' length and returns them.
///
/// # Safety
/// `len` is NULL or valid for writing.
unsafe fn bytes_out(bytes: &[u8], len: *mut usize) -> *const c_char {
    if !len.is_null() {
        // SAFETY: the caller's guarantee.
        unsafe { len.write(bytes.len()) };
    }
    bytes.as_ptr().cast()
}

macro_rules! request_bytes {
    ($($doc:literal $name:ident => |$r:ident| $bytes:expr;)*) => {$(
        #[doc = $doc]
        ///
        /// # Safety
        /// `request` is one `ostium_http_request_decode` made; `len` NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(request: *const HttpRequest, len: *mut usize) -> *const c_char {
            // SAFETY: the caller's guarantee.
            let Some($r) = (unsafe { request.as_ref() }) else { return null_with(libc::EINVAL) };
            // SAFETY: the caller's guarantee about `len`.
            unsafe { bytes_out($bytes, len) }
        }
    )*};
}

request_bytes! {
    "`ostium_http_request_method`: the method (`GET`), `*len` bytes, not NUL-terminated." ostium_http_request_method => |r| &r.method;
    "`ostium_http_request_target`: the request-target (`/path?query`), `*len` bytes." ostium_http_request_target => |r| &r.target;
    "`ostium_http_request_body`: the body (read from its file if ostiumd passed one), `*len` bytes." ostium_http_request_body => |r| r.request.body();
    "`ostium_http_request_remote`: the client's address, `IP:PORT` (`[IPv6]:PORT`), `*len` bytes." ostium_http_request_remote => |r| &r.remote;
}

/// `ostium_http_request_header(request, name, len)`: the value of the first field called
/// `name` (any case), `*len` bytes; NULL if there is none.
///
/// # Safety
/// `request` is one `ostium_http_request_decode` made; `name` a NUL-terminated string;
/// `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_request_header(
    request: *const HttpRequest,
    name: *const c_char,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: the caller's guarantee.
    let Some(request) = (unsafe { request.as_ref() }) else { return null_with(libc::EINVAL) };
    if name.is_null() {
        return null_with(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee.
    let name = unsafe { CStr::from_ptr(name) }.to_bytes();
    let found = request.fields.iter().find(|(field, _)| field.eq_ignore_ascii_case(name));
    match found {
        // SAFETY: the caller's guarantee about `len`.
        Some((_, value)) => unsafe { bytes_out(value, len) },
        None => std::ptr::null(),
    }
}

/// `ostium_http_request_header_count(request)`: how many header fields it has.
///
/// # Safety
/// `request` is one `ostium_http_request_decode` made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_request_header_count(request: *const HttpRequest) -> usize {
    // SAFETY: the caller's guarantee.
    unsafe { request.as_ref() }.map_or(0, |request| request.fields.len())
}

/// `ostium_http_request_header_at(request, i, name, name_len, value, value_len)`: field `i`
/// (from 0, in order): its lower-case name and its value. Returns 0, or -1 with errno
/// `EINVAL` past the last.
///
/// # Safety
/// `request` is one `ostium_http_request_decode` made; the out pointers writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_request_header_at(
    request: *const HttpRequest,
    index: usize,
    name: *mut *const c_char,
    name_len: *mut usize,
    value: *mut *const c_char,
    value_len: *mut usize,
) -> c_int {
    // SAFETY: the caller's guarantee.
    let field = unsafe { request.as_ref() }.and_then(|request| request.fields.get(index));
    let Some((field_name, field_value)) = field else { return errno::fail(libc::EINVAL) };
    if name.is_null() || value.is_null() {
        return errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee about `name_len`.
    let name_at = unsafe { bytes_out(field_name, name_len) };
    // SAFETY: the caller's guarantee about `value_len`.
    let value_at = unsafe { bytes_out(field_value, value_len) };
    // SAFETY: the caller's guarantee: `name` is writable.
    unsafe { name.write(name_at) };
    // SAFETY: the caller's guarantee: `value` is writable.
    unsafe { value.write(value_at) };
    0
}

/// `ostium_http_request_free(request)`.
///
/// # Safety
/// `request` is NULL or one `ostium_http_request_decode` made, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_request_free(request: *mut HttpRequest) {
    if !request.is_null() {
        // SAFETY: the caller's guarantee: made by `Box::into_raw`.
        drop(unsafe { Box::from_raw(request) });
    }
}

/// `ostium_http_response_new(status)`: a response of `status` (200 to 599) with no field
/// and an empty body; NULL with errno `EINVAL` for another status.
#[unsafe(no_mangle)]
pub extern "C" fn ostium_http_response_new(status: c_int) -> *mut HttpResponse {
    match u16::try_from(status) {
        Ok(status @ 200..=599) => {
            Box::into_raw(Box::new(HttpResponse { status, ..Default::default() }))
        }
        _ => null_with(libc::EINVAL),
    }
}

/// `ostium_http_response_header(response, name, value)`: adds a header field. Returns 0, or
/// -1 with errno `EINVAL`: a name that is not an HTTP token, a value with a control
/// character, or a field that is ostiumd's (`content-length`, `connection`, …).
///
/// # Safety
/// `response` is one `ostium_http_response_new` made; `name` and `value` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_response_header(
    response: *mut HttpResponse,
    name: *const c_char,
    value: *const c_char,
) -> c_int {
    // SAFETY: the caller's guarantee.
    let Some(response) = (unsafe { response.as_mut() }) else { return errno::fail(libc::EINVAL) };
    if name.is_null() || value.is_null() {
        return errno::fail(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee: a NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) };
    // SAFETY: the caller's guarantee: a NUL-terminated string.
    let value = unsafe { CStr::from_ptr(value) };
    let name = HeaderName::from_bytes(name.to_bytes());
    let value = HeaderValue::from_bytes(value.to_bytes());
    match (name, value) {
        (Ok(name), Ok(value)) if !ostium_http::HOP_BY_HOP.contains(&name.as_str()) => {
            response.fields.push((name, value));
            0
        }
        _ => errno::fail(libc::EINVAL),
    }
}

/// `ostium_http_response_body(response, data, len)`: appends `len` bytes to the body.
///
/// # Safety
/// `response` is one `ostium_http_response_new` made; `data` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_response_body(
    response: *mut HttpResponse,
    data: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: the caller's guarantee.
    let Some(response) = (unsafe { response.as_mut() }) else { return errno::fail(libc::EINVAL) };
    if len > 0 {
        if data.is_null() {
            return errno::fail(libc::EFAULT);
        }
        // SAFETY: the caller's guarantee.
        response.body.extend_from_slice(unsafe { std::slice::from_raw_parts(data.cast(), len) });
    }
    0
}

/// `ostium_http_return(response)`: frees `response` and returns it as the call's results,
/// as `door_return` does (it does not return). Returns -1 with errno `EINVAL` only if
/// `response` is NULL or the thread answers no call; a response the format cannot carry
/// (a body with 204 or 304) is answered 500, as `ostium_http::serve` does.
///
/// # Safety
/// `response` is NULL or one `ostium_http_response_new` made, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ostium_http_return(response: *mut HttpResponse) -> c_int {
    if response.is_null() {
        return errno::fail(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee: made by `Box::into_raw`, given up here.
    let response = unsafe { Box::from_raw(response) };
    serve::return_results(encode(*response), Vec::new())
}

/// `ostium_http_refuse()`: answers the call with the fault `BAD_MESSAGE` (for a request
/// `ostium_http_request_decode` refused; ostiumd answers its client 502). Does not return.
#[unsafe(no_mangle)]
pub extern "C" fn ostium_http_refuse() -> c_int {
    serve::return_fault(ostium::wire::Fault::BadMessage)
}

/// The response message of `response`, or a 500's if the format cannot carry it.
fn encode(response: HttpResponse) -> Vec<u8> {
    let mut built = Response::new(response.body);
    *built.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.fields {
        built.headers_mut().append(name, value);
    }
    ostium_http::encode_response(&built).unwrap_or_else(|_| {
        let mut failed = Response::new(b"500 Internal Server Error\n".to_vec());
        *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        ostium_http::encode_response(&failed).unwrap_or_default()
    })
}
