//! The `praxis` binary: parse the command line and dispatch. Everything else lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    praxis::cli::main()
}
