//! See fuzz/src/targets/jwks.rs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    xaa_fuzz::jwks_parse(data);
});
