//! The IM console's side of a case: `edit_certificate` saves the case's
//! certificate again with some fields changed.

use crate::push::Credentials;
use crate::runner::exec::{infra, Exec};
use crate::runner::CaseError;
use crate::scenario::model::EditCertificateArgs;
use crate::scenario::plan::click_action;

impl Exec<'_> {
    /// `edit_certificate`: the current certificate with the given fields
    /// changed is saved under the same id. The IM server keeps the previous
    /// version in effect until the new one's delay has passed.
    pub(in crate::runner) fn edit_certificate(
        &mut self,
        e: &EditCertificateArgs,
    ) -> Result<(), CaseError> {
        let mut input = self.certificate.clone();
        input.id = Some(self.certificate_id);
        if let Some(p) = &e.package {
            input.package = p.clone();
        }
        if let Some(changed) = &e.credentials {
            input.credentials = edited_credentials(&input.credentials, changed)
                .map_err(|m| self.fail(format!("edit_certificate: credentials: {m}"), None))?;
            input.credentials.complete_for_simulation().map_err(infra)?;
        }
        if let Some(c) = &e.click {
            input.click = click_action(c);
        }
        if let Some(c) = &e.channel_id {
            input.channel_id = c.clone();
        }
        if let Some(b) = &e.badge_class {
            input.badge_class = b.clone();
        }
        let saved = self.hub.im.save_certificate(input.clone());
        self.certificate_id = saved.id;
        self.certificate = input;
        Ok(())
    }
}

/// `current` with the fields of `changed` replacing its own.
fn edited_credentials(
    current: &Credentials,
    changed: &serde_json::Map<String, serde_json::Value>,
) -> Result<Credentials, String> {
    let mut map = match serde_json::to_value(current).map_err(|e| e.to_string())? {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    map.remove("vendor");
    map.extend(changed.clone());
    Credentials::from_fields(current.vendor(), &map)
}
