//! `now` and `monotonic-millis`: the system clock, or a pinned wall clock (`--now`, tests)
//! that a test can move.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The clock an instance sees.
#[derive(Clone, Debug)]
pub struct Clock {
    pinned: Option<Arc<AtomicI64>>,
    origin: Instant,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock {
            pinned: None,
            origin: Instant::now(),
        }
    }

    /// A wall clock pinned at `now` (seconds since the epoch); monotonic time still runs.
    /// Clones share the pinned value, so [`Clock::set`] moves every instance using it.
    pub fn pinned(now: i64) -> Self {
        Clock {
            pinned: Some(Arc::new(AtomicI64::new(now))),
            origin: Instant::now(),
        }
    }

    /// Moves a pinned clock (no effect on the system clock).
    pub fn set(&self, now: i64) {
        if let Some(pinned) = &self.pinned {
            pinned.store(now, Ordering::Relaxed);
        }
    }

    /// Seconds since the Unix epoch. A system clock before 1970 reads as 0, which the
    /// component refuses as implausible (fail closed).
    pub fn now(&self) -> i64 {
        match &self.pinned {
            Some(pinned) => pinned.load(Ordering::Relaxed),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0),
        }
    }

    /// Milliseconds since this clock was made.
    pub fn monotonic_millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
