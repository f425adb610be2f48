//! `getAPISession`: a session id bound to the user, company, entity and this sandbox's endpoint.

use super::super::clock::lifetime;

use super::super::response::Data;
use super::super::state::Session;
use super::super::xml::{Element, esc};
use super::{Ctx, Outcome, Success};

/// Create a session; `<locationid>` in the request switches entity.
pub fn get_api_session(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let locationid = match body.child("locationid") {
        Some(el) => el.text.trim().to_string(),
        None => ctx.auth.locationid.clone(),
    };
    let sessionid = format!("{}..", ctx.state.new_id(40));
    let ttl = lifetime(ctx.state.settings.session_ttl_secs);
    ctx.state.sessions.insert(
        sessionid.clone(),
        Session {
            userid: ctx.auth.userid.clone(),
            companyid: ctx.auth.companyid.clone(),
            locationid: locationid.clone(),
            expires_at: ctx.now + ttl,
        },
    );
    Ok(Success {
        key: None,
        data: Some(Data {
            attrs: Vec::new(),
            inner: format!(
                "<api><sessionid>{}</sessionid><endpoint>{}</endpoint><locationid>{}</locationid></api>",
                esc(&sessionid),
                esc(ctx.endpoint),
                esc(&locationid)
            ),
        }),
    })
}
