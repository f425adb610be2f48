//! Typed models of the Invoiced objects the sync reads and writes.
//!
//! Every model ignores unknown fields (the API adds fields without versioning and sorts keys
//! alphabetically) but rejects duplicate keys. Money is [`rust_decimal::Decimal`] (see [`money`]),
//! timestamps are `DateTime<Utc>` from unix seconds, ids are newtypes (see [`ids`]).

pub mod accounting;
pub mod charge;
pub mod credit_note;
pub mod customer;
pub mod event;
pub mod ids;
pub mod invoice;
pub mod json;
pub mod line_item;
pub mod metadata;
pub mod money;
mod open_enum;
pub mod payment;

pub use accounting::{AccountingSyncStatus, MappingSource};
pub use charge::{BalanceHistoryEntry, Charge, CreditBalanceAdjustment, CustomerBalance, Refund};
pub use credit_note::{CreditNote, CreditNoteParams, CreditNoteStatus};
pub use customer::{Contact, ContactParams, Customer, CustomerParams, CustomerRef, CustomerType};
pub use event::{Event, EventData, EventObject, EventType};
pub use ids::{
    ChargeId, ContactId, CreditNoteId, CustomerId, DiscountId, EstimateId, EventId, IdParseError,
    InvoiceId, LineItemId, PaymentId, RefundId, TaxId, TransactionId,
};
pub use invoice::{Invoice, InvoiceParams, InvoiceStatus};
pub use line_item::{Discount, LineItem, LineItemParams, ShipTo, Shipping, Tax};
pub use metadata::{Metadata, MetadataKey, MetadataKeyError};
pub use money::{Currency, CurrencyParseError};
pub use payment::{
    AmountApplication, AppliedCreditApplication, AppliedTo, CreditNoteApplication, DocumentType,
    InvoiceApplication, Payment, PaymentMethod, PaymentParams, Transaction,
};
