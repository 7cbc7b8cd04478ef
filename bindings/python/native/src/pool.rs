//! The configured instances of one `Engine`, shared by every Python thread using it: each
//! instance sits behind its own lock; a call takes a free one, or waits until a call ends.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, MutexGuard, TryLockError};

use xaa_host::Validator;

/// A fixed set of instances.
pub(crate) struct Pool {
    slots: Vec<Mutex<Validator>>,
    /// Counts finished calls; a caller that found every slot busy waits for it to move.
    finished: AtomicU64,
    /// Callers waiting; a finished call notifies only when there are some (an uncontended
    /// call then costs one slot lock and two atomics).
    waiting: AtomicUsize,
    wait_lock: Mutex<()>,
    freed: Condvar,
}

impl Pool {
    /// A pool of these instances.
    pub(crate) fn new(instances: Vec<Validator>) -> Self {
        Pool {
            slots: instances.into_iter().map(Mutex::new).collect(),
            finished: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            wait_lock: Mutex::new(()),
            freed: Condvar::new(),
        }
    }

    /// How many instances.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Runs `f` on a free instance, waiting for one if all are busy.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Validator) -> T) -> T {
        loop {
            let seen = self.finished.load(SeqCst);
            for slot in &self.slots {
                let guard = match slot.try_lock() {
                    Ok(guard) => guard,
                    Err(TryLockError::Poisoned(poisoned)) => recover(slot, poisoned.into_inner()),
                    Err(TryLockError::WouldBlock) => continue,
                };
                return self.run(guard, f);
            }
            // Every slot was busy. `waiting` goes up before `finished` is read again under
            // the lock: a call finishing after that read sees a waiter and notifies under
            // the same lock; one finishing before it has moved `finished`.
            self.waiting.fetch_add(1, SeqCst);
            let guard = lock(&self.wait_lock);
            drop(
                self.freed
                    .wait_while(guard, |()| self.finished.load(SeqCst) == seen)
                    .unwrap_or_else(|e| e.into_inner()),
            );
            self.waiting.fetch_sub(1, SeqCst);
        }
    }

    /// Runs `f` on every instance at once (waiting for each to be free): for what is kept
    /// per instance (token cache, pending JWK Set fetches) and for replacing them all.
    pub(crate) fn with_all<T>(&self, f: impl FnOnce(&mut [&mut Validator]) -> T) -> T {
        // Slots are locked in order, and a single call never holds one slot while waiting
        // for another, so this cannot deadlock.
        let guards: Vec<MutexGuard<'_, Validator>> = self
            .slots
            .iter()
            .map(|slot| match slot.lock() {
                Ok(guard) => guard,
                Err(poisoned) => recover(slot, poisoned.into_inner()),
            })
            .collect();
        let _told = Finished(self);
        let mut guards = guards;
        let mut all: Vec<&mut Validator> = guards.iter_mut().map(|g| &mut **g).collect();
        f(&mut all)
    }

    fn run<T>(&self, guard: MutexGuard<'_, Validator>, f: impl FnOnce(&mut Validator) -> T) -> T {
        // Dropped in reverse order: the slot is unlocked first, then waiters are told, also
        // when `f` unwinds (else a waiter could sleep past a slot that is free).
        let _told = Finished(self);
        let mut guard = guard;
        f(&mut guard)
    }

    fn finish(&self) {
        self.finished.fetch_add(1, SeqCst);
        if self.waiting.load(SeqCst) > 0 {
            drop(lock(&self.wait_lock));
            self.freed.notify_all();
        }
    }
}

/// Tells waiters a call finished, when dropped.
struct Finished<'a>(&'a Pool);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// A slot whose last call unwound: its instance may be in any state, so it is dropped (the
/// next call builds a fresh one, see `Validator::discard_instance`).
fn recover<'a>(
    slot: &Mutex<Validator>,
    mut guard: MutexGuard<'a, Validator>,
) -> MutexGuard<'a, Validator> {
    guard.discard_instance();
    slot.clear_poison();
    guard
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Guards no data: a panic elsewhere cannot leave anything inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}
