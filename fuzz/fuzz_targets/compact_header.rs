//! Compact JWS split + header policy. See fuzz/src/targets/compact.rs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    xaa_fuzz::compact_header(data);
});
