//! Under systemd (`Type=notify`): ostiumd tells the service manager READY=1 once it
//! listens, RELOADING=1 then READY=1 around a reload, STOPPING=1 when it drains.

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use common::{Ostiumd, TempDir};

/// The next notification, as text.
fn next(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 512];
    let len = socket.recv(&mut buf).expect("a notification within 20 s");
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

#[test]
fn ready_reloading_and_stopping_are_notified() {
    let dir = TempDir::new("notify");
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let config = format!("forward http 127.0.0.1:0 to {}\n", dir.path().join("a.door").display());
    let ostiumd = Ostiumd::start_with_env(&dir, &config, &[("NOTIFY_SOCKET", &path)]);
    assert_eq!(next(&socket), "READY=1");
    ostiumd.reload(&config);
    assert!(next(&socket).starts_with("RELOADING=1"), "reloading first");
    assert_eq!(next(&socket), "READY=1");
    let status = {
        ostium_sys::signal_process(ostiumd.child.id(), ostium_sys::ProcessSignal::Terminate)
            .unwrap();
        next(&socket)
    };
    assert_eq!(status, "STOPPING=1");
    assert_eq!(ostiumd.terminate().code(), Some(0));
}
