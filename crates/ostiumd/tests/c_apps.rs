//! C applications behind ostiumd: programs of `examples/c`, written as for illumos and
//! built with the machine's C compiler against libdoor (`crates/ostium-c`), started by
//! ostiumd's `exec`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Ostiumd, TempDir};

/// Builds `examples/c/NAME.c` into `dir` against the libdoor cargo built for this test.
fn build_example(name: &str, dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // libdoor is this test's dev-dependency: cargo built it beside the test binary.
    let lib = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    assert!(lib.join("libdoor.so").exists(), "libdoor.so in {}", lib.display());
    let out = dir.join(name);
    let output = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L", "-I"])
        .arg(root.join("crates/ostium-c/include"))
        .arg(root.join("examples/c").join(format!("{name}.c")))
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(&lib)
        .arg("-ldoor")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        // DT_RPATH, which wins over the LD_LIBRARY_PATH cargo gives the test and ostiumd
        // passes on (it names target/<profile>, where a stale libdoor.so may lie).
        .arg("-Wl,--disable-new-dtags")
        .output()
        .expect("running cc (apt-get install gcc)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    out
}

/// Sends `request` and reads the answer until the server closes; retried until the
/// application, which starts with ostiumd, answers.
fn exchange(ostiumd: &Ostiumd, request: &[u8]) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut answer = Vec::new();
        if let Ok(mut stream) = TcpStream::connect(ostiumd.addr) {
            stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let _ = stream.write_all(request);
            let _ = stream.read_to_end(&mut answer);
        }
        if !answer.is_empty() {
            return answer;
        }
        assert!(Instant::now() < deadline, "the application never answered");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn portunusds_demo_greeter_in_c_serves_the_network_through_handoff() {
    let dir = TempDir::new("c-greeter");
    let greeter = build_example("handoff-greeter", dir.path());
    let door = dir.path().join("greeter.door");
    let config = format!(
        "forward tcp 127.0.0.1:0 to {} {{\n  mode handoff\n  exec \"{} {{door}}\"\n}}\n",
        door.display(),
        greeter.display()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    assert_eq!(exchange(&ostiumd, b"world\n"), b"Hello world!\n");
    // A name that comes in pieces, the socket read as a plain blocking one.
    let mut stream = TcpStream::connect(ostiumd.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(b"do").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    stream.write_all(b"ors\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(answer, "Hello doors!\n");
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

/// Sends one HTTP/1.1 request (with `Connection: close`) and returns the response; until
/// the application has started, ostiumd answers 503, and the request is sent again.
fn http(ostiumd: &Ostiumd, request: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = String::from_utf8(exchange(ostiumd, request.as_bytes())).unwrap();
        if !response.starts_with("HTTP/1.1 503") || Instant::now() > deadline {
            return response;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn a_c_web_application_serves_http_through_ostium_http_h() {
    let dir = TempDir::new("c-http");
    let app = build_example("http-hello", dir.path());
    let door = dir.path().join("hello.door");
    let config = format!(
        "forward http 127.0.0.1:0 to {} {{\n  exec \"{} {{door}}\"\n}}\n",
        door.display(),
        app.display()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    let hello =
        http(&ostiumd, "GET /hello?name=doors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(hello.starts_with("HTTP/1.1 200 OK\r\n"), "{hello}");
    assert!(hello.contains("content-type: text/plain; charset=utf-8\r\n"), "{hello}");
    assert!(hello.ends_with("\r\n\r\nHello doors!\n"), "{hello}");

    // A chunked body arrives whole, its type kept.
    let echo = http(
        &ostiumd,
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-test\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    );
    assert!(echo.contains("content-type: application/x-test\r\n"), "{echo}");
    assert!(echo.ends_with("\r\n\r\nabcde"), "{echo}");

    // A body too large for ostiumd's buffer comes as a file, read whole.
    let big = "z".repeat(100_000);
    let request = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
        big.len()
    );
    let echo = http(&ostiumd, &request);
    assert!(echo.ends_with(&format!("\r\n\r\n{big}")), "{} bytes", echo.len());

    let fields =
        http(&ostiumd, "GET /headers HTTP/1.1\r\nHost: h\r\nX-One: 1\r\nConnection: close\r\n\r\n");
    assert!(fields.contains("host: h\nx-one: 1\n"), "{fields}");
    let missing = http(&ostiumd, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    assert_eq!(ostiumd.terminate().code(), Some(0));
}
