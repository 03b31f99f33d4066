//! `ostium status|reload|stop` run for real against a control door served by this test
//! with the generated `Ostiumd` server (ostiumd's own is tested in ostiumd's tests).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use ostium::rpc::Lease;
use ostium::{Caller, DoorOptions, W};
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
