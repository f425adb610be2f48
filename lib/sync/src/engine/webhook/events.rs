//! The Invoiced events the sync acts on, and the work each asks for.

use invoiced::models::{Event, EventType};

use crate::config::{ConnectionId, RecordType};
use crate::model::{Operation, WorkItem};

/// The record type and operation an event type asks for, or `None` for types the sync does
/// not act on (including types Invoiced added after this client was written).
pub fn action_for(event_type: &EventType) -> Option<(RecordType, Operation)> {
    use EventType as E;
    Some(match event_type {
        E::CustomerCreated | E::CustomerUpdated => (RecordType::Customer, Operation::Create),
        E::InvoiceCreated | E::InvoiceUpdated | E::InvoicePaid => {
            (RecordType::Invoice, Operation::Create)
        }
        E::CreditNoteCreated | E::CreditNoteUpdated => (RecordType::CreditNote, Operation::Create),
        E::PaymentCreated | E::PaymentUpdated => (RecordType::Payment, Operation::Create),
        E::PaymentDeleted => (RecordType::Payment, Operation::Void),
        _ => return None,
    })
}

/// An event of a type the sync acts on whose `data.object` has no id, so there is nothing to
/// look up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event_type} event without data.object.id")]
pub struct NoObjectId {
    /// The event's type.
    pub event_type: EventType,
}

/// The work an event asks for on `connection`: `Ok(None)` for event types the sync does not
/// act on.
pub fn work_for_event(
    connection: &ConnectionId,
    event: &Event,
) -> Result<Option<WorkItem>, NoObjectId> {
    let Some((record_type, operation)) = action_for(&event.event_type) else {
        return Ok(None);
    };
    let object_id = event.object_id().ok_or_else(|| NoObjectId {
        event_type: event.event_type.clone(),
    })?;
    Ok(Some(WorkItem {
        connection: connection.clone(),
        record_type,
        invoiced_id: object_id.to_string(),
        operation,
    }))
}

#[cfg(test)]
mod tests;
