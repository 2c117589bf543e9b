//! The protocol TOML parser must return a value or a positioned error for any text, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = praxis::model::protocol::parse(text, "fuzz.toml");
    }
});
