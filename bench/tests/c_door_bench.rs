//! `c-door-bench` runs end to end, briefly: its C programs build against libdoor, every arm
//! measures, and the ratio line is printed (no figure is asserted: timing belongs to the
//! benchmark, not to tests).

#[test]
fn every_arm_runs_and_the_ratio_is_reported() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_c-door-bench"))
        .args(["--rounds", "1", "--seconds", "0.2", "--sizes", "8,64"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for arm in ["c-door", "rust-door", "c-to-rust", "rust-to-c", "c-socket"] {
        let runs = stdout.lines().filter(|l| l.split_whitespace().next() == Some(arm));
        assert_eq!(runs.count(), 2, "{arm}: {stdout}");
    }
    assert_eq!(stdout.matches("C/Rust p50").count(), 2, "{stdout}");
}
