//! The limit on open descriptors: reading it, and raising it.

use std::io;

use rustix::process::{Resource, getrlimit, setrlimit};

use crate::error::Named;

/// `setrlimit(RLIMIT_NOFILE)`: raises this process's soft limit on open descriptors to its
/// hard limit, and returns the new soft limit.
///
/// A server holding thousands of connections needs more than the usual soft limit of 1,024;
/// the hard limit is what the administrator allows, so asking for it is always permitted.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit).named(|| "setrlimit(RLIMIT_NOFILE)")?;
    }
    Ok(limit.current.unwrap_or(u64::MAX))
}

/// `getrlimit(RLIMIT_NOFILE)`: this process's soft limit on open descriptors
/// (`u64::MAX` where it is unlimited), from which servers derive their connection limits.
pub fn fd_limit() -> u64 {
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_reaches_the_hard_limit() {
        let raised = raise_fd_limit().unwrap();
        let limit = getrlimit(Resource::Nofile);
        assert_eq!(limit.current, limit.maximum);
        assert_eq!(raised, limit.current.unwrap_or(u64::MAX));
        assert_eq!(fd_limit(), raised);
    }
}
