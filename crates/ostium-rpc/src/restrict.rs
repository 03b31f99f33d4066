//! Restricted operations: per operation, the callers allowed by uid, gid, user name or group
//! name, checked against the credentials the kernel gave for the connection
//! ([`Caller`]). Others are answered [`Fault::AccessViolation`](ostium::wire::Fault).
//!
//! Hubris restricts operations to task indices; on Linux the identity of a caller is its
//! user and group. Names are resolved once, when the door starts serving, from
//! `/etc/passwd` and `/etc/group` (a name that resolves to nothing allows nobody): a group
//! allows its members as `/etc/group` lists them, the users whose primary group it is, and
//! any caller whose effective gid it is. The superuser has no exemption. An operation may
//! also be allowed to the server's own user, whichever it is ([`Allowed::owner`]).

use std::collections::HashSet;

use ostium::Caller;

/// Who may call one operation: a caller matching any entry is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowed {
    /// The user the server runs as (its effective uid when the door starts serving): for
    /// operations only the service's own user may call, whoever that is where it runs.
    pub owner: bool,
    /// User ids.
    pub uids: &'static [u32],
    /// Group ids (the caller's effective gid).
    pub gids: &'static [u32],
    /// User names.
    pub users: &'static [&'static str],
    /// Group names.
    pub groups: &'static [&'static str],
}

/// The restrictions of a server: for each restricted operation number, who may call it.
/// Operations not listed are open to anyone who can open the door.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    rules: Vec<(u32, Resolved)>,
}

/// An [`Allowed`] with its names resolved to ids.
#[derive(Debug, Clone, Default)]
struct Resolved {
    uids: HashSet<u32>,
    gids: HashSet<u32>,
}

impl Policy {
    /// Resolves `restrictions` (operation number, who may call it) against this machine's
    /// user and group databases.
    pub fn resolve(restrictions: &[(u32, Allowed)]) -> Policy {
        if restrictions.is_empty() {
            return Policy::default();
        }
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
        Policy::resolve_with(restrictions, &passwd, &group)
    }

    /// Like [`resolve`](Self::resolve), with the text of `/etc/passwd` and `/etc/group`.
    pub fn resolve_with(restrictions: &[(u32, Allowed)], passwd: &str, group: &str) -> Policy {
        let users: Vec<(&str, u32, u32)> = records(passwd)
            .filter_map(|f| Some((f[0], f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))
            .collect();
        let groups: Vec<(&str, u32, Vec<&str>)> = records(group)
            .filter_map(|f| {
                let members = f.get(3).map_or(Vec::new(), |m| m.split(',').collect());
                Some((f[0], f.get(2)?.parse().ok()?, members))
            })
            .collect();
        let owner = ostium_sys::effective_uid();
        let resolve = |allowed: &Allowed| {
            let mut r = Resolved::default();
            r.uids.extend(allowed.owner.then_some(owner));
            r.uids.extend(allowed.uids);
            r.gids.extend(allowed.gids);
            let named = users.iter().filter(|u| allowed.users.contains(&u.0));
            r.uids.extend(named.map(|u| u.1));
            for (_, gid, members) in groups.iter().filter(|g| allowed.groups.contains(&g.0)) {
                r.gids.insert(*gid);
                let member = |u: &&(&str, u32, u32)| u.2 == *gid || members.contains(&u.0);
                r.uids.extend(users.iter().filter(member).map(|u| u.1));
            }
            r
        };
        Policy { rules: restrictions.iter().map(|(op, a)| (*op, resolve(a))).collect() }
    }

    /// Whether `caller` may call operation `op`.
    pub fn permits(&self, op: u32, caller: &Caller) -> bool {
        match self.rules.iter().find(|(rule_op, _)| *rule_op == op) {
            None => true,
            Some((_, r)) => r.uids.contains(&caller.uid) || r.gids.contains(&caller.gid),
        }
    }
}

/// The colon-separated fields of each record of a passwd or group file.
fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(|l| l.split(':').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/h:/bin/sh\n\
                          bob:x:1001:100::/h:/bin/sh\ncarol:x:1002:1002::/h:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nusers:x:100:\nwheel:x:10:carol\nalice:x:1000:\n";

    fn caller(uid: u32, gid: u32) -> Caller {
        Caller { pid: None, uid, gid }
    }

    #[test]
    fn names_resolve_and_others_are_refused() {
        let rules = [
            (1, Allowed { users: &["alice"], ..Allowed::default() }),
            (2, Allowed { groups: &["wheel", "users"], ..Allowed::default() }),
            (3, Allowed { uids: &[7], gids: &[8], ..Allowed::default() }),
            (4, Allowed { users: &["nobody-here"], ..Allowed::default() }),
            (6, Allowed { owner: true, ..Allowed::default() }),
        ];
        let policy = Policy::resolve_with(&rules, PASSWD, GROUP);
        assert!(policy.permits(1, &caller(1000, 1000)));
        assert!(!policy.permits(1, &caller(0, 0)), "root has no exemption");
        assert!(policy.permits(2, &caller(1002, 1002)), "carol is listed in wheel");
        assert!(policy.permits(2, &caller(1001, 999)), "users is bob's primary group");
        assert!(policy.permits(2, &caller(5000, 10)), "the effective gid is wheel");
        assert!(!policy.permits(2, &caller(1000, 1000)));
        assert!(policy.permits(3, &caller(7, 0)) && policy.permits(3, &caller(9, 8)));
        assert!(!policy.permits(4, &caller(1000, 1000)));
        assert!(policy.permits(5, &caller(1234, 1234)), "unlisted operations are open");
        let me = ostium_sys::effective_uid();
        assert!(policy.permits(6, &caller(me, 54_321)), "the server's own user");
        assert!(!policy.permits(6, &caller(me.wrapping_add(1), 54_321)));
    }
}
