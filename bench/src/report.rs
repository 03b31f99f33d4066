//! The printed results: one table row per run, and the ratio of Ostium to tokio per load.
//!
//! The server's CPU time per message is given whole (`srv µs/msg`, user and system time)
//! and for user space alone (`usr µs/msg`): the kernel's TCP work is the same for both
//! servers, so their own code's cost shows in the second. Under `echo-bench --callgrind`
//! rows also count the instructions the server executed in user space per message
//! (`Ir/msg`), and [`instructions_comparison`] replaces [`comparison`], whose timings would
//! be valgrind's.

use crate::loadgen::{Load, Outcome};

/// One run, in the units it is printed in.
#[derive(Clone, Debug)]
pub struct Row {
    /// Which server: `ostium` or `tokio`.
    pub server: &'static str,
    /// Bytes per message.
    pub size: usize,
    /// Connections, each with one message in flight.
    pub connections: usize,
    /// Round trips per second.
    pub msgs_per_sec: f64,
    /// Median round trip, µs.
    pub p50_us: f64,
    /// 99th percentile round trip, µs.
    pub p99_us: f64,
    /// Server CPU time over the window's length, as a percentage of one CPU.
    pub server_cpu_pct: f64,
    /// Server CPU time (user and system) per round trip, µs.
    pub server_us_per_msg: f64,
    /// Server user CPU time per round trip, µs.
    pub server_usr_us_per_msg: f64,
    /// The load generator's CPU time over the window's length, in percent of one CPU.
    pub generator_cpu_pct: f64,
    /// Instructions the server executed in user space per round trip, when counted.
    pub instructions_per_msg: Option<f64>,
}

impl Row {
    /// The row for `server` under `load`, from what the measurement saw, and the
    /// instructions the server executed in the window if they were counted.
    pub fn new(
        server: &'static str,
        load: &Load,
        outcome: &Outcome,
        instructions: Option<u64>,
    ) -> Row {
        let window = outcome.window.as_secs_f64();
        let messages = outcome.messages as f64;
        let us = |q| outcome.latency.quantile(q).map_or(f64::NAN, |ns| ns as f64 / 1000.0);
        Row {
            server,
            size: load.size,
            connections: load.connections,
            msgs_per_sec: messages / window,
            p50_us: us(0.50),
            p99_us: us(0.99),
            server_cpu_pct: 100.0 * outcome.server_cpu.total().as_secs_f64() / window,
            server_us_per_msg: outcome.server_cpu.total().as_secs_f64() * 1e6 / messages,
            server_usr_us_per_msg: outcome.server_cpu.user.as_secs_f64() * 1e6 / messages,
            generator_cpu_pct: 100.0 * outcome.generator_cpu.total().as_secs_f64() / window,
            instructions_per_msg: instructions.map(|ir| ir as f64 / messages),
        }
    }

    /// The column titles, aligned with [`line`](Row::line); `instructions` adds the
    /// `Ir/msg` column, for rows that have it.
    pub fn header(instructions: bool) -> String {
        let mut header = format!(
            "{:<7} {:>6} {:>6} {:>11} {:>9} {:>9} {:>8} {:>11} {:>11} {:>8}",
            "server",
            "size",
            "conns",
            "msgs/s",
            "p50 µs",
            "p99 µs",
            "srv CPU",
            "srv µs/msg",
            "usr µs/msg",
            "gen CPU"
        );
        if instructions {
            header += &format!(" {:>9}", "Ir/msg");
        }
        header
    }

    /// The row as a line of the table.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{:<7} {:>6} {:>6} {:>11.0} {:>9.1} {:>9.1} {:>7.1}% {:>11.2} {:>11.3} {:>7.1}%",
            self.server,
            self.size,
            self.connections,
            self.msgs_per_sec,
            self.p50_us,
            self.p99_us,
            self.server_cpu_pct,
            self.server_us_per_msg,
            self.server_usr_us_per_msg,
            self.generator_cpu_pct
        );
        if let Some(ir) = self.instructions_per_msg {
            line += &format!(" {ir:>9.0}");
        }
        line
    }
}

/// The median of `values` (of an even number, the mean of the middle two).
pub fn middle(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "the median of no values");
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

/// The median of several runs of one server under one load, field by field (of an even
/// number of runs, the mean of the middle two).
pub fn median(rows: &[Row]) -> Row {
    assert!(!rows.is_empty(), "the median of no runs");
    let of = |field: fn(&Row) -> f64| middle(rows.iter().map(field).collect());
    Row {
        msgs_per_sec: of(|r| r.msgs_per_sec),
        p50_us: of(|r| r.p50_us),
        p99_us: of(|r| r.p99_us),
        server_cpu_pct: of(|r| r.server_cpu_pct),
        server_us_per_msg: of(|r| r.server_us_per_msg),
        server_usr_us_per_msg: of(|r| r.server_usr_us_per_msg),
        generator_cpu_pct: of(|r| r.generator_cpu_pct),
        instructions_per_msg: rows
            .iter()
            .all(|r| r.instructions_per_msg.is_some())
            .then(|| of(|r| r.instructions_per_msg.unwrap_or(f64::NAN))),
        ..rows[0].clone()
    }
}

/// Ostium's numbers over tokio's for one load, and whether the throughput target
/// (Ostium ≥ 1.0× tokio) is met.
pub fn comparison(ostium: &Row, tokio: &Row) -> String {
    let throughput = ostium.msgs_per_sec / tokio.msgs_per_sec;
    let verdict = if throughput >= 1.0 { "met" } else { "NOT met" };
    format!(
        "{} B × {} conns: ostium/tokio msgs/s {:.2}× (target ≥ 1.00×: {verdict}), p50 {:.2}×, p99 {:.2}×, \
         server CPU/msg {:.2}×, user CPU/msg {:.2}× (lower is better for the last four)",
        ostium.size,
        ostium.connections,
        throughput,
        ostium.p50_us / tokio.p50_us,
        ostium.p99_us / tokio.p99_us,
        ostium.server_us_per_msg / tokio.server_us_per_msg,
        ostium.server_usr_us_per_msg / tokio.server_usr_us_per_msg
    )
}

