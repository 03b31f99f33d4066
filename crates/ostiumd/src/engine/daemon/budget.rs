//! How ostiumd shares out its descriptors, so that what any local user can reach — the
//! control door and the admin address — can never starve the forwards.
//!
//! ostiumd raises its soft `RLIMIT_NOFILE` to the hard limit at start; call that `L`. Out
//! of `L`, a fixed **reserve** is set aside and bounded by construction:
//!
//! | what | descriptors, at most |
//! |---|---|
//! | the control door: its listener and [`CONTROL_CONNECTIONS`] connections | 65 |
//! | the admin address: its listener and the one connection it serves at a time | 2 |
//! | the daemon itself: standard streams, signals, access logs, the applications' process descriptors, and per loop its poller, waker, timer and listener ([`PER_LOOP`]) | [`DAEMON_BASE`] + [`PER_LOOP`] × loops |
//!
//! The forwards have the rest, `L − reserve`: each `http`, `bytes` or `handoff` forward
//! needs up to its `max-connections` for clients, and up to [`MAX_DOOR_CONNECTIONS`] per
//! loop for its door pool. The control door and the admin address enforce their caps
//! themselves (the door's `Gate`, the admin server's one connection at a time), so a flood
//! of either costs at most its share. When the forwards' own limits add up to more than
//! their share, ostiumd says so at start ([`overcommitted`]): a forward at its
//! `max-connections` then meets `EMFILE` before its limit, which it survives (accepting
//! rests), but the limit no longer describes it.

use crate::config::Config;

use super::control::CONTROL_CONNECTIONS;
use crate::engine::forward::door_pool::MAX_DOOR_CONNECTIONS;

/// Descriptors of the admin address: its listener and its one connection.
pub const ADMIN: usize = 2;
/// Descriptors the daemon holds whatever its forwards: standard streams, the signal pipe,
/// access log files, the applications' process descriptors, the journal socket.
pub const DAEMON_BASE: usize = 64;
/// Descriptors of one event loop apart from its connections: poller, waker, timer,
/// listener.
pub const PER_LOOP: usize = 4;

/// The reserve: what is set aside for everything but the forwards' connections.
pub fn reserve(forwards: usize, loops_per_forward: usize) -> usize {
    CONTROL_CONNECTIONS + 1 + ADMIN + DAEMON_BASE + PER_LOOP * loops_per_forward * forwards
}

/// What the forwards of `config` may need at most, with `loops` loops each.
pub fn forwards_need(config: &Config, loops: usize) -> u64 {
    let door_pools = (MAX_DOOR_CONNECTIONS * loops) as u64;
    config.forwards.iter().map(|f| u64::from(f.limits.max_connections) + door_pools).sum()
}

/// A warning when the forwards' limits add up to more descriptors than `limit` leaves
/// them after the reserve; `None` when they fit.
pub fn overcommitted(config: &Config, loops: usize, limit: u64) -> Option<String> {
    let reserve = reserve(config.forwards.len(), loops) as u64;
    let share = limit.saturating_sub(reserve);
    let need = forwards_need(config, loops);
    (need > share).then(|| {
        format!(
            "the forwards may need {need} descriptors (max-connections, and {MAX_DOOR_CONNECTIONS} \
             door connections per loop), more than the {share} left of the limit of {limit} after \
             the {reserve} reserved for the control door, the admin address and the daemon: \
             lower max-connections, or raise the hard limit (LimitNOFILE=)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(max_connections: &str) -> Config {
        let text = format!(
            "forward http 127.0.0.1:0 to /run/app.door {{\n  max-connections {max_connections}\n}}\n"
        );
        crate::config::parse("test.conf", &text).unwrap()
    }

    #[test]
    fn the_reserve_counts_the_control_door_the_admin_address_and_each_loop() {
        assert_eq!(reserve(0, 2), 64 + 1 + 2 + 64);
        assert_eq!(reserve(3, 2), 64 + 1 + 2 + 64 + 4 * 2 * 3);
    }

    #[test]
    fn forwards_within_their_share_are_not_reported() {
        let config = config("1000");
        assert_eq!(forwards_need(&config, 2), 1000 + 2048);
        assert_eq!(overcommitted(&config, 2, 1_048_576), None);
    }

    #[test]
    fn forwards_past_their_share_are_reported_with_the_figures() {
        let warning = overcommitted(&config("10000"), 2, 4096).unwrap();
        assert!(warning.contains("12048 descriptors"), "{warning}");
        assert!(warning.contains("limit of 4096"), "{warning}");
    }
}
