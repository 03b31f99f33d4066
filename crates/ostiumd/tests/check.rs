//! `ostiumd --check CONFIG` as a process: a good file prints `ok` and its forwards and
//! exits 0; a bad one prints located errors and exits 1.

use std::process::Command;

fn check(name: &str, text: &str) -> (bool, String, String) {
    let dir = std::env::temp_dir().join(format!("ostiumd-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_ostiumd")).arg("--check").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[test]
fn a_portunusd_file_checks_ok() {
    let (ok, stdout, _) = check(
        "good.conf",
        "set domain example.org\nforward udp 0.0.0.0:53 to /var/run/dns.door\n\
         forward tcp 0.0.0.0:7 to /var/run/echo.door\n",
    );
    assert!(ok);
    assert!(stdout.starts_with("ok: "), "{stdout}");
    assert!(stdout.contains("2 forwards"), "{stdout}");
    assert!(stdout.contains("udp 0.0.0.0:53 -> /var/run/dns.door (mode bytes)"), "{stdout}");
}

#[test]
fn a_bad_file_prints_located_errors() {
    let (ok, _, stderr) =
        check("bad.conf", "forward tcp 0.0.0.0:7 to /a {\n  max-bdy 1M\n}\nset x y\n");
    assert!(!ok);
    assert!(stderr.contains("bad.conf:2:3"), "{stderr}");
    assert!(stderr.contains("  max-bdy 1M\n  |   ^^^^^^^"), "{stderr}");
    assert!(stderr.contains("bad.conf:4:5"), "{stderr}");
    assert!(stderr.contains("2 errors"), "{stderr}");
}

#[test]
fn a_missing_file_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_ostiumd"))
        .args(["--check", "/nonexistent/ostiumd.conf"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
