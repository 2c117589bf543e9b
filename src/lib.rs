//! Praxis: a terminal rehabilitation planner for neuro-rehabilitation clinics.
//!
//! Layers depend downward only: front ends ([`cli`], [`tui`]) -> use cases ([`app`]) -> [`store`] (SQLite) and
//! [`model`] (pure maths). [`domain`] and [`instruments`] are plain types shared by all.

pub mod app;
pub mod cli;
pub mod domain;
pub mod instruments;
pub mod model;
pub mod store;
pub mod tui;
