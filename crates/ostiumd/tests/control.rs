//! The control door (`set control PATH`, idl/ostiumd.idol) through its generated client:
//! status reports the forwards, reload reloads, stop stops; the door is the owner's only.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Ostiumd, TempDir};
use ostiumd_control::Ostiumd as Control;

#[test]
fn status_reload_and_stop_through_the_control_door() {
    let dir = TempDir::new("control");
    let control = dir.path().join("control.door");
    let config = format!(
        "set control {}\nforward http 127.0.0.1:0 to {}\n",
        control.display(),
        dir.path().join("app.door").display()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    let mode = std::fs::metadata(&control).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the owner's only");
    let client = Control::open(&control).unwrap();
    let mut report = vec![0u8; 4096];
    let len = client.status(&mut report).unwrap() as usize;
    let text = String::from_utf8_lossy(&report[..len.min(report.len())]).into_owned();
    assert!(text.starts_with(&format!("ostiumd {}", ostiumd.child.id())), "{text}");
    assert!(text.contains("http 127.0.0.1:0  door "), "{text}");
    assert!(text.contains("connections 0 open"), "{text}");
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
