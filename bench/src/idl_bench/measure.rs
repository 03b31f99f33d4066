//! Alternating rounds of the two arms and each arm's median time per call.

use std::time::{Duration, Instant};

use super::Config;
use super::arms::Arm;

/// Times `call` for each of `arms` in turn, `config.rounds` times (after a warm-up round),
/// and returns each arm's median time per call. The order of the arms flips every round,
/// so neither always runs first.
pub(crate) fn alternate<const N: usize>(
    config: &Config,
    arms: &[Arm; N],
    mut call: impl FnMut(Arm) -> anyhow::Result<()>,
) -> anyhow::Result<[Duration; N]> {
    let order: [usize; N] = std::array::from_fn(|i| i);
    let mut samples: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::new());
    for round in 0..=config.rounds {
        let mut this_round = order;
        if round % 2 == 1 {
            this_round.reverse();
        }
        for index in this_round {
            let start = Instant::now();
            for _ in 0..config.calls {
                call(arms[index])?;
            }
            // Round 0 warms up connections, caches and the door's pool.
            if round > 0 {
                samples[index].push(start.elapsed() / config.calls.max(1));
            }
        }
    }
    Ok(samples.map(|mut s| {
        s.sort();
        s.get(s.len() / 2).copied().unwrap_or_default()
    }))
}
