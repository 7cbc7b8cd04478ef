//! See fuzz/src/targets/verify.rs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    xaa_fuzz::structured_verify(data);
});
