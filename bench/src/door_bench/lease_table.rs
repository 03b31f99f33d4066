//! The printed lease results: a row per lease load ([`LeaseRow`]), the lease/memcpy line for
//! the largest lease ([`against_memcpy`]), and what the rows say of the client's
//! inline/memfd threshold ([`threshold`]).
//!
//! GB/s are 10⁹ bytes leased (or copied) per second; µs/call is a call's mean round trip.
//! For the threshold, each transport's µs/call is fitted, per direction, by least squares,
//! with a fixed cost per call plus a cost per KiB, and the two lines are compared: where
//! they cross is the size above which a memfd is the cheaper way (an estimate, from the
//! sizes measured).

use super::lease::{CLIENT_INLINE_MAX, Direction, Outcome, Transport};

/// One lease load, with the memcpy of the same size, in the units printed.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaseRow {
    /// Which way the lease went.
    pub direction: Direction,
    /// Its length in bytes.
    pub size: usize,
    /// How it travelled.
    pub transport: Transport,
    /// Calls per second.
    pub calls_per_sec: f64,
    /// Mean round trip, µs.
    pub us_per_call: f64,
    /// Bytes leased per second, in GB (10⁹ bytes).
    pub gb_per_sec: f64,
    /// Bytes copied per second by `copy_from_slice` of the same size, in GB.
    pub memcpy_gb_per_sec: f64,
}

impl LeaseRow {
    /// The row for a load of `size` bytes going `direction` by `transport`, from what it and
    /// the memcpy of the same size saw.
    pub fn new(
        direction: Direction,
        size: usize,
        transport: Transport,
        load: &Outcome,
        memcpy: &Outcome,
    ) -> LeaseRow {
        let calls = load.calls as f64;
        let gb_per_sec = |outcome: &Outcome| {
            outcome.calls as f64 * size as f64 / outcome.window.as_secs_f64() / 1e9
        };
        LeaseRow {
            direction,
            size,
            transport,
            calls_per_sec: calls / load.window.as_secs_f64(),
            us_per_call: load.busy.as_secs_f64() * 1e6 / calls,
            gb_per_sec: gb_per_sec(load),
            memcpy_gb_per_sec: gb_per_sec(memcpy),
        }
    }

    /// The lease's throughput over the memcpy's.
    pub fn over_memcpy(&self) -> f64 {
        self.gb_per_sec / self.memcpy_gb_per_sec
    }

    /// The column titles, aligned with [`line`](LeaseRow::line).
    pub fn header() -> String {
        format!(
            "{:<6} {:>8} {:>7} {:>10} {:>8} {:>8} {:>12} {:>13}",
            "lease", "size", "via", "calls/s", "µs/call", "GB/s", "memcpy GB/s", "lease/memcpy"
        )
    }

    /// The row as a line of the table.
    pub fn line(&self) -> String {
        format!(
            "{:<6} {:>8} {:>7} {:>10.0} {:>8.1} {:>8.2} {:>12.2} {:>12.3}×",
            self.direction.name(),
            size_name(self.size),
            self.transport.name(),
            self.calls_per_sec,
            self.us_per_call,
            self.gb_per_sec,
            self.memcpy_gb_per_sec,
            self.over_memcpy()
        )
    }
}

/// `size` bytes as printed: in MiB or KiB when it is a whole number of them.
pub fn size_name(size: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    if size >= MIB && size.is_multiple_of(MIB) {
        format!("{} MiB", size / MIB)
    } else if size >= KIB && size.is_multiple_of(KIB) {
        format!("{} KiB", size / KIB)
    } else {
        format!("{size} B")
    }
}

