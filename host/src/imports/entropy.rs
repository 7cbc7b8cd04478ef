//! `random-bytes`: the operating system's CSPRNG.

/// Most bytes one call may ask for; the component never needs more than a few dozen.
pub const MAX_RANDOM_BYTES: u32 = 1024;

/// `len` random bytes (capped at [`MAX_RANDOM_BYTES`]). If the OS source fails the process
/// cannot issue anything safely, so it aborts rather than hand out predictable bytes.
pub fn random_bytes(len: u32) -> Vec<u8> {
    let mut bytes = vec![0u8; len.min(MAX_RANDOM_BYTES) as usize];
    if getrandom::fill(&mut bytes).is_err() {
        eprintln!("xaa: the operating system's random source failed");
        std::process::abort();
    }
    bytes
}
