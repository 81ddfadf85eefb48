//! The per-site strategies, one module each: what a call does besides running attempts and
//! waiting (Polly's resilience strategies; tower's retry budget).
//!
//! A strategy owns its options and its state's type, is handed that state by the pipeline
//! (`pipeline.rs`), and never imports the site, the retry loop, `control`/`config`, or another
//! strategy. Adding one is a module here, one line in the pipeline's list, and its options
//! (in `Policy` or `control::Override`) and macro rows.

pub(crate) mod breaker;
pub(crate) mod budget;
#[cfg(feature = "chaos")]
pub(crate) mod chaos;
pub(crate) mod hedge;