/// The lease/memcpy line for the largest lease measured: each direction's GB/s against the
/// memcpy's. `None` without rows.
pub fn against_memcpy(rows: &[LeaseRow]) -> Option<String> {
    let size = rows.iter().map(|r| r.size).max()?;
    let of_size: Vec<&LeaseRow> = rows.iter().filter(|r| r.size == size).collect();
    let leases: Vec<String> = of_size
        .iter()
        .map(|r| format!("{} lease {:.2} GB/s", r.direction.name(), r.gb_per_sec))
        .collect();
    let ratios: Vec<String> = of_size
        .iter()
        .map(|r| format!("{}/memcpy {:.3}×", r.direction.name(), r.over_memcpy()))
        .collect();
    Some(format!(
        "{} leases: {}; memcpy {:.2} GB/s; {} (1.00× = a lease as fast as a memcpy)",
        size_name(size),
        leases.join(", "),
        of_size[0].memcpy_gb_per_sec,
        ratios.join(", ")
    ))
}

/// A call's cost as a function of the lease's size: `fixed_us + us_per_kib × KiB`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// µs per call whatever the size.
    pub fixed_us: f64,
    /// µs more per KiB leased.
    pub us_per_kib: f64,
}

impl Cost {
    /// The least-squares line through `points` (KiB, µs); `None` unless they hold at least
    /// two different sizes.
    pub fn fit(points: &[(f64, f64)]) -> Option<Cost> {
        let n = points.len() as f64;
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        if points.len() < 2 || sxx <= 0.0 || !sxx.is_finite() {
            return None;
        }
        let us_per_kib = sxy / sxx;
        Some(Cost { fixed_us: mean_y - us_per_kib * mean_x, us_per_kib })
    }
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.us_per_kib < 0.0 { '−' } else { '+' };
        write!(f, "{:.1} µs {sign} {:.3} µs/KiB", self.fixed_us, self.us_per_kib.abs())
    }
}

/// Where a memfd lease becomes cheaper than an inline one, by the fitted costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BreakEven {
    /// A memfd is cheaper above this many KiB.
    MemfdAbove(f64),
    /// A memfd is cheaper below this many KiB (its fixed cost is the smaller).
    MemfdBelow(f64),
    /// A memfd is cheaper at every size.
    MemfdAlways,
    /// Inline is cheaper at every size.
    InlineAlways,
}

impl BreakEven {
    /// Compares the two costs.
    pub fn of(inline: Cost, memfd: Cost) -> BreakEven {
        // How much more a memfd costs at size n: fixed + per_kib × n.
        let fixed = memfd.fixed_us - inline.fixed_us;
        let per_kib = memfd.us_per_kib - inline.us_per_kib;
        let crossing = -fixed / per_kib;
        match (fixed < 0.0, per_kib < 0.0) {
            (true, true) => BreakEven::MemfdAlways,
            (false, false) => BreakEven::InlineAlways,
            (false, true) if crossing.is_finite() => BreakEven::MemfdAbove(crossing),
            (true, false) if crossing.is_finite() => BreakEven::MemfdBelow(crossing),
            (false, _) => BreakEven::InlineAlways,
            (true, _) => BreakEven::MemfdAlways,
        }
    }

    fn describe(self) -> String {
        match self {
            BreakEven::MemfdAbove(kib) => format!("a memfd is cheaper above ≈ {kib:.0} KiB"),
            BreakEven::MemfdBelow(kib) => format!("a memfd is cheaper below ≈ {kib:.0} KiB"),
            BreakEven::MemfdAlways => "a memfd is cheaper at every size".into(),
            BreakEven::InlineAlways => "inline is cheaper at every size".into(),
        }
    }
}

