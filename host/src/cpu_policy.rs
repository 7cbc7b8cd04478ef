//! `--cpu-policy`: the Linux scheduling policy of a server's threads.
//!
//! A gateway that shares a core with the MCP server behind it is woken by every packet (a
//! client's request, the upstream's answer), and under the default policy a woken thread
//! usually preempts the one running: the MCP server, in the middle of a request. Under
//! `SCHED_BATCH` the woken gateway waits until the server blocks or its time slice ends and
//! then handles everything that has arrived in one go. Measured on one shared core
//! (BENCHMARKS.md, rows N and Q): more requests per second in every round (0.74× → 0.86× of
//! direct, medians), 41–57 % less gateway CPU per request and a p99 added under 1 ms below
//! saturation. Not the default: beside a CPU-bound neighbour a `SCHED_BATCH` thread waits out
//! the neighbour's time slice. The same as starting the process under `chrt --batch 0` (no
//! privilege needed), for images that have no `chrt`.
//!
//! Linux applies a policy to one thread and threads inherit it when they start, so the
//! policy is set on the main thread before the async runtime, the blocking pool or the
//! compiler start theirs.

/// The policies `--cpu-policy` sets. Without the flag the process keeps the one it was
/// started with (`chrt` included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CpuPolicy {
    /// SCHED_OTHER, the kernel's default: a woken thread may preempt the one running.
    Normal,
    /// SCHED_BATCH: a woken thread waits for the running one to block or use up its slice.
    Batch,
}

impl CpuPolicy {
    /// Sets the calling thread's policy; threads it starts afterwards inherit it.
    pub(crate) fn apply(self) -> Result<(), String> {
        set(self).map_err(|why| format!("--cpu-policy {}: {why}", self.name()))
    }

    fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Batch => "batch",
        }
    }
}

/// The calling thread's policy, for the ready line: `normal`, `batch`, `idle`, `fifo`, `rr`,
/// or `unknown` (another one, or not Linux).
pub(crate) fn current() -> &'static str {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getscheduler takes a thread id (0: the caller) and touches no memory.
        #[allow(unsafe_code)]
        let policy = unsafe { libc::sched_getscheduler(0) };
        match policy {
            libc::SCHED_OTHER => "normal",
            libc::SCHED_BATCH => "batch",
            libc::SCHED_IDLE => "idle",
            libc::SCHED_FIFO => "fifo",
            libc::SCHED_RR => "rr",
            _ => "unknown",
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        "unknown"
    }
}

#[cfg(target_os = "linux")]
fn set(policy: CpuPolicy) -> Result<(), String> {
    let code = match policy {
        CpuPolicy::Normal => libc::SCHED_OTHER,
        CpuPolicy::Batch => libc::SCHED_BATCH,
    };
    // Both policies require a static priority of 0.
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is a valid sched_param that outlives the call, which only reads it;
    // thread id 0 is the calling thread.
    #[allow(unsafe_code)]
    let result = unsafe { libc::sched_setscheduler(0, code, &param) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().to_string())
    }
}

#[cfg(not(target_os = "linux"))]
fn set(_policy: CpuPolicy) -> Result<(), String> {
    Err("scheduling policies are set on Linux only".into())
}
