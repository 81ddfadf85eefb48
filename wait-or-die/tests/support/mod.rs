//! What several test binaries share: an operation that fails a set number of times.
#![allow(dead_code)] // each test binary uses its own part of this

use std::io;

/// The error of a failed attempt.
pub fn refused() -> io::Error {
    io::ErrorKind::ConnectionRefused.into()
}

/// Fails `failures` times, then returns the attempt number.
pub struct Flaky {
    pub failures: u32,
    pub attempts: u32,
}

impl Flaky {
    pub fn new(failures: u32) -> Self {
        Flaky {
            failures,
            attempts: 0,
        }
    }

    pub fn try_once(&mut self) -> io::Result<u32> {
        self.attempts += 1;
        if self.attempts <= self.failures {
            Err(refused())
        } else {
            Ok(self.attempts)
        }
    }
}
