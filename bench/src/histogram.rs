//! `Histogram`: a log-linear histogram of latencies, for percentiles in constant memory.
//!
//! Values (nanoseconds, as the load generator records them) below 256 are counted exactly.
//! Above, each power of two is split into 128 equal buckets, so a bucket is never wider than
//! 1/128 of its lower bound: a percentile read from it is within 0.4 % of the true value.
//! All of `u64` fits in 7,424 buckets (58 KiB of counters), whatever the number of samples.

/// Bits of each value kept below its leading one: 2^7 = 128 buckets per power of two.
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Buckets for every `u64`: the exact range `[0, 2 * SUB)` and 128 per power of two above.
const BUCKETS: usize = (((64 - SUB_BITS) as usize) + 1) << SUB_BITS;

/// Counts of recorded values, by bucket, with their exact minimum and maximum.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    count: u64,
    min: u64,
    max: u64,
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram { counts: vec![0; BUCKETS].into_boxed_slice(), count: 0, min: u64::MAX, max: 0 }
    }

    /// Counts one value.
    pub fn record(&mut self, value: u64) {
        self.counts[index(value)] += 1;
        self.count += 1;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Adds every value `other` recorded, as if they had been recorded here (to combine the
    /// histograms of several threads).
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value below which a fraction `q` (0.0 to 1.0) of the recorded values lie: the
    /// nearest-rank percentile, given as the middle of its bucket and never outside the
    /// recorded minimum and maximum (which are exact: `quantile(1.0)` is the maximum). `None`
    /// when nothing was recorded.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        // Nearest rank: the smallest value with at least `q * count` values at or below it.
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank == self.count {
            return Some(self.max);
        }
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, high) = bounds(i);
                return Some((low + (high - low) / 2).clamp(self.min, self.max));
            }
        }
        unreachable!("the counts add up to `count`")
    }
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("min", &self.min)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

/// The bucket of `value`: the value itself below `2 * SUB`; above, the power of two it falls
/// in (`shift`) and its top `SUB_BITS + 1` bits (`value >> shift`, in `[SUB, 2 * SUB)`).
fn index(value: u64) -> usize {
    let shift = (u64::BITS - 1 - (value | SUB).leading_zeros()) - SUB_BITS;
    ((u64::from(shift) << SUB_BITS) + (value >> shift)) as usize
}

/// The smallest and largest value that fall in bucket `i`.
fn bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    let shift = (i >> SUB_BITS).saturating_sub(1);
    let low = (i - (shift << SUB_BITS)) << shift;
    (low, low + ((1 << shift) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_have_a_bucket_each() {
        for v in 0..2 * SUB {
            assert_eq!(index(v), v as usize);
            assert_eq!(bounds(v as usize), (v, v));
        }
    }

    #[test]
    fn buckets_are_contiguous_and_cover_u64() {
        let mut next = 0u64;
        for i in 0..BUCKETS {
            let (low, high) = bounds(i);
            assert_eq!(low, next, "bucket {i}");
            assert!(high >= low);
            assert_eq!(index(low), i);
            assert_eq!(index(high), i);
            next = high.wrapping_add(1);
        }
        assert_eq!(next, 0, "the last bucket ends at u64::MAX");
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn a_bucket_is_at_most_one_128th_of_its_values() {
        for i in 0..BUCKETS {
            let (low, high) = bounds(i);
            assert!((high - low) as f64 <= low as f64 / SUB as f64, "bucket {i}: {low}..={high}");
        }
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles() {
        assert_eq!(Histogram::new().quantile(0.5), None);
    }

    #[test]
    fn one_value_is_every_percentile() {
        let mut h = Histogram::new();
        h.record(123_456_789);
        for q in [0.0, 0.5, 0.99, 1.0] {
            assert_eq!(h.quantile(q), Some(123_456_789));
        }
    }

    #[test]
    fn percentiles_follow_the_nearest_rank_rule() {
        let mut h = Histogram::new();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile(0.0), Some(1));
        assert_eq!(h.quantile(0.5), Some(50));
        assert_eq!(h.quantile(0.99), Some(99));
        assert_eq!(h.quantile(1.0), Some(100));
    }

    #[test]
    fn large_percentiles_are_within_the_bucket_precision() {
        let mut h = Histogram::new();
        // Microseconds in nanoseconds, in a scrambled order: 1 µs to 10 ms.
        let values: Vec<u64> = (1..=10_000u64).map(|v| v * 1_000).collect();
        for i in 0..values.len() {
            h.record(values[(i * 7_919) % values.len()]);
        }
        for (q, exact) in [(0.5, 5_000_000.0), (0.9, 9_000_000.0), (0.99, 9_900_000.0)] {
            let got = h.quantile(q).unwrap() as f64;
            assert!((got - exact).abs() / exact < 1.0 / SUB as f64, "q {q}: {got} vs {exact}");
        }
        assert_eq!(h.quantile(1.0), Some(10_000_000));
    }

    #[test]
    fn merged_histograms_count_as_one() {
        let (mut low, mut high, mut all) = (Histogram::new(), Histogram::new(), Histogram::new());
        for v in 1..=50 {
            low.record(v * 1_000);
            all.record(v * 1_000);
        }
        for v in 51..=100 {
            high.record(v * 1_000);
            all.record(v * 1_000);
        }
        let mut merged = Histogram::new();
        merged.merge(&high);
        merged.merge(&Histogram::new());
        merged.merge(&low);
        assert_eq!(merged.count(), 100);
        for q in [0.0, 0.25, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(merged.quantile(q), all.quantile(q), "q {q}");
        }
        assert_eq!(merged.quantile(1.0), Some(100_000), "the maximum is exact");
    }

    #[test]
    fn percentiles_of_a_skewed_distribution() {
        // 98 fast round trips and 2 slow ones: p50 is fast, p99 is slow.
        let mut h = Histogram::new();
        for _ in 0..98 {
            h.record(20_000);
        }
        h.record(5_000_000);
        h.record(5_000_000);
        let p50 = h.quantile(0.5).unwrap();
        let p99 = h.quantile(0.99).unwrap();
        assert!(p50.abs_diff(20_000) <= 20_000 / SUB, "{p50}");
        assert!(p99.abs_diff(5_000_000) <= 5_000_000 / SUB, "{p99}");
    }
}
