//! Key construction: the only place that knows the prefixes of the table documented in the
//! module root.

use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Dependency, IntentKey, WorkItem};

/// Escapes a free-form key part so it can never contain the `#` separator.
pub(crate) fn part(raw: &str) -> String {
    raw.replace('%', "%25").replace('#', "%23")
}

/// Partition of every configuration.
pub(crate) const CONFIG_PK: &str = "CONFIG";

pub(crate) fn config_sk(connection: &ConnectionId) -> String {
    format!("CONN#{connection}")
}

pub(crate) fn mapping_pk(connection: &ConnectionId, record_type: RecordType) -> String {
    format!("CONN#{connection}#MAP#{record_type}")
}

/// Prefix of the by-Invoiced items (the mappings themselves).
pub(crate) const MAPPING_INVOICED_PREFIX: &str = "INV#";

pub(crate) fn mapping_invoiced_sk(invoiced_id: &str) -> String {
    format!("{MAPPING_INVOICED_PREFIX}{}", part(invoiced_id))
}

pub(crate) fn mapping_intacct_sk(intacct_key: &str) -> String {
    format!("INT#{}", part(intacct_key))
}

pub(crate) fn intent_pk(key: &IntentKey) -> String {
    format!(
        "CONN#{}#INTENT#{}#{}",
        key.connection,
        key.record_type,
        part(&key.invoiced_id)
    )
}

pub(crate) fn intent_sk(key: &IntentKey) -> String {
    format!("OP#{}", key.operation)
}

pub(crate) fn errors_pk(connection: &ConnectionId) -> String {
    format!("CONN#{connection}#ERRORS")
}

pub(crate) fn error_sk(id: &str) -> String {
    format!("ERR#{}", part(id))
}

pub(crate) fn cursor_pk(connection: &ConnectionId) -> String {
    format!("CONN#{connection}#CURSOR")
}

pub(crate) fn cursor_sk(stream: &str) -> String {
    format!("STREAM#{}", part(stream))
}

pub(crate) fn event_pk(connection: &ConnectionId, event_id: &str) -> String {
    format!("CONN#{connection}#EVENT#{}", part(event_id))
}

pub(crate) const EVENT_SK: &str = "EVENT";

pub(crate) fn lease_pk(connection: &ConnectionId) -> String {
    format!("CONN#{connection}#LEASE")
}

pub(crate) fn lease_sk(slot: u8) -> String {
    format!("SLOT#{slot:03}")
}

pub(crate) fn parked_pk(connection: &ConnectionId) -> String {
    format!("CONN#{connection}#PARKED")
}

/// Prefix of everything parked on one dependency; ends with `#WORK#` so dependency `10` is not a
/// prefix of dependency `100`.
pub(crate) fn parked_dependency_prefix(dependency: &Dependency) -> String {
    format!(
        "DEP#{}#{}#WORK#",
        dependency.record_type,
        part(&dependency.invoiced_id)
    )
}

pub(crate) fn parked_sk(dependency: &Dependency, work: &WorkItem) -> String {
    format!(
        "{}{}#{}#{}",
        parked_dependency_prefix(dependency),
        work.record_type,
        part(&work.invoiced_id),
        work.operation
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_engine::model::Operation;

    #[test]
    fn a_value_containing_the_separator_cannot_forge_another_key() {
        assert_eq!(mapping_invoiced_sk("1#INT#2"), "INV#1%23INT%232");
        assert_ne!(part("a%23"), part("a#"));
    }

    #[test]
    fn a_dependency_is_not_a_prefix_of_a_longer_id() {
        let ten = Dependency {
            record_type: RecordType::Invoice,
            invoiced_id: "10".into(),
        };
        let hundred = Dependency {
            invoiced_id: "100".into(),
            ..ten.clone()
        };
        let work = WorkItem {
            connection: ConnectionId::parse("acme").expect("valid id"),
            record_type: RecordType::Payment,
            invoiced_id: "7".into(),
            operation: Operation::Create,
        };
        assert!(!parked_sk(&hundred, &work).starts_with(&parked_dependency_prefix(&ten)));
        assert!(parked_sk(&ten, &work).starts_with(&parked_dependency_prefix(&ten)));
    }
}
