//! [`Registry`]: every metric family by name, each with its live series, and the rendering
//! of all of them. Used at start-up, on reload and on each scrape — never per request.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::counter::{Counter, Gauge};
use super::histogram::{Histogram, HistogramCells, LATENCY_BUCKETS};
use super::status::{StatusCells, StatusCounters};
use super::text::{self, Kind};

/// The metric families of a daemon, in the order they were first asked for, which is the
/// order they are rendered in.
#[derive(Debug, Default)]
pub struct Registry {
    families: Mutex<Vec<Family>>,
}

#[derive(Debug)]
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    series: Vec<Series>,
}

#[derive(Debug)]
struct Series {
    labels: Vec<(&'static str, String)>,
    cell: Cell,
}

/// Weak, so that a series dies with its last handle (see the module doc).
#[derive(Debug)]
enum Cell {
    Counter(Weak<AtomicU64>),
    Status(Weak<StatusCells>),
    Gauge(Weak<AtomicI64>),
    Histogram(Weak<HistogramCells>),
}

impl Cell {
    fn is_alive(&self) -> bool {
        match self {
            Cell::Counter(w) => w.strong_count() > 0,
            Cell::Status(w) => w.strong_count() > 0,
            Cell::Gauge(w) => w.strong_count() > 0,
            Cell::Histogram(w) => w.strong_count() > 0,
        }
    }
}

/// A label: its name (a constant of the program) and value.
pub type Label<'a> = (&'static str, &'a str);

/// What the registry needs of a handle type: its family's type, and the conversions
/// between a handle and the weak cell the registry keeps.
trait Handle: Default {
    const KIND: Kind;
    fn downgrade(&self) -> Cell;
    fn upgrade(cell: &Cell) -> Option<Self>;
}

/// Implements [`Handle`] for a handle type wrapping an `Arc` of the `variant`'s cells.
macro_rules! handle {
    ($handle:ident, $kind:expr, $variant:ident) => {
        impl Handle for $handle {
            const KIND: Kind = $kind;
            fn downgrade(&self) -> Cell {
                Cell::$variant(Arc::downgrade(&self.0))
            }
            fn upgrade(cell: &Cell) -> Option<Self> {
                if let Cell::$variant(w) = cell { w.upgrade().map($handle) } else { None }
            }
        }
    };
}

handle!(Counter, Kind::Counter, Counter);
handle!(StatusCounters, Kind::Counter, Status);
handle!(Gauge, Kind::Gauge, Gauge);
handle!(Histogram, Kind::Histogram, Histogram);

/// The label a [`StatusCounters`] family adds, and the one a histogram adds to buckets.
const STATUS: &str = "status";
const LE: &str = "le";

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The counter `name` with `labels`, created at zero if no live one exists.
    ///
    /// # Panics
    ///
    /// If `name` or a label name is not valid in the format, or `name` was registered
    /// with another type or help: names are constants of the program, so this is a bug.
    pub fn counter(&self, name: &'static str, help: &'static str, labels: &[Label<'_>]) -> Counter {
        self.series(name, help, labels)
    }

    /// The counters `name` with `labels`, one per HTTP status, each rendered with a
    /// `status` label once it is non-zero.
    ///
    /// # Panics
    ///
    /// As [`counter`](Self::counter), and if `labels` has a `status` label.
    pub fn status_counters(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[Label<'_>],
    ) -> StatusCounters {
        assert!(labels.iter().all(|(k, _)| *k != STATUS), "{name}: `status` is added per code");
        self.series(name, help, labels)
    }

    /// The gauge `name` with `labels`, created at zero if no live one exists.
    ///
    /// # Panics
    ///
    /// As [`counter`](Self::counter).
    pub fn gauge(&self, name: &'static str, help: &'static str, labels: &[Label<'_>]) -> Gauge {
        self.series(name, help, labels)
    }

    /// The latency histogram `name` (in seconds, over [`LATENCY_BUCKETS`]) with `labels`,
    /// created empty if no live one exists.
    ///
    /// # Panics
    ///
    /// As [`counter`](Self::counter), and if `labels` has an `le` label.
    pub fn histogram(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[Label<'_>],
    ) -> Histogram {
        assert!(labels.iter().all(|(k, _)| *k != LE), "{name}: `le` is the bucket's label");
        self.series(name, help, labels)
    }

    /// Finds the live series `name{labels}` of handle type `H`, or creates it.
    fn series<H: Handle>(&self, name: &'static str, help: &'static str, labels: &[Label<'_>]) -> H {
        assert!(text::is_metric_name(name), "{name:?} is not a metric name");
        for (key, _) in labels {
            assert!(text::is_label_name(key), "{name}: {key:?} is not a label name");
        }
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let family = match families.iter().position(|f| f.name == name) {
            Some(i) => &mut families[i],
            None => {
                families.push(Family { name, help, kind: H::KIND, series: Vec::new() });
                families.last_mut().expect("just pushed")
            }
        };
        assert!(
            family.kind == H::KIND && family.help == help,
            "{name} registered twice, differently"
        );
        family.series.retain(|s| s.cell.is_alive());
        let same_labels = |s: &&Series| {
            s.labels.len() == labels.len()
                && s.labels.iter().zip(labels).all(|((k1, v1), (k2, v2))| k1 == k2 && v1 == v2)
        };
        if let Some(handle) =
            family.series.iter().filter(same_labels).find_map(|s| H::upgrade(&s.cell))
        {
            return handle;
        }
        let handle = H::default();
        let labels = labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        family.series.push(Series { labels, cell: handle.downgrade() });
        handle
    }

    /// Every family and its live series in the text exposition format, version 0.0.4
    /// (serve it with [`CONTENT_TYPE`](super::CONTENT_TYPE)).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        for family in families.iter_mut() {
            family.series.retain(|s| s.cell.is_alive());
            text::write_header(&mut out, family.name, family.help, family.kind);
            for series in &family.series {
                render_series(&mut out, family.name, series);
            }
        }
        out
    }
}

fn render_series(out: &mut String, name: &str, series: &Series) {
    let labels = &series.labels;
    match &series.cell {
        Cell::Counter(w) => {
            if let Some(cell) = w.upgrade() {
                text::write_sample(out, (name, ""), labels, None, cell.load(Ordering::Relaxed));
            }
        }
        Cell::Gauge(w) => {
            if let Some(cell) = w.upgrade() {
                text::write_sample(out, (name, ""), labels, None, cell.load(Ordering::Relaxed));
            }
        }
        Cell::Status(w) => {
            if let Some(cells) = w.upgrade() {
                for (code, n) in cells.nonzero() {
                    let code = code.to_string();
                    text::write_sample(out, (name, ""), labels, Some((STATUS, &code)), n);
                }
            }
        }
        Cell::Histogram(w) => {
            if let Some(cell) = w.upgrade() {
                render_histogram(out, name, labels, &cell);
            }
        }
    }
}

/// `_bucket` lines, cumulative, one per bound then `+Inf`; `_sum` in seconds; `_count`,
/// equal to `+Inf` by construction.
fn render_histogram(
    out: &mut String,
    name: &str,
    labels: &[(&str, String)],
    cell: &HistogramCells,
) {
    let snapshot = cell.snapshot();
    let bounds = LATENCY_BUCKETS.iter().map(|b| b.as_secs_f64().to_string());
    for (le, count) in bounds.chain(["+Inf".to_owned()]).zip(snapshot.cumulative) {
        text::write_sample(out, (name, "_bucket"), labels, Some((LE, &le)), count);
    }
    let count = snapshot.cumulative[LATENCY_BUCKETS.len()];
    text::write_sample(out, (name, "_sum"), labels, None, text::seconds(snapshot.sum_micros));
    text::write_sample(out, (name, "_count"), labels, None, count);
}
