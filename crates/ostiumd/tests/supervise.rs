//! `exec` supervision with real processes: the door's path reaches the application, an
//! application that exits is started again, and stopping ends it (politely or not).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ostiumd::supervise::Supervisor;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ostiumd-supervise-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

/// Waits up to 10 s for `check` to hold.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: u32) -> bool {
    // A zombie is dead for our purposes; the supervisor reaps its child.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn the_application_gets_its_door_and_stops_when_asked() {
    let dir = temp_dir("door");
    let out = dir.join("out");
    let door = dir.join("app.door");
    let script = format!("echo \"$OSTIUM_DOOR {{door}}\" > {}; exec sleep 30", out.display());
    // `{door}` inside the script is an argument too: replaced as well.
    let supervisor = Supervisor::start(&sh(&script), &door).unwrap();
    eventually("the application wrote its door", || lines(&out).len() == 1);
    let door = door.display().to_string();
    assert_eq!(lines(&out), [format!("{door} {door}")]);
    let pid = supervisor.pid().expect("running");
    assert_eq!(supervisor.starts(), 1);
    supervisor.stop(Duration::from_secs(5));
    assert!(!alive(pid), "stopped");
}

#[test]
fn an_application_that_exits_is_started_again_with_backoff() {
    let dir = temp_dir("restart");
    let out = dir.join("out");
    let supervisor = Supervisor::start(
        &sh(&format!("echo started >> {}; exit 3", out.display())),
        &dir.join("d"),
    )
    .unwrap();
    // 100, 200, 400 ms between starts: a fourth start comes, and not a flood of them.
    eventually("three restarts", || lines(&out).len() >= 4);
    let starts = supervisor.starts();
    assert!(starts >= 4, "{starts} starts");
    supervisor.stop(Duration::from_secs(5));
    let after_stop = lines(&out).len();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(lines(&out).len(), after_stop, "no start after stop");
    assert!(after_stop < 30, "backoff keeps restarts few: {after_stop}");
}

#[test]
fn an_application_that_ignores_sigterm_is_killed_after_the_grace() {
    let dir = temp_dir("stubborn");
    let ready = dir.join("ready");
    let script = format!("trap '' TERM; touch {}; while :; do sleep 1; done", ready.display());
    let supervisor = Supervisor::start(&sh(&script), &dir.join("d")).unwrap();
    eventually("the application started", || ready.exists());
    let pid = supervisor.pid().expect("running");
    supervisor.stop(Duration::from_millis(200));
    assert!(!alive(pid), "killed");
}

#[test]
fn a_program_that_cannot_start_is_retried_and_stops_cleanly() {
    let dir = temp_dir("missing");
    let argv = vec![dir.join("no-such-program").display().to_string()];
    let supervisor = Supervisor::start(&argv, &dir.join("d")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(supervisor.starts(), 0);
    assert_eq!(supervisor.pid(), None);
    supervisor.stop(Duration::from_secs(1));
}
