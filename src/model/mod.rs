//! The recovery model: pure maths, no I/O, no clock; randomness only through a seeded RNG passed in.
//!
//! See `shared/science.md` for the mechanisms and the numbers this must reproduce.

pub mod circuits;
pub mod constants;
pub mod diagnostics;
mod draw;
pub mod evidence;
pub mod fair;
pub mod fit;
pub mod forecast;
pub mod gas;
pub mod impairment;
pub mod medication;
mod notes;
pub mod outcome;
mod prepare;
mod progression;
pub mod protocol;
pub mod recovery;
pub mod scenario;
pub mod simulate;
pub mod skill;
mod summary;

pub use forecast::{Band, Cancelled, Comparison, Control, Forecast, ForecastOptions, Summary};
pub use notes::ranking_note;
pub use protocol::Protocol;
pub use scenario::Scenario;
