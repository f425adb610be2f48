//! The customer-matching rule, written once for both directions: which keys a connection
//! matches by, in which order, and what counts as a match.

use crate::config::CustomerMatching;

/// A key customers are matched by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKey {
    /// Invoiced number = Intacct CUSTOMERID.
    Number,
    /// The customer's name.
    Name,
}

/// The keys a connection matches by, tried in this order.
pub fn match_keys(matching: CustomerMatching) -> &'static [MatchKey] {
    match matching {
        CustomerMatching::AccountNumber => &[MatchKey::Number],
        CustomerMatching::Name => &[MatchKey::Name],
        CustomerMatching::NameOrAccountNumber => &[MatchKey::Number, MatchKey::Name],
    }
}

/// The match among `candidates` found by one key: exactly one. Two customers with one name
/// (or number) are no match, since linking either could be wrong.
pub fn single<T>(mut candidates: Vec<T>) -> Option<T> {
    if candidates.len() == 1 {
        candidates.pop()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_comes_before_name_and_only_a_single_candidate_matches() {
        assert_eq!(
            match_keys(CustomerMatching::NameOrAccountNumber),
            &[MatchKey::Number, MatchKey::Name]
        );
        assert_eq!(single(vec![1]), Some(1));
        assert_eq!(single::<u8>(vec![]), None);
        assert_eq!(single(vec![1, 2]), None);
    }
}
