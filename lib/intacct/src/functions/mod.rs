//! Typed gateway functions, one module per family, and the [`Function`] enum a request carries.
//!
//! Each function knows whether it *writes*: the client uses that to decide whether a lost
//! response means "try again" (reads) or "outcome unknown, probe before re-posting" (writes).

pub mod ar_adjustment;
pub mod ar_invoice;
pub mod ar_payment;
pub mod common;
pub mod crud;
pub mod order_entry;
pub mod query;
pub mod session;

use crate::types::ControlId;
use crate::xml::XmlWriter;

pub use ar_adjustment::{CreateArAdjustment, DeleteArAdjustment};
pub use ar_invoice::{CreateInvoice, DocumentAction, ReverseInvoice};
pub use ar_payment::{
    ApplyArPayment, ArPaymentItem, CreateArPayment, PaymentAccount, ReverseArPayment,
};
pub use common::{ArLineItem, CurrencyInfo, CustomField, ExchangeRate, LineAccount, TaxEntry};
pub use crud::{Create, Delete, FieldValue, Object, ObjectBuilder, Update};
pub use order_entry::{CreateSoTransaction, SoSubtotal, SoTransactionItem};
pub use query::{Filter, Order, Query, Read, ReadByName, ReadByQuery, ReadMore, SortDirection};
pub use session::GetApiSession;

/// Every function this client can send.
#[derive(Debug, Clone, PartialEq)]
pub enum Function {
    /// `getAPISession`: must be alone in its request.
    GetApiSession(GetApiSession),
    /// Legacy SQL-ish query with `readMore` paging.
    ReadByQuery(ReadByQuery),
    /// Continuation of a readByQuery result set.
    ReadMore(ReadMore),
    /// New structured `query` with offset paging.
    Query(Query),
    /// `read` by RECORDNO keys.
    Read(Read),
    /// `readByName` by the object's id field.
    ReadByName(ReadByName),
    /// Generic `create` of one or more objects.
    Create(Create),
    /// Generic `update` of one or more objects.
    Update(Update),
    /// Generic `delete` by keys.
    Delete(Delete),
    /// Legacy `create_invoice` (AR invoice).
    CreateInvoice(CreateInvoice),
    /// Legacy `reverse_invoice` (void).
    ReverseInvoice(ReverseInvoice),
    /// Legacy `create_aradjustment` (credit/debit memo).
    CreateArAdjustment(CreateArAdjustment),
    /// Legacy `delete_aradjustment` (AR adjustments cannot be reversed).
    DeleteArAdjustment(DeleteArAdjustment),
    /// Legacy `create_arpayment`.
    CreateArPayment(CreateArPayment),
    /// Legacy `apply_arpayment` (apply a payment or credit to invoices).
    ApplyArPayment(ApplyArPayment),
    /// Legacy `reverse_arpayment` (void).
    ReverseArPayment(ReverseArPayment),
    /// Legacy `create_sotransaction` (Order Entry document).
    CreateSoTransaction(CreateSoTransaction),
}

impl Function {
    /// The objects the function reads or writes, when it names them (generic functions and
    /// the legacy AR and Order Entry functions); empty for `getAPISession` and `readMore`.
    pub fn objects(&self) -> Vec<&str> {
        match self {
            Self::GetApiSession(_) | Self::ReadMore(_) => Vec::new(),
            Self::ReadByQuery(f) => vec![f.object.as_str()],
            Self::Query(f) => vec![f.object.as_str()],
            Self::Read(f) => vec![f.object.as_str()],
            Self::ReadByName(f) => vec![f.object.as_str()],
            Self::Create(f) => f.objects.iter().map(|o| o.name.as_str()).collect(),
            Self::Update(f) => f.objects.iter().map(|o| o.name.as_str()).collect(),
            Self::Delete(f) => vec![f.object.as_str()],
            Self::CreateInvoice(_) | Self::ReverseInvoice(_) => vec!["ARINVOICE"],
            Self::CreateArAdjustment(_) | Self::DeleteArAdjustment(_) => vec!["ARADJUSTMENT"],
            Self::CreateArPayment(_) | Self::ApplyArPayment(_) | Self::ReverseArPayment(_) => {
                vec!["ARPYMT"]
            }
            Self::CreateSoTransaction(_) => vec!["SODOCUMENT"],
        }
    }

