//! The control door (`set control PATH`, idl/ostiumd.idol) through its generated client:
//! status reports the forwards, reload reloads, stop stops; reload and stop are refused to
//! users other than ostiumd's own and root.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{Ostiumd, TempDir, exec_app, get, uid_of, wait_ready};
use ostium::wire::Fault;
use ostium_rpc::Failure;
use ostiumd_control::Ostiumd as Control;

/// Not a test: calls the control door named by `CONTROL_DOOR` with `CONTROL_OP` and prints
/// how it went, for the test that runs it as another user.
#[test]
#[ignore = "a helper: the control door's caller that another test runs as another user"]
fn control_child() {
    let door = std::env::var_os("CONTROL_DOOR").expect("CONTROL_DOOR");
    let op = std::env::var("CONTROL_OP").expect("CONTROL_OP");
    let client = Control::open(Path::new(&door)).unwrap();
    let outcome = match op.as_str() {
        "status" => client.status(&mut [0u8; 4096]).map(|_| ()),
        "reload" => client.reload(),
        "stop" => client.stop(),
        other => panic!("no operation {other}"),
    };
    match outcome {
        Ok(()) => println!("outcome: ok"),
        Err(Failure::Fault(Fault::AccessViolation)) => println!("outcome: access violation"),
        Err(other) => println!("outcome: {other}"),
    }
}

/// Starts ostiumd with a control door (and `settings` lines before its forward, `options`
/// in the forward's block); returns the door's path too.
fn start_with_control(
    dir: &TempDir,
    settings: &str,
    options: &str,
) -> (Ostiumd, std::path::PathBuf) {
    let control = dir.path().join("control.door");
    let config = format!(
        "set control {}\n{settings}forward http 127.0.0.1:0 to {} {{\n{options}\n}}\n",
        control.display(),
        dir.path().join("app.door").display()
    );
    (Ostiumd::start(dir, &config), control)
}

#[test]
fn status_reload_and_stop_through_the_control_door() {
    let dir = TempDir::new("control");
    let (ostiumd, control) = start_with_control(&dir, "", &exec_app());
    wait_ready(ostiumd.addr);
    assert_eq!(get(ostiumd.addr, "/").status, 200);
    assert_eq!(get(ostiumd.addr, "/nothing").status, 404);
    let mode = std::fs::metadata(&control).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o666, "open to every local user: reload and stop are restricted");
    let client = Control::open(&control).unwrap();
    let mut report = vec![0u8; 4096];
    // The clients' closes reach ostiumd a moment after their answers: until then they
    // are still open.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (len, text) = loop {
        let len = client.status(&mut report).unwrap() as usize;
        let text = String::from_utf8_lossy(&report[..len.min(report.len())]).into_owned();
        if text.contains("connections 0 open, ") || std::time::Instant::now() > deadline {
            break (len, text);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(text.starts_with(&format!("ostiumd {}", ostiumd.child.id())), "{text}");
    assert!(text.contains("http 127.0.0.1:0  door "), "{text}");
    // Waiting for the application made requests too (503 until it was up): counted.
    assert!(text.contains("connections 0 open, "), "{text}");
    let counted =
        text.contains("  requests ") && text.contains("200: ") && text.contains(", 404: 1");
    assert!(counted, "{text}");
    assert!(text.contains("  application pid "), "{text}");
    assert!(text.contains(" door threads, 0 restarts"), "{text}");
    // A report larger than the lease says how large it is (the uptime may have grown a
    // digit meanwhile).
    let mut short = [0u8; 8];
    let whole = client.status(&mut short).unwrap() as usize;
    assert!(whole >= len && whole <= len + 2, "{whole} vs {len}");
    assert_eq!(&short, &report[..8]);

    client.reload().unwrap();
    ostiumd.next_line("ostiumd: reloaded");
    client.stop().unwrap();
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

/// Calls `op` on the control door at `door` as the user nobody (65534), through
/// `control_child` run under `setpriv`; returns what it printed.
fn as_nobody(door: &Path, op: &str) -> String {
    let me = std::env::current_exe().unwrap();
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(me)
        .args(["control_child", "--exact", "--ignored", "--nocapture"])
        .env("CONTROL_DOOR", door)
        .env("CONTROL_OP", op)
        .output()
        .expect("run setpriv (util-linux)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix("outcome: "));
    line.unwrap_or_else(|| {
        panic!("no outcome: {stdout} {}", String::from_utf8_lossy(&output.stderr))
    })
    .to_owned()
}

#[test]
fn other_users_may_ask_for_status_but_not_reload_or_stop() {
    if uid_of(std::process::id()) != 0 {
        eprintln!("skipped: calling as another user needs root, and this test runs as a user");
        return;
    }
    let dir = TempDir::new("control-users");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (ostiumd, control) = start_with_control(&dir, "", "");
    assert_eq!(as_nobody(&control, "status"), "ok");
    assert_eq!(as_nobody(&control, "reload"), "access violation");
    assert_eq!(as_nobody(&control, "stop"), "access violation");
    // Still running, and its own user (root here) may do both.
    let client = Control::open(&control).unwrap();
    client.reload().unwrap();
    ostiumd.next_line("ostiumd: reloaded");
    client.stop().unwrap();
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

#[test]
fn control_mode_sets_the_door_file_mode() {
    let dir = TempDir::new("control-mode");
    let (ostiumd, control) = start_with_control(&dir, "set control-mode 0600\n", "");
    let mode = std::fs::metadata(&control).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(ostiumd.terminate().code(), Some(0));
}
