//! "Did you mean" suggestions for misspelled argument and jitter names.

/// The closest allowed name, when it is close enough to be a typo, or one name holds the other
/// (`retries` for `max_retries`, `timeout_secs` for `timeout`).
pub(crate) fn did_you_mean<'a>(given: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    allowed
        .iter()
        .map(|a| (edit_distance(&given, a), *a))
        .filter(|(d, a)| {
            *d <= 3.min(a.len() / 2)
                || (given.len() >= 3 && a.contains(given.as_str()))
                || (a.len() >= 4 && given.contains(a))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_names() {
        let arguments: Vec<&str> = crate::args::names().collect();
        let arguments = arguments.as_slice();
        assert_eq!(did_you_mean("max_retry", arguments), Some("max_retries"));
        assert_eq!(did_you_mean("retries", arguments), Some("max_retries"));
        assert_eq!(
            did_you_mean("backoff", arguments),
            Some("exponential_backoff")
        );
        assert_eq!(did_you_mean("Timeout", arguments), Some("timeout"));
        assert_eq!(did_you_mean("timeout_secs", arguments), Some("timeout"));
        assert_eq!(did_you_mean("colour", arguments), None);
        assert_eq!(did_you_mean("x", arguments), None);
    }
}
