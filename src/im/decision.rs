//! The offline-push decision, as Tencent IM makes it (see
//! `docs/vendors/tim.md#when-an-offline-push-is-sent`): push only when the
//! recipient is logged in but not online, has reported a token whose certificate exists and is in effect, the sender did
//! not turn push off, and the message has something to show.

use super::model::{MsgElem, SendMsg};
use crate::diagnosis::Diagnosis;
use crate::push::Certificate;
use crate::services::clock::Timestamp;

/// The title a notification gets when `OfflinePushInfo.Title` is empty.
pub const DEFAULT_TITLE: &str = "a new message";

/// Where the recipient stands with the IM server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientState {
    /// Never logged in, or called logout.
    LoggedOut,
    /// A login on another device kicked it.
    Kicked,
    /// Logged in with a live connection: the message goes online.
    Online,
    /// Logged in, connection gone (the app was killed): offline push.
    Offline {
        /// (certificate id, vendor token) from setOfflinePushConfig.
        token: Option<(u64, String)>,
    },
}

/// What the IM server does with one message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Delivered over the recipient's live connection; no offline push.
    Online,
    /// Not pushed, with the first broken link.
    NotPushed { code: Diagnosis, detail: String },
    /// Push through the certificate's vendor.
    Push(Box<PushPlan>),
}

/// A push the IM server will hand to a vendor client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPlan {
    pub certificate: Certificate,
    pub token: String,
    pub title: String,
    pub desc: String,
}

/// Decides the fate of `msg` for a recipient in `state`. `certificate` is the
/// certificate named by the recipient's reported token, if the IM server
/// knows it.
pub fn decide(
    state: &RecipientState,
    msg: &SendMsg,
    certificate: Option<&Certificate>,
    now: Timestamp,
) -> Decision {
    let not = |code: Diagnosis, detail: String| Decision::NotPushed { code, detail };
    let token = match state {
        RecipientState::LoggedOut => {
            return not(
                Diagnosis::ImLoggedOut,
                format!("{} is not logged in", msg.to),
            )
        }
        RecipientState::Kicked => {
            return not(
                Diagnosis::ImKicked,
                format!("{} was kicked offline by a login on another device", msg.to),
            )
        }
        RecipientState::Online => return Decision::Online,
        RecipientState::Offline { token } => token,
    };
    let push = &msg.offline_push;
    if push.push_flag == 1 {
        return not(
            Diagnosis::ImPushDisabled,
            "OfflinePushInfo.PushFlag is 1".into(),
        );
    }
    let Some(desc) = push_text(msg) else {
        return not(
            Diagnosis::ImCustomWithoutDesc,
            "a custom message needs OfflinePushInfo.Desc to be pushed".into(),
        );
    };
    let Some((cert_id, token)) = token else {
        return not(
            Diagnosis::ImNoToken,
            format!("{} never reported a push token", msg.to),
        );
    };
    let Some(cert) = certificate.filter(|c| c.id == *cert_id) else {
        return not(
            Diagnosis::ImCertificateUnknown,
            format!("certificate {cert_id} does not exist"),
        );
    };
    if now < cert.effective_at() {
        let wait = cert.effective_at().since(now).as_secs();
        return not(
            Diagnosis::ImCertificateNotEffective,
            format!(
                "certificate {cert_id} was saved at {} and takes effect at {} (in {wait} s)",
                cert.saved_at,
                cert.effective_at()
            ),
        );
    }
    let title = push
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| DEFAULT_TITLE.to_string());
    Decision::Push(Box::new(PushPlan {
        certificate: cert.clone(),
        token: token.clone(),
        title,
        desc,
    }))
}

/// The notification text: `OfflinePushInfo.Desc` when set, else the text of
/// the first text element, else the message type's own text. A message made
/// only of custom elements has none without a Desc.
pub fn push_text(msg: &SendMsg) -> Option<String> {
    if let Some(d) = msg.offline_push.desc.as_ref().filter(|d| !d.is_empty()) {
        return Some(d.clone());
    }
    for e in &msg.body {
        match e {
            MsgElem::Text { text } => return Some(text.clone()),
            MsgElem::Custom { desc, .. } if !desc.is_empty() => return Some(desc.clone()),
            MsgElem::Custom { .. } => {}
            // TIM shows a placeholder for media elements.
            MsgElem::Other { msg_type } => return Some(placeholder(msg_type).to_string()),
        }
    }
    None
}

fn placeholder(msg_type: &str) -> &'static str {
    match msg_type {
        "TIMImageElem" => "[Image]",
        "TIMSoundElem" => "[Voice]",
        "TIMFileElem" => "[File]",
        "TIMVideoFileElem" => "[Video]",
        "TIMLocationElem" => "[Location]",
        "TIMFaceElem" => "[Sticker]",
        _ => "[Message]",
    }
}
