//! `ostiumd-test-app`: the application ostiumd's end-to-end tests start through `exec`
//! (an `ostium_http` server with the routes the tests need, or a `bytes` or `handoff`
//! door, by the door's file name), serving the door named by `OSTIUM_DOOR`. A binary of
//! the ostiumd package for its tests' sake (they find it as `CARGO_BIN_EXE_…`); it is of
//! no use otherwise.

use std::time::Duration;

use http::{Request, Response, StatusCode};

/// Serves until killed (at most two minutes, so it cannot outlive a failed test for long).
/// The door's file name says which mode: `bytes.door` and `handoff.door` are served as
/// those modes, any other as `http`.
fn main() {
    let Ok(door) = std::env::var("OSTIUM_DOOR") else { return };
    // `/panic` panics on purpose: one line in the log, not a backtrace that reads like a
    // failure.
    std::panic::set_hook(Box::new(|info| eprintln!("test application: {info}")));
    let options = ostium::DoorOptions::default();
    let _door = if door.ends_with("bytes.door") {
        ostium::Door::builder(&door).options(options).serve(bytes).unwrap()
    } else if door.ends_with("handoff.door") {
        ostium::Door::builder(&door).options(options).serve(handoff).unwrap()
    } else {
        ostium_http::serve(&door, options, handle).unwrap()
    };
    std::thread::sleep(Duration::from_secs(120));
}

/// `bytes` mode: the request's bytes in upper case, after `len=N `.
fn bytes(request: ostium::Request<'_>) -> ostium::Answer {
    let mut reply = format!("len={} ", request.args.len()).into_bytes();
    reply.extend(request.args.iter().map(u8::to_ascii_uppercase));
    ostium::Answer::ok(reply)
}

/// `handoff` mode: greets the client with the address ostiumd saw, then echoes what it
/// sends (the bytes ostiumd had read first) until it half-closes.
fn handoff(request: ostium::Request<'_>) -> ostium::Answer {
    use std::io::{Read, Write};
    let Some(fd) = request.fds.into_iter().next() else {
        return ostium::Answer::fault(ostium::wire::Fault::BadMessage);
    };
    // Handed in blocking mode, as inetd and portunusd hand a connection: a plain program
    // reads it without a poller. The greeting says otherwise if it was not.
    let blocking = !ostium_sys::is_nonblocking(&fd).unwrap_or(true);
    let mut stream = std::net::TcpStream::from(fd);
    if !blocking {
        let _ = writeln!(stream, "handoff of a non-blocking socket");
        return ostium::Answer::ok(Vec::new());
    }
    let text = String::from_utf8_lossy(request.args).into_owned();
    let (line, early) = text.split_once('\n').unwrap_or((&text, ""));
    let remote = line.split(' ').next().unwrap_or("");
    let _ = write!(stream, "handoff from {remote}\n{early}");
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let _ = stream.write_all(&rest);
    ostium::Answer::ok(Vec::new())
}

fn query_number(request: &Request<Vec<u8>>, key: &str) -> u64 {
    request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn handle(request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    let text = |status: StatusCode, body: Vec<u8>| {
        let mut response = Response::new(body);
        *response.status_mut() = status;
        response
    };
    match request.uri().path() {
        "/" => text(StatusCode::OK, b"hello\n".to_vec()),
        "/echo" => text(StatusCode::OK, request.into_body()),
        "/length" => text(StatusCode::OK, request.body().len().to_string().into_bytes()),
        "/pid" => text(StatusCode::OK, std::process::id().to_string().into_bytes()),
        "/peer" => {
            let peer = request.extensions().get::<ostium_http::Peer>().map(|p| p.remote);
            text(StatusCode::OK, format!("{peer:?}").into_bytes())
        }
        "/slow" => {
            std::thread::sleep(Duration::from_millis(query_number(&request, "ms")));
            text(StatusCode::OK, b"slow\n".to_vec())
        }
        "/die" => std::process::exit(3),
        "/panic" => panic!("the test application was asked to panic"),
        _ => text(StatusCode::NOT_FOUND, b"not found\n".to_vec()),
    }
}
