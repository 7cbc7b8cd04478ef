//! See fuzz/src/targets/request.rs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    xaa_fuzz::token_request(data);
});
