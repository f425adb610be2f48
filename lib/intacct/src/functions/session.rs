//! `getAPISession`: exchange a login for a session id and the endpoint that session lives on.

use crate::xml::XmlWriter;

/// Requests an API session. The response names the per-session endpoint that every later call
/// must use, so the client switches to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetApiSession {
    /// `None`: session at the login's level. `Some("")`: top level from an entity login.
    /// `Some(entity)`: a session scoped to that entity.
    pub location_id: Option<String>,
}

impl GetApiSession {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        match &self.location_id {
            None => {
                w.empty_with("getAPISession", &[]);
            }
            Some(loc) => {
                w.open("getAPISession").leaf("locationid", loc).close();
            }
        }
    }
}
