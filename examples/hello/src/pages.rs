//! The application: what each request gets.
//!
//! - `GET /` (and `HEAD /`): a small HTML page that shows the request's method and path,
//!   the client's address and the name of the thread that served it;
//! - `GET /echo?…`: the query string back, as text;
//! - `POST /echo`: the body back, with the request's `content-type`;
//! - another method on those paths: 405; any other path: 404.

use std::fmt::Write as _;

use http::{Method, Request, Response, StatusCode, header};
use ostium_http::Peer;

/// Answers one request.
pub(crate) fn handle(request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    let method = request.method();
    match request.uri().path() {
        "/" if method == Method::GET || method == Method::HEAD => hello(&request),
        "/echo" if method == Method::GET => {
            let query = request.uri().query().unwrap_or_default();
            respond(StatusCode::OK, "text/plain; charset=utf-8", query.as_bytes().to_vec())
        }
        "/echo" if method == Method::POST => {
            let kind = request.headers().get(header::CONTENT_TYPE).cloned();
            let mut response = respond(StatusCode::OK, "application/octet-stream", Vec::new());
            if let Some(kind) = kind {
                response.headers_mut().insert(header::CONTENT_TYPE, kind);
            }
            *response.body_mut() = request.into_body();
            response
        }
        "/" | "/echo" => {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED);
            let allow = if request.uri().path() == "/" { "GET, HEAD" } else { "GET, POST" };
            response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(allow));
            response
        }
        _ => plain(StatusCode::NOT_FOUND),
    }
}

/// The hello page.
fn hello(request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let client = match request.extensions().get::<Peer>() {
        Some(peer) => peer.remote.to_string(),
        None => "unknown".to_owned(),
    };
    let thread = std::thread::current();
    let rows = [
        ("method", request.method().as_str()),
        ("path", request.uri().path()),
        ("client", &client),
        ("thread", thread.name().unwrap_or("unnamed")),
    ];
    let mut page = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Hello from Ostium</title>\
         </head>\n<body><h1>Hello from Ostium</h1>\n<table>\n",
    );
    for (name, value) in rows {
        let _ = writeln!(page, "<tr><th>{name}</th><td>{}</td></tr>", escape(value));
    }
    page.push_str("</table>\n</body></html>\n");
    respond(StatusCode::OK, "text/html; charset=utf-8", page.into_bytes())
}

/// A status with its reason as a text body.
fn plain(status: StatusCode) -> Response<Vec<u8>> {
    let text = format!("{} {}\n", status.as_u16(), status.canonical_reason().unwrap_or(""));
    respond(status, "text/plain; charset=utf-8", text.into_bytes())
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    response
}

/// `text` safe inside HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, target: &str, body: &[u8]) -> Request<Vec<u8>> {
        let mut request = Request::new(body.to_vec());
        *request.method_mut() = method;
        *request.uri_mut() = target.parse().unwrap();
        let peer = Peer::new("192.0.2.7:50000".parse().unwrap(), "127.0.0.1:8080".parse().unwrap());
        request.extensions_mut().insert(peer);
        request
    }

    #[test]
    fn routes() {
        let page = handle(request(Method::GET, "/?a=1", b""));
        assert_eq!(page.status(), 200);
        let text = String::from_utf8(page.into_body()).unwrap();
        assert!(text.contains("Hello from Ostium") && text.contains("192.0.2.7:50000"), "{text}");
        assert_eq!(handle(request(Method::GET, "/echo?x=1&y", b"")).body(), b"x=1&y");
        assert_eq!(handle(request(Method::POST, "/echo", b"body")).body(), b"body");
        let wrong = handle(request(Method::DELETE, "/echo", b""));
        assert_eq!(wrong.status(), 405);
        assert_eq!(wrong.headers()["allow"], "GET, POST");
        assert_eq!(handle(request(Method::GET, "/nope", b"")).status(), 404);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
