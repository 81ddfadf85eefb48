//! "Did you mean" suggestions for misspelled site names and configuration keys.

/// The closest of `allowed` to `given`, when it is close enough to be a typo or one holds the
/// other (`failure` for `fail`).
pub(crate) fn did_you_mean<'a>(
    given: &str,
    allowed: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    allowed
        .into_iter()
        .map(|a| (edit_distance(given, a), a))
        .filter(|&(d, a)| {
            d <= 3.min(a.chars().count() / 2).max(1)
                || (given.len() >= 3 && a.contains(given))
                || (a.len() >= 4 && given.contains(a))
        })
        .min_by_key(|&(d, _)| d)
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
        let sites = ["gateway.place_order", "client.round_trip"];
        assert_eq!(
            did_you_mean("gateway.place_ordre", sites),
            Some("gateway.place_order")
        );
        assert_eq!(
            did_you_mean("client.roundtrip", sites),
            Some("client.round_trip")
        );
        assert_eq!(did_you_mean("orders", sites), None);
        assert_eq!(
            did_you_mean("max_retires", ["max_retries", "max_wait"]),
            Some("max_retries")
        );
    }
}
