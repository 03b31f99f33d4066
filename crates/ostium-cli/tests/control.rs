//! `ostium status|reload|stop` run for real: against a control door served by this test
//! with the generated `Ostiumd` server, and against a real ostiumd.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ostium::{Caller, DoorOptions, W};
use ostium_rpc::Lease;
use ostiumd_control::{ConcurrentOstiumdImpl, OstiumdServer};

/// Counts what it was asked, and reports a text longer than the CLI's first lease.
#[derive(Default)]
struct Stand {
    reloads: AtomicU32,
    stops: AtomicU32,
}

impl ConcurrentOstiumdImpl for Stand {
    fn status(&self, _: &Caller, mut report: Lease<'_, W, [u8]>) -> u32 {
        let text = format!("stand-in status\n{}\nend\n", "x".repeat(70_000));
        let fits = text.len().min(report.len());
        report.write_range(0..fits, &text.as_bytes()[..fits]).unwrap();
        text.len() as u32
    }

    fn reload(&self, _: &Caller) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
    }

    fn stop(&self, _: &Caller) {
        self.stops.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn status_reload_and_stop() {
    let path = std::env::temp_dir().join(format!("ostium-cli-control-{}.door", std::process::id()));
    let stand = Arc::new(Stand::default());
    let _served =
        OstiumdServer::serve_concurrent(&path, DoorOptions::default(), Arc::clone(&stand)).unwrap();
    let run = |command: &str| {
        Command::new(env!("CARGO_BIN_EXE_ostium"))
            .args([command, "--door", path.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let status = run("status");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(text.starts_with("stand-in status\n") && text.ends_with("\nend\n"), "the whole report");
    assert!(run("reload").status.success());
    assert!(run("stop").status.success());
    assert_eq!(stand.reloads.load(Ordering::Relaxed), 1);
    assert_eq!(stand.stops.load(Ordering::Relaxed), 1);
    // No daemon there: a clear error, non-zero.
    let missing = Command::new(env!("CARGO_BIN_EXE_ostium"))
        .args(["status", "--door", "/nonexistent/control.door"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("control door"));
}

/// The uid this test runs as.
fn my_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn against_a_real_ostiumd() {
    // The workspace's ostiumd, built next to this crate's binary by `cargo test --workspace`.
    let ostiumd = Path::new(env!("CARGO_BIN_EXE_ostium")).with_file_name("ostiumd");
    if !ostiumd.exists() {
        eprintln!(
            "skipped: {} is not built (`cargo test --workspace` builds it)",
            ostiumd.display()
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("ostium-cli-ostiumd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let door = dir.join("control.door");
    let config = dir.join("ostiumd.conf");
    let text = format!(
        "set control {}\nforward http 127.0.0.1:0 to {}\n",
        door.display(),
        dir.join("app.door").display()
    );
    std::fs::write(&config, text).unwrap();
    let mut daemon = Command::new(&ostiumd)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(daemon.stdout.take().unwrap()).lines();
    let mut next_line = |prefix: &str| loop {
        let line = lines.next().expect("ostiumd's output ended").unwrap();
        if line.starts_with(prefix) {
            return line;
        }
    };
    next_line("ostiumd: listening on");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !door.exists() {
        assert!(Instant::now() < deadline, "no control door at {}", door.display());
        std::thread::sleep(Duration::from_millis(10));
    }
    let ostium = |command: &str| {
        Command::new(env!("CARGO_BIN_EXE_ostium"))
            .args([command, "--door", door.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let status = ostium("status");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let report = String::from_utf8(status.stdout).unwrap();
    assert!(report.starts_with(&format!("ostiumd {} up ", daemon.id())), "{report}");
    assert!(report.contains("http 127.0.0.1:0  door "), "{report}");
    if my_uid() == 0 {
        // Another user may look, not act; the CLI says why.
        let refused = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_ostium"))
            .args(["reload", "--door", door.to_str().unwrap()])
            .output()
            .expect("run setpriv (util-linux)");
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("reload refused: only the user ostiumd runs as"), "{stderr}");
    } else {
        eprintln!("skipped part: calling as another user needs root");
    }
    assert!(ostium("reload").status.success());
    next_line("ostiumd: reloaded");
    assert!(ostium("stop").status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = daemon.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "ostiumd did not stop");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(exit.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
