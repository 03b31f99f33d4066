//! `set user`: ostiumd binds its ports, then becomes that user, and so do the applications
//! it starts. Needs root: skipped (saying so) otherwise.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Ostiumd, TempDir, exec_app, get, uid_of, wait_ready};

#[test]
fn ostiumd_and_its_application_become_the_user() {
    if uid_of(std::process::id()) != 0 {
        eprintln!("skipped: dropping privileges needs root, and this test runs as a user");
        return;
    }
    let dir = TempDir::new("privileges");
    // The application, as nobody, creates its door here.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let door = dir.path().join("app.door");
    let config = format!(
        "set user nobody\nforward http 127.0.0.1:0 to {} {{\n  {}\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    wait_ready(ostiumd.addr);
    let nobody = 65534;
    assert_eq!(uid_of(ostiumd.child.id()), nobody, "ostiumd gave root up");
    let app: u32 = String::from_utf8(get(ostiumd.addr, "/pid").body).unwrap().parse().unwrap();
    assert_eq!(uid_of(app), nobody, "the application runs as the user too");
    // Every thread: glibc changes them all.
    for task in std::fs::read_dir(format!("/proc/{}/task", ostiumd.child.id())).unwrap() {
        let status = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        assert!(status.contains(&format!("Uid:\t{nobody}\t{nobody}\t{nobody}")), "{status}");
    }
}
