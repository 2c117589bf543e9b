//! Use cases: one module per thing a therapist does, glue between the store and the model.
pub mod forecast;
pub mod protocols;
