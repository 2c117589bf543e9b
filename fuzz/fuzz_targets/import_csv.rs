//! The assessment CSV parser takes raw bytes (non-UTF-8 included): rows or row errors, never a panic; every error
//! names a line that exists in the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(errors) = praxis::app::import::parse_assessments_csv(data) {
        assert!(!errors.is_empty());
        let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        for e in errors {
            assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
        }
    }
});