/// For each direction with at least two sizes measured by each transport: the fitted costs
/// of each and where they cross, against the client's threshold. Otherwise a line saying
/// what is missing.
pub fn threshold(rows: &[LeaseRow]) -> Vec<String> {
    let mut lines = Vec::new();
    for direction in Direction::BOTH {
        let fit = |transport| {
            let points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.direction == direction && r.transport == transport)
                .filter(|r| r.us_per_call.is_finite())
                .map(|r| (r.size as f64 / 1024.0, r.us_per_call))
                .collect();
            Cost::fit(&points)
        };
        if !rows.iter().any(|r| r.direction == direction) {
            continue;
        }
        let name = direction.name();
        match (fit(Transport::Inline), fit(Transport::Memfd)) {
            (Some(inline), Some(memfd)) => lines.push(format!(
                "{name} leases: inline ≈ {inline}, memfd ≈ {memfd} per call; by these fits {} \
                 (the client sends ≤ {} inline)",
                BreakEven::of(inline, memfd).describe(),
                size_name(CLIENT_INLINE_MAX)
            )),
            _ => lines.push(format!(
                "{name} leases: no inline/memfd comparison (it takes two sizes by each \
                 transport: ≤ {} inline, above it by memfd)",
                size_name(CLIENT_INLINE_MAX)
            )),
        }
    }
    lines
}

