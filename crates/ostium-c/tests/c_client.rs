//! C door clients, built with the machine's C compiler against libdoor, calling a Rust
//! door: `open` of a door, `door_call` with results in place and mapped, descriptors both
//! ways and `DOOR_RELEASE`, threads on one descriptor, `door_info`, the error codes.

mod support;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ostium::wire::Fault;
use ostium::{Answer, Door, Request};
use support::{Build, compile, run, source, text};

fn door_path(name: &str) -> std::path::PathBuf {
    ostium_test_support::door_path("ostium-c", name)
}

/// Calls in progress now, and the most at once.
#[derive(Default)]
struct Concurrency {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// The door `tests/c/client.c` expects (see its head comment).
fn handler(request: Request<'_>, concurrency: &Concurrency) -> Answer {
    match request.args {
        b"W" => {
            let Some(fd) = request.fds.into_iter().next() else {
                return Answer::fault(Fault::BadMessage);
            };
            let _ = std::fs::File::from(fd).write_all(b"written");
            Answer::ok(b"w".to_vec())
        }
        b"F" => {
            let (read, write) = std::io::pipe().unwrap();
            let _ = (&write).write_all(b"from the door");
            Answer::ok(b"f".to_vec()).with_fds([OwnedFd::from(read)])
        }
        b"S" => {
            let now = concurrency.now.fetch_add(1, Ordering::SeqCst) + 1;
            concurrency.most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            concurrency.now.fetch_sub(1, Ordering::SeqCst);
            Answer::ok(b"s".to_vec())
        }
        b"X" => Answer::error(3, Vec::new()),
        args => Answer::ok(args.to_vec()),
    }
}

#[test]
fn a_c_client_calls_a_rust_door_as_it_would_on_illumos() {
    let path = door_path("client");
    let concurrency = Arc::new(Concurrency::default());
    let seen = Arc::clone(&concurrency);
    let _door = Door::builder(&path).serve(move |request| handler(request, &seen)).unwrap();
    let dir = path.parent().unwrap();
    let not_a_door = dir.join("stream.sock");
    let _stream = std::os::unix::net::UnixListener::bind(&not_a_door).unwrap();
    let program = compile(&source("client.c"), dir, Build::C99);
    let pid = std::process::id().to_string();
    let output = run(&program, &[path.to_str().unwrap(), &pid, not_a_door.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let passed = String::from_utf8_lossy(&output.stdout).lines().count();
    assert_eq!(passed, 8, "every check reported:\n{}", text(&output));
    // Eight threads on one descriptor were served at once, not one after another.
    let most = concurrency.most.load(Ordering::SeqCst);
    assert!(most >= 2, "at most {most} of the eight calls in the handler at once");
}

#[test]
fn a_program_with_only_door_h_and_fcntl_h_builds_as_c_and_cxx_and_links_either_way() {
    let path = door_path("minimal");
    let _door = Door::builder(&path).serve(|request| Answer::ok(request.args.to_vec())).unwrap();
    let dir = path.parent().unwrap();
    for build in [Build::C99, Build::Cxx, Build::Static] {
        let program = compile(&source("minimal.c"), dir, build);
        let output = run(&program, &[path.to_str().unwrap()]);
        assert!(output.status.success(), "{build:?}: {}", text(&output));
    }
}

#[test]
fn the_headers_lay_the_types_out_as_the_library_does() {
    let dir = door_path("layout");
    let dir = dir.parent().unwrap();
    for build in [Build::C99, Build::Cxx] {
        let program = compile(&source("layout.c"), dir, build);
        assert!(run(&program, &[]).status.success());
    }
}

#[test]
fn a_revoked_door_refuses_c_calls_and_says_so() {
    let path = door_path("revoked");
    let door = Door::builder(&path).serve(|request| Answer::ok(request.args.to_vec())).unwrap();
    let dir = path.parent().unwrap();
    let program = compile(&source("revoked.c"), dir, Build::C99);
    let mut child = support::Reaped(
        std::process::Command::new(&program)
            .arg(&path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut opened = String::new();
    let mut stdout = std::io::BufReader::new(child.0.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut stdout, &mut opened).unwrap();
    assert_eq!(opened, "opened\n");
    door.revoke();
    child.0.stdin.take().unwrap().write_all(b"\n").unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "revoked exited with {status}");
}

#[test]
fn the_installed_library_builds_a_program_with_pkg_config_alone() {
    let path = door_path("installed");
    let _door = Door::builder(&path).serve(|request| Answer::ok(request.args.to_vec())).unwrap();
    let prefix = path.parent().unwrap().join("prefix");
    let installed = std::process::Command::new(env!("CARGO_BIN_EXE_libdoor-install"))
        .arg("--prefix")
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(installed.status.success(), "{}", text(&installed));
    let pkg_config_path = prefix.join("lib/pkgconfig");
    let flags = std::process::Command::new("pkg-config")
        .args(["--cflags", "--libs", "door"])
        .env("PKG_CONFIG_PATH", &pkg_config_path)
        .output()
        .expect("pkg-config (apt-get install pkg-config)");
    assert!(flags.status.success(), "{}", text(&flags));
    let flags = String::from_utf8(flags.stdout).unwrap();
    let program = prefix.join("minimal");
    let built = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("cc {} -o {} {flags}", source("minimal.c").display(), program.display()))
        .output()
        .unwrap();
    assert!(built.status.success(), "cc with `{flags}`: {}", text(&built));
    let output = run(&program, &[path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn every_door_function_the_library_exports_is_declared_and_documented_in_a_header() {
    let library = support::lib_dir().join("libdoor.so");
    let symbols = std::process::Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&library)
        .output()
        .expect("nm (apt-get install binutils)");
    let symbols = String::from_utf8(symbols.stdout).unwrap();
    let headers: String = ["door.h", "sys/door.h", "stropts.h", "ucred.h", "ostium_http.h"]
        .iter()
        .map(|h| std::fs::read_to_string(support::include_dir().join(h)).unwrap())
        .collect();
    // The libc functions libdoor interposes are declared by libc's own headers.
    let interposed = |name: &str| {
        name.contains("open") || ["close", "dup2", "dup3", "close_range"].contains(&name)
    };
    let exported: Vec<&str> = symbols
        .lines()
        .filter(|line| line.split_whitespace().nth(1) == Some("T"))
        .filter_map(|line| line.split_whitespace().nth(2))
        .filter(|name| !interposed(name))
        .collect();
    assert!(exported.len() >= 20, "functions exported: {exported:?}");
    for name in exported {
        let declared =
            [" ", "*"].iter().any(|before| headers.contains(&format!("{before}{name}(")));
        assert!(declared, "{name} declared");
        // A man-page line: "name - what it does", alone or in a list of names.
        let documented = headers.lines().any(|line| {
            let line = line.trim_start_matches([' ', '/', '*']);
            let names = line.split(" - ").next().unwrap_or_default();
            names.split(", ").any(|n| n.trim_end_matches(',') == name)
        });
        assert!(documented, "{name} documented");
    }
}
