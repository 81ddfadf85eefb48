//! Opening the embedded `redb` databases that the journal and the simulated terminal keep.
//!
//! One function so both open files the same way: on disk when a directory is given, in memory
//! otherwise (unit tests and throwaway runs).

use std::path::Path;

use redb::{backends::InMemoryBackend, Database};

/// Any failure of the embedded database, whatever step raised it. Boxed: redb's error is large,
/// and it travels in every `Result` of the journal's hot path.
#[derive(Debug, thiserror::Error)]
#[error("embedded database: {0}")]
pub struct StoreError(Box<redb::Error>);

/// Converts each of redb's per-step error types into [`StoreError`].
pub(crate) fn store_err<E: Into<redb::Error>>(error: E) -> StoreError {
    StoreError(Box::new(error.into()))
}

/// Opens (or creates) `dir/file_name`, or an in-memory database when `dir` is `None`.
pub fn open_database(dir: Option<&Path>, file_name: &str) -> Result<Database, StoreError> {
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| store_err(redb::Error::Io(e)))?;
            Database::create(dir.join(file_name)).map_err(store_err)
        }
        None => Database::builder()
            .create_with_backend(InMemoryBackend::new())
            .map_err(store_err),
    }
}