/// For each direction, the sizes measured by both transports and which was cheaper at each:
/// the measurement the client's threshold is chosen by.
pub fn cheaper_by_size(rows: &[LeaseRow]) -> Vec<String> {
    let mut lines = Vec::new();
    for direction in Direction::BOTH {
        let cost = |size, transport| {
            rows.iter()
                .find(|r| r.direction == direction && r.size == size && r.transport == transport)
                .map(|r| r.us_per_call)
        };
        let mut sizes: Vec<usize> =
            rows.iter().filter(|r| r.direction == direction).map(|r| r.size).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let compared: Vec<String> = sizes
            .into_iter()
            .filter_map(|size| {
                let (inline, memfd) =
                    (cost(size, Transport::Inline)?, cost(size, Transport::Memfd)?);
                let cheaper = if inline <= memfd { "inline" } else { "memfd" };
                Some(format!("{} {inline:.1} vs {memfd:.1} µs ({cheaper})", size_name(size)))
            })
            .collect();
        if !compared.is_empty() {
            lines.push(format!(
                "{} leases, inline vs memfd µs/call: {}",
                direction.name(),
                compared.join(", ")
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn outcome(calls: u64, millis: u64, busy_millis: u64) -> Outcome {
        Outcome {
            calls,
            window: Duration::from_millis(millis),
            busy: Duration::from_millis(busy_millis),
        }
    }

    fn row(direction: Direction, kib: usize, transport: Transport, us_per_call: f64) -> LeaseRow {
        LeaseRow {
            direction,
            size: kib * 1024,
            transport,
            calls_per_sec: 1e6 / us_per_call,
            us_per_call,
            gb_per_sec: kib as f64 * 1024.0 / us_per_call / 1e3,
            memcpy_gb_per_sec: 20.0,
        }
    }

    #[test]
    fn rows_are_in_gigabytes_per_second_and_microseconds() {
        // 1000 calls of 1 MiB in 0.5 s, 400 ms of them in calls; 20 000 copies in 1 s.
        let r = LeaseRow::new(
            Direction::Read,
            1 << 20,
            Transport::Memfd,
            &outcome(1000, 500, 400),
            &outcome(20_000, 1000, 1000),
        );
        assert_eq!(r.calls_per_sec, 2000.0);
        assert_eq!(r.us_per_call, 400.0);
        assert!((r.gb_per_sec - 2.097_152).abs() < 1e-9, "{r:?}");
        assert!((r.memcpy_gb_per_sec - 20.971_52).abs() < 1e-9, "{r:?}");
        assert!((r.over_memcpy() - 0.1).abs() < 1e-12);
        assert_eq!(LeaseRow::header().chars().count(), r.line().chars().count());
        assert!(
            r.line().starts_with("read      1 MiB   memfd       2000    400.0"),
            "{}",
            r.line()
        );
        assert!(r.line().ends_with(" 0.100×"), "{}", r.line());
    }

    #[test]
    fn sizes_are_named_in_their_largest_whole_unit() {
        assert_eq!(size_name(1), "1 B");
        assert_eq!(size_name(1000), "1000 B");
        assert_eq!(size_name(4096), "4 KiB");
        assert_eq!(size_name(16 * 1024 + 1), "16385 B");
        assert_eq!(size_name(1536 * 1024), "1536 KiB");
        assert_eq!(size_name(1 << 20), "1 MiB");
    }

    #[test]
    fn the_largest_lease_is_compared_with_memcpy() {
        let rows = [
            row(Direction::Read, 4, Transport::Inline, 10.0),
            row(Direction::Read, 1024, Transport::Memfd, 100.0),
            row(Direction::Write, 1024, Transport::Memfd, 200.0),
        ];
        let line = against_memcpy(&rows).unwrap();
        assert!(line.starts_with("1 MiB leases: read lease 10.49 GB/s, write lease 5.24 GB/s;"));
        assert!(line.contains("memcpy 20.00 GB/s; read/memcpy 0.524×, write/memcpy 0.262×"));
        assert_eq!(against_memcpy(&[]), None);
    }

    #[test]
    fn a_line_is_fitted_through_two_sizes_or_more() {
        let cost = Cost::fit(&[(4.0, 12.0), (16.0, 18.0)]).unwrap();
        assert!((cost.fixed_us - 10.0).abs() < 1e-12 && (cost.us_per_kib - 0.5).abs() < 1e-12);
        let cost = Cost::fit(&[(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]).unwrap();
        assert_eq!(cost, Cost { fixed_us: 1.0, us_per_kib: 1.0 });
        assert_eq!(Cost::fit(&[(4.0, 12.0)]), None);
        assert_eq!(Cost::fit(&[(4.0, 12.0), (4.0, 13.0)]), None);
        assert_eq!(Cost::fit(&[]), None);
        let noisy = Cost::fit(&[(4.0, 38.0), (16.0, 35.0)]).unwrap();
        assert_eq!(noisy.to_string(), "39.0 µs − 0.250 µs/KiB");
        assert_eq!(cost.to_string(), "1.0 µs + 1.000 µs/KiB");
    }

    #[test]
    fn break_even_sizes() {
        let cost = |fixed_us, us_per_kib| Cost { fixed_us, us_per_kib };
        // Inline: 10 µs + 1 µs/KiB; memfd: 30 µs + 0.5 µs/KiB: equal at 40 KiB.
        assert_eq!(BreakEven::of(cost(10.0, 1.0), cost(30.0, 0.5)), BreakEven::MemfdAbove(40.0));
        assert_eq!(BreakEven::of(cost(10.0, 0.5), cost(30.0, 1.0)), BreakEven::InlineAlways);
        assert_eq!(BreakEven::of(cost(30.0, 1.0), cost(10.0, 0.5)), BreakEven::MemfdAlways);
        assert_eq!(BreakEven::of(cost(30.0, 0.5), cost(10.0, 1.0)), BreakEven::MemfdBelow(40.0));
        assert_eq!(BreakEven::of(cost(10.0, 1.0), cost(10.0, 1.0)), BreakEven::InlineAlways);
    }

    #[test]
    fn the_threshold_lines_need_two_sizes_by_each_transport() {
        let mut rows = vec![
            row(Direction::Read, 4, Transport::Inline, 14.0),
            row(Direction::Read, 16, Transport::Inline, 20.0),
            row(Direction::Read, 64, Transport::Memfd, 42.0),
            row(Direction::Read, 1024, Transport::Memfd, 330.0),
            row(Direction::Write, 4, Transport::Inline, 14.0),
            row(Direction::Write, 64, Transport::Memfd, 42.0),
        ];
        let lines = threshold(&rows);
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert_eq!(
            lines[0],
            "read leases: inline ≈ 12.0 µs + 0.500 µs/KiB, memfd ≈ 22.8 µs + 0.300 µs/KiB per \
             call; by these fits a memfd is cheaper above ≈ 54 KiB (the client sends ≤ 16 KiB \
             inline)"
        );
        assert!(lines[1].starts_with("write leases: no inline/memfd comparison"), "{}", lines[1]);
        rows.retain(|r| r.direction == Direction::Write);
        assert_eq!(threshold(&rows).len(), 1);
        assert!(threshold(&[]).is_empty());
    }
}
