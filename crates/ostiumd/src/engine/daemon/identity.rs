//! Who ostiumd becomes after binding its ports (`set user`, `set group`): names resolved
//! in `/etc/passwd` and `/etc/group` (numbers taken as they are).

use std::io;

/// The uid and gid `user` and `group` name: a user's own group unless `group` is given.
pub fn resolve(user: &str, group: Option<&str>) -> io::Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
    resolve_in(user, group, &passwd, &groups)
}

/// [`resolve`], with the text of `/etc/passwd` and `/etc/group`.
pub fn resolve_in(
    user: &str,
    group: Option<&str>,
    passwd: &str,
    groups: &str,
) -> io::Result<(u32, u32)> {
    let not_found = |what: &str, name: &str| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no {what} {name:?} in /etc/{what_file}",
                what_file = if what == "user" { "passwd" } else { "group" }
            ),
        )
    };
    // name:password:uid:gid:…
    let entry = passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| {
        f.len() >= 4
            && (f[0] == user || user.parse::<u32>().is_ok_and(|uid| f[2] == uid.to_string()))
    });
    let (uid, own_gid) = match (entry, user.parse::<u32>()) {
        (Some(f), _) => (f[2].parse().map_err(|_| not_found("user", user))?, f[3].parse().ok()),
        (None, Ok(uid)) => (uid, None),
        (None, Err(_)) => return Err(not_found("user", user)),
    };
    let gid = match group {
        Some(name) => match name.parse::<u32>() {
            Ok(gid) => gid,
            // name:password:gid:members
            Err(_) => groups
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() >= 3 && f[0] == name)
                .and_then(|f| f[2].parse().ok())
                .ok_or_else(|| not_found("group", name))?,
        },
        None => own_gid.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("user {user:?} has no group: set group"),
            )
        })?,
    };
    Ok((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\nweb:x:1001:1002::/:/bin/false\n";
    const GROUP: &str = "root:x:0:\nnogroup:x:65534:\nwww:x:33:web\n";

    #[test]
    fn names_and_numbers() {
        assert_eq!(resolve_in("nobody", None, PASSWD, GROUP).unwrap(), (65534, 65534));
        assert_eq!(resolve_in("web", Some("www"), PASSWD, GROUP).unwrap(), (1001, 33));
        assert_eq!(resolve_in("1001", Some("7"), PASSWD, GROUP).unwrap(), (1001, 7));
        assert_eq!(resolve_in("4242", Some("7"), PASSWD, GROUP).unwrap(), (4242, 7));
        assert!(resolve_in("4242", None, PASSWD, GROUP).is_err(), "a bare uid has no group");
        assert!(resolve_in("nosuch", None, PASSWD, GROUP).is_err());
        assert!(resolve_in("web", Some("nosuch"), PASSWD, GROUP).is_err());
    }
}
