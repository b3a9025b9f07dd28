//! The backend's side: `sendmsg` through the IM server's own API, with the
//! typed request a backend's body would parse into.

use rand::Rng;
use serde_json::{json, Value};

use crate::im::model::{
    codes, parse_android_info, MsgElem, OfflinePushInfo, SendMsg, TimError, MAX_BODY,
};
use crate::runner::exec::Exec;
use crate::runner::CaseError;
use crate::scenario::model::{BurstArgs, SendArgs};
use crate::scenario::CaseRun;
use crate::services::journal::MessageId;

impl Exec<'_> {
    /// `send`: one message; it becomes the current message.
    pub(in crate::runner) fn send(&mut self, s: &SendArgs) -> Result<(), CaseError> {
        self.since = self.hub.journal().last_seq();
        self.messages.clear();
        let id = self.sendmsg(s, rand::thread_rng().gen())?;
        self.messages.push(id);
        Ok(())
    }

    /// `burst`: the same message `count` times (each its own `MsgRandom`);
    /// they become the current messages.
    pub(in crate::runner) fn burst(&mut self, b: &BurstArgs) -> Result<(), CaseError> {
        self.since = self.hub.journal().last_seq();
        self.messages.clear();
        let base: u32 = rand::thread_rng().gen();
        for i in 0..b.count {
            let id = self.sendmsg(&b.send, base.wrapping_add(i))?;
            self.messages.push(id);
        }
        Ok(())
    }

    /// `sendmsg` through the IM server, as a backend would call it.
    fn sendmsg(&self, s: &SendArgs, random: u32) -> Result<MessageId, CaseError> {
        let msg = sendmsg_request(self.run, s, random).map_err(|e| {
            self.fail(
                format!("sendmsg refused the request: {} {}", e.code, e.info),
                None,
            )
        })?;
        self.hub
            .im
            .send(msg)
            .map(|sent| sent.message_id)
            .map_err(|e| self.fail(format!("sendmsg failed: {} {}", e.code, e.info), None))
    }
}

/// The message element of `s`: custom when given, else text.
fn element(s: &SendArgs) -> MsgElem {
    match (&s.text, &s.custom) {
        (_, Some(c)) => MsgElem::Custom {
            data: c.data.clone(),
            desc: c.desc.clone(),
            ext: c.ext.clone(),
        },
        (t, None) => MsgElem::Text {
            text: t.clone().unwrap_or_default(),
        },
    }
}

/// The `sendmsg` request of `s` as the IM server reads it from a backend's
/// body ([`sendmsg_body`]), or why the server refuses it.
pub fn sendmsg_request(run: &CaseRun, s: &SendArgs, random: u32) -> Result<SendMsg, TimError> {
    // The server refuses a body over its limit before reading it, so the
    // typed request is measured as the body a backend would post.
    let size = serde_json::to_vec(&sendmsg_body(run, s, random)).map_or(0, |b| b.len());
    if size > MAX_BODY {
        return Err(TimError::new(codes::TOO_LARGE, "request body too large"));
    }
    let from = s.from.as_deref().unwrap_or(&run.sender);
    let to = s.to.as_deref().unwrap_or(&run.user);
    let mut msg = SendMsg::new(&run.sender, from, to, random, vec![element(s)])?;
    if let Some(o) = &s.offline_push {
        let android = match &o.android_info {
            Some(a) => parse_android_info(&json!(a))?,
            None => Default::default(),
        };
        msg.offline_push = OfflinePushInfo {
            push_flag: 0,
            title: o.title.clone(),
            desc: o.desc.clone(),
            ext: o.ext.clone(),
            android,
        };
    }
    Ok(msg)
}

/// The `sendmsg` body a backend would post for `s`.
pub fn sendmsg_body(run: &CaseRun, s: &SendArgs, random: u32) -> Value {
    let from = s.from.clone().unwrap_or_else(|| run.sender.clone());
    let to = s.to.clone().unwrap_or_else(|| run.user.clone());
    let mut body = json!({
        "SyncOtherMachine": 2,
        "From_Account": from,
        "To_Account": to,
        "MsgRandom": random,
        "MsgBody": [element(s).to_tim_json()],
    });
    if let Some(o) = &s.offline_push {
        let mut info = serde_json::Map::new();
        info.insert("PushFlag".into(), json!(0));
        if let Some(t) = &o.title {
            info.insert("Title".into(), json!(t));
        }
        if let Some(d) = &o.desc {
            info.insert("Desc".into(), json!(d));
        }
        if let Some(e) = &o.ext {
            info.insert("Ext".into(), json!(e));
        }
        if let Some(a) = &o.android_info {
            info.insert("AndroidInfo".into(), json!(a));
        }
        body["OfflinePushInfo"] = Value::Object(info);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{expand, parse_str, Step};

    /// The runs of a file whose only case sends with `send`.
    fn runs(send: &str) -> Vec<CaseRun> {
        let text = format!(
            "vendor: oppo\ncertificate:\n  credentials: {{app_key: k, master_secret: m}}\n  channel_id: im\ncases:\n  - name: a\n    steps:\n      - send: {send}\n"
        );
        expand(&parse_str("o.yaml", &text).unwrap())
    }

    fn send_args(run: &CaseRun) -> &SendArgs {
        match &run.steps[0] {
            Step::Send(a) => a,
            _ => panic!("a send step"),
        }
    }

    #[test]
    fn the_typed_request_is_what_the_im_server_reads_from_the_body() {
        let too_large = format!("{{text: {}}}", "x".repeat(MAX_BODY));
        for send in [
            too_large.as_str(),
            "{text: hi}",
            "{from: '', to: carol, text: hi}",
            r#"{custom: {data: '{"type":"order"}', desc: New order}, offline_push: {title: Shop, desc: New, ext: '{"a":1}', android_info: {OPPOChannelID: orders, VIVOClassification: 1}}}"#,
            "{text: hi, offline_push: {}}",
            "{to: '', text: hi}",
            "{text: hi, offline_push: {android_info: {OPPOChannelID: 5}}}",
        ] {
            let runs = runs(send);
            let (run, args) = (&runs[0], send_args(&runs[0]));
            let body = sendmsg_body(run, args, 7);
            let parsed = SendMsg::parse(body.to_string().as_bytes(), &run.sender);
            assert_eq!(sendmsg_request(run, args, 7), parsed, "{send}");
        }
    }
}