    /// The element name, which the gateway echoes back in `<result><function>`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::GetApiSession(_) => "getAPISession",
            Self::ReadByQuery(_) => "readByQuery",
            Self::ReadMore(_) => "readMore",
            Self::Query(_) => "query",
            Self::Read(_) => "read",
            Self::ReadByName(_) => "readByName",
            Self::Create(_) => "create",
            Self::Update(_) => "update",
            Self::Delete(_) => "delete",
            Self::CreateInvoice(_) => "create_invoice",
            Self::ReverseInvoice(_) => "reverse_invoice",
            Self::CreateArAdjustment(_) => "create_aradjustment",
            Self::DeleteArAdjustment(_) => "delete_aradjustment",
            Self::CreateArPayment(_) => "create_arpayment",
            Self::ApplyArPayment(_) => "apply_arpayment",
            Self::ReverseArPayment(_) => "reverse_arpayment",
            Self::CreateSoTransaction(_) => "create_sotransaction",
        }
    }

    /// True when executing the function changes data in Intacct. A write whose response was
    /// lost has an *unknown outcome*; a read can simply be repeated.
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Self::GetApiSession(_)
                | Self::ReadByQuery(_)
                | Self::ReadMore(_)
                | Self::Query(_)
                | Self::Read(_)
                | Self::ReadByName(_)
        )
    }

    /// Client-side validation of limits and required parts, so a request Intacct would reject
    /// for its shape fails before it is sent (and before it costs an API transaction).
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::GetApiSession(_) => Ok(()),
            Self::ReadByQuery(f) => f.validate(),
            Self::ReadMore(f) => f.validate(),
            Self::Query(f) => f.validate(),
            Self::Read(f) => f.validate(),
            Self::ReadByName(f) => f.validate(),
            Self::Create(f) => f.validate(),
            Self::Update(f) => f.validate(),
            Self::Delete(f) => f.validate(),
            Self::CreateInvoice(f) => f.validate(),
            Self::ReverseInvoice(f) => f.validate(),
            Self::CreateArAdjustment(f) => f.validate(),
            Self::DeleteArAdjustment(f) => f.validate(),
            Self::CreateArPayment(f) => f.validate(),
            Self::ApplyArPayment(f) => f.validate(),
            Self::ReverseArPayment(f) => f.validate(),
            Self::CreateSoTransaction(f) => f.validate(),
        }
    }

    /// Writes the function's element (without the `<function>` wrapper).
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        match self {
            Self::GetApiSession(f) => f.write(w),
            Self::ReadByQuery(f) => f.write(w),
            Self::ReadMore(f) => f.write(w),
            Self::Query(f) => f.write(w),
            Self::Read(f) => f.write(w),
            Self::ReadByName(f) => f.write(w),
            Self::Create(f) => f.write(w),
            Self::Update(f) => f.write(w),
            Self::Delete(f) => f.write(w),
            Self::CreateInvoice(f) => f.write(w),
            Self::ReverseInvoice(f) => f.write(w),
            Self::CreateArAdjustment(f) => f.write(w),
            Self::DeleteArAdjustment(f) => f.write(w),
            Self::CreateArPayment(f) => f.write(w),
            Self::ApplyArPayment(f) => f.write(w),
            Self::ReverseArPayment(f) => f.write(w),
            Self::CreateSoTransaction(f) => f.write(w),
        }
    }
}

macro_rules! impl_from {
    ($($variant:ident),* $(,)?) => {
        $(impl From<$variant> for Function {
            fn from(f: $variant) -> Self {
                Self::$variant(f)
            }
        })*
    };
}

impl_from!(
    GetApiSession,
    ReadByQuery,
    ReadMore,
    Query,
    Read,
    ReadByName,
    Create,
    Update,
    Delete,
    CreateInvoice,
    ReverseInvoice,
    CreateArAdjustment,
    DeleteArAdjustment,
    CreateArPayment,
    ApplyArPayment,
    ReverseArPayment,
    CreateSoTransaction,
);

/// A function with its `controlid` attribute, which the gateway echoes in the result and, with
/// `uniqueid=true`, uses to refuse re-execution.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCall {
    /// Echoed in `<result><controlid>`; deterministic for exactly-once writes.
    pub control_id: ControlId,
    /// The function itself.
    pub function: Function,
}

impl FunctionCall {
    /// A call with a caller-chosen control id.
    pub fn new(control_id: ControlId, function: impl Into<Function>) -> Self {
        Self {
            control_id,
            function: function.into(),
        }
    }

    /// A call with a random control id (reads).
    pub fn random(function: impl Into<Function>) -> Self {
        Self::new(ControlId::random(), function)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open_with("function", &[("controlid", self.control_id.as_str())]);
        self.function.write(w);
        w.close();
    }
}
