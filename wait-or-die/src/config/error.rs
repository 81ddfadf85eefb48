//! Why a configuration file was refused, and the warnings of one that was applied, each at its
//! file, line and key.

use core::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a configuration file was refused; the configuration in force before stays in force.
///
/// ```
/// use wait_or_die::config::{self, ConfigError};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("retry.toml");
/// std::fs::write(&path, "[sites.\"a\"]\nmax_retries = \"two\"\n")?;
/// let ConfigError::Invalid { problems, .. } = config::load(&path).unwrap_err() else { panic!() };
/// assert_eq!((problems[0].line, problems[0].key.as_deref()), (2, Some("sites.\"a\".max_retries")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What reading it said.
        source: Arc<io::Error>,
    },
    /// The file was read but is not a valid configuration: every problem found, by line.
    #[error("{}", Problems { path, problems })]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Each problem, in the order of the file's lines.
        problems: Vec<Problem>,
    },
}

/// One problem of a refused configuration file.
///
/// ```
/// use wait_or_die::config::Problem;
///
/// let problem = Problem::new(7, Some("sites.\"x\".max_wait".into()), "max_wait must be at least initial_wait".into());
/// assert_eq!(problem.to_string(), "line 7: `sites.\"x\".max_wait`: max_wait must be at least initial_wait");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// The line, from 1.
    pub line: usize,
    /// The key, as a dotted path (`sites."gateway.place_order".max_wait`), when the problem is
    /// about one.
    pub key: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Problem {
    /// A problem at `line` (from 1), about `key` if any.
    ///
    /// See [`Problem`] for an example.
    pub fn new(line: usize, key: Option<String>, message: String) -> Self {
        Problem { line, key, message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "line {}: `{key}`: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

struct Problems<'a> {
    path: &'a PathBuf,
    problems: &'a [Problem],
}

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        write!(
            f,
            "configuration file {path} refused, nothing of it applied"
        )?;
        for p in self.problems {
            write!(f, "\n  {path}:{}: ", p.line)?;
            if let Some(key) = &p.key {
                write!(f, "`{key}`: ")?;
            }
            f.write_str(&p.message)?;
        }
        Ok(())
    }
}

/// A site named in the file that no registered site of this process has: its settings apply
/// to nothing here (the same file may serve several programs).
///
/// ```
/// use wait_or_die::config::{self, UnknownSite};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("retry.toml");
/// std::fs::write(&path, "[sites.\"client.round_trip\"]\nretries = \"off\"\n")?;
/// let report = config::load(&path)?;
/// assert_eq!(report.unknown_sites[0].site, "client.round_trip");
/// assert_eq!(report.unknown_sites[0].line, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownSite {
    /// The name in the file.
    pub site: String,
    /// The line of its table.
    pub line: usize,
    /// A registered site whose name is close to it.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: no site of this process is named `{}`",
            self.line, self.site
        )?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}