/// Ostium's user-space instructions per message against tokio's for one load (rows counted
/// under `--callgrind`).
pub fn instructions_comparison(ostium: &Row, tokio: &Row) -> String {
    let (o, t) = (ostium.instructions_per_msg, tokio.instructions_per_msg);
    let (o, t) = (o.unwrap_or(f64::NAN), t.unwrap_or(f64::NAN));
    format!(
        "{} B × {} conns: user-space instructions/msg ostium {o:.0}, tokio {t:.0}: \
         ostium/tokio {:.2}× (lower is better)",
        ostium.size,
        ostium.connections,
        o / t
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cputime::CpuTime;
    use crate::histogram::Histogram;
    use std::time::Duration;

    fn row(server: &'static str, messages: u64, latency_ns: u64, cpu_ms: u64) -> Row {
        counted(server, messages, latency_ns, cpu_ms, None)
    }

    fn counted(
        server: &'static str,
        messages: u64,
        latency_ns: u64,
        cpu_ms: u64,
        instructions: Option<u64>,
    ) -> Row {
        let load = Load {
            addr: "127.0.0.1:1".parse().unwrap(),
            connections: 50,
            size: 64,
            warmup: Duration::ZERO,
            measure: Duration::from_secs(2),
        };
        let mut latency = Histogram::new();
        latency.record(latency_ns);
        let outcome = Outcome {
            messages,
            window: Duration::from_secs(2),
            latency,
            // A tenth of the server's time in user space.
            server_cpu: CpuTime {
                user: Duration::from_millis(cpu_ms / 10),
                system: Duration::from_millis(cpu_ms - cpu_ms / 10),
            },
            generator_cpu: CpuTime {
                user: Duration::from_millis(500),
                system: Duration::from_millis(1500),
            },
        };
        Row::new(server, &load, &outcome, instructions)
    }

    #[test]
    fn rows_are_in_per_second_and_microsecond_units() {
        let r = row("ostium", 200_000, 250_000, 1_000);
        assert_eq!(r.msgs_per_sec, 100_000.0);
        assert_eq!(r.p50_us, 250.0);
        assert_eq!(r.server_cpu_pct, 50.0);
        assert_eq!(r.server_us_per_msg, 5.0);
        assert_eq!(r.server_usr_us_per_msg, 0.5);
        assert_eq!(r.generator_cpu_pct, 100.0);
        assert_eq!(r.instructions_per_msg, None);
        assert_eq!(Row::header(false).chars().count(), r.line().chars().count());
    }

    #[test]
    fn counted_instructions_are_per_message_and_get_a_column() {
        let r = counted("ostium", 200_000, 250_000, 1_000, Some(300_000_000));
        assert_eq!(r.instructions_per_msg, Some(1500.0));
        assert_eq!(Row::header(true).chars().count(), r.line().chars().count());
        assert!(r.line().ends_with(" 1500"), "{}", r.line());
        assert!(Row::header(true).ends_with("Ir/msg"));
    }

    #[test]
    fn the_instruction_comparison_gives_both_counts_and_the_ratio() {
        let text = instructions_comparison(
            &counted("ostium", 100_000, 1, 1, Some(150_000_000)),
            &counted("tokio", 200_000, 1, 1, Some(400_000_000)),
        );
        assert!(text.contains("ostium 1500, tokio 2000"), "{text}");
        assert!(text.contains("ostium/tokio 0.75×"), "{text}");
    }

    #[test]
    fn the_comparison_gives_ratios_and_the_verdict() {
        let text = comparison(
            &row("ostium", 220_000, 200_000, 1_000),
            &row("tokio", 200_000, 250_000, 1_000),
        );
        assert!(text.contains("msgs/s 1.10×"), "{text}");
        assert!(text.contains("met"), "{text}");
        assert!(text.contains("p50 0.80×"), "{text}");
        assert!(text.contains("user CPU/msg 0.91×"), "{text}");
        let text = comparison(&row("ostium", 100_000, 1, 1), &row("tokio", 200_000, 1, 1));
        assert!(text.contains("NOT met"), "{text}");
    }

    #[test]
    fn the_median_is_taken_field_by_field() {
        let rows = [row("ostium", 300_000, 100_000, 1_000), row("ostium", 100_000, 300_000, 1_000)];
        assert_eq!(median(&rows[..1]).msgs_per_sec, 150_000.0);
        let two = median(&rows);
        assert_eq!(two.msgs_per_sec, 100_000.0);
        assert_eq!(two.p50_us, 200.0);
        let three =
            median(&[rows[0].clone(), rows[1].clone(), row("ostium", 240_000, 150_000, 1_000)]);
        assert_eq!(three.msgs_per_sec, 120_000.0);
        assert_eq!(three.p50_us, 150.0);
        assert_eq!(three.instructions_per_msg, None);
        let counts = [
            counted("ostium", 100_000, 1, 1, Some(100_000_000)),
            counted("ostium", 100_000, 1, 1, Some(300_000_000)),
            counted("ostium", 100_000, 1, 1, Some(200_000_000)),
        ];
        assert_eq!(median(&counts).instructions_per_msg, Some(2000.0));
        assert_eq!(median(&[counts[0].clone(), row("ostium", 1, 1, 1)]).instructions_per_msg, None);
    }
}
