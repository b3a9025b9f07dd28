//! The push service's worker: executes the ordered work (display, tap,
//! clear, removals, token requests) and reports it to the hub.

use std::sync::Arc;

use hyper::Method;
use tokio::sync::mpsc;

use super::state::PushServiceConfig;
use super::state::{
    token_reply, Inner, Shown, Work, CATEGORY_DEFAULT, FLAG_ACTIVITY_NEW_TASK, TAG,
};
use crate::android::intent::{ACTION_MAIN, CATEGORY_LAUNCHER};
use crate::android::{ComponentName, Extras, Importance, Intent};
use crate::companion::{ACTION_COMMAND, EXTRA_MESSAGE_ID};
use crate::diagnosis::Diagnosis;
use crate::sim::apps::http::HubClient;
use crate::sim::apps::os::{
    ChannelSpec, DeviceOs, LogPriority, OsError, PendingKind, PendingTap, PostSpec,
};
use crate::wire::protocol::{
    CallbackTrigger, ClickRoute, DeviceEvent, DeviceEventKind, DeviceInfo, DisplayInstruction,
    Extra, Poster, RegisterError, RegisterRequest, Reporter, Requirement, StreamItem,
};
use crate::wire::MessageId;
use crate::wire::VendorId;

/// The channel a ROM's push service posts a vendor's notifications on when
/// it owns the channel itself (created on the app's behalf). vivo and Meizu
/// name theirs; a Mi or Huawei message without a channel id goes to the
/// service's default channel (its id here is pushlab's, UNCONFIRMED).
fn rom_channel(vendor: VendorId, channel_id: Option<&str>) -> Option<ChannelSpec> {
    let (id, name) = match (vendor, channel_id) {
        (VendorId::Vivo, Some(crate::wire::sdk::vivo::SYSTEM_CHANNEL)) => {
            (crate::wire::sdk::vivo::SYSTEM_CHANNEL, "Push notifications")
        }
        (VendorId::Meizu, Some(crate::wire::sdk::meizu::NOTIFICATION_CHANNEL)) => (
            crate::wire::sdk::meizu::NOTIFICATION_CHANNEL,
            "Push notifications",
        ),
        (VendorId::Xiaomi, None) => ("mipush_default_channel", "Push notifications"),
        (VendorId::Huawei, None) => ("hms_push_default_channel", "Push notifications"),
        _ => return None,
    };
    Some(ChannelSpec {
        id: id.to_string(),
        name: name.to_string(),
        importance: Importance::Default,
    })
}

/// What a tap opened.
pub(super) enum Opened {
    Activity,
    Url { url: String, browser: String },
}

pub(super) struct Worker {
    pub(super) service: Arc<Inner>,
    pub(super) config: Arc<PushServiceConfig>,
    pub(super) client: HubClient,
}

impl Worker {
    fn os(&self) -> &dyn DeviceOs {
        self.service.os.as_ref()
    }

    fn log(&self, priority: LogPriority, message: &str) {
        self.os().log(priority, TAG, message);
    }

    pub(super) async fn run(self, mut rx: mpsc::UnboundedReceiver<Work>) {
        while let Some(work) = rx.recv().await {
            match work {
                Work::Stream(StreamItem::Display { instruction }) => {
                    self.display(*instruction).await
                }
                Work::Stream(StreamItem::Tap { message_id }) => self.tap(&message_id).await,
                Work::Stream(StreamItem::Clear { message_id }) => {
                    self.clear(message_id.as_ref()).await
                }
                Work::Stream(StreamItem::Hello { .. } | StreamItem::Ping) => {}
                Work::Register { vendor, package } => self.register(vendor, package).await,
                Work::Removed { key, reason } => self.removed(&key, &reason).await,
            }
        }
    }

    /// Posts a device event; a hub that cannot be reached costs the event,
    /// not the service.
    async fn report(&self, message_id: Option<&MessageId>, kind: DeviceEventKind) {
        let event = DeviceEvent {
            message_id: message_id.cloned(),
            device: self.config.device.clone(),
            reporter: Reporter::PushService,
            kind,
        };
        let body = match serde_json::to_value(&event) {
            Ok(b) => b,
            Err(e) => return self.log(LogPriority::Error, &format!("event not encoded: {e}")),
        };
        if let Err(e) = self
            .client
            .json(Method::POST, "/gateway/v1/events", Some(&body))
            .await
        {
            self.log(LogPriority::Warn, &format!("event not reported: {e}"));
        }
    }

    async fn dropped(&self, id: &MessageId, code: Diagnosis, detail: String) {
        self.log(
            LogPriority::Warn,
            &format!("{id}: not shown ({code}): {detail}"),
        );
        self.report(Some(id), DeviceEventKind::Dropped { code, detail })
            .await;
    }

    /// Executes one DisplayInstruction under the device's rules.
    async fn display(&self, instr: DisplayInstruction) {
        let id = instr.message_id.clone();
        self.report(Some(&id), DeviceEventKind::Received).await;
        let os = self.os();
        let pkg = instr.package.clone();
        let api = os.api_level();
        if instr.poster == Poster::AppSdk {
            // The app's own SDK posts; a stopped app's SDK never wakes up.
            if os.is_stopped(&pkg) {
                return self
                    .dropped(
                        &id,
                        Diagnosis::DeviceAppStopped,
                        format!(
                            "{pkg} is stopped: the {} broadcast is not delivered",
                            instr.vendor
                        ),
                    )
                    .await;
            }
            let wakes = instr
                .callbacks
                .iter()
                .any(|c| c.on == CallbackTrigger::Arrived);
            if !self.send_callbacks(&instr, CallbackTrigger::Arrived) && wakes {
                return self
                    .dropped(
                        &id,
                        Diagnosis::DeviceAppStopped,
                        format!("no receiver of {pkg} took the wake-up broadcast"),
                    )
                    .await;
            }
        }
        let channel = if api < 26 {
            None
        } else {
            match self.channel_for(&instr) {
                Ok(c) => Some(c),
                Err(e) => return self.dropped(&id, e.code, e.detail).await,
            }
        };
        let notify_id = instr.notification.notify_id.unwrap_or_else(|| {
            let mut s = self.service.state.lock();
            s.next_notify_id += 1;
            s.next_notify_id
        });
        let mut tap =
            Intent::new(ACTION_COMMAND).with_component(self.config.command_receiver.clone());
        tap.extras.insert("command", "tap");
        tap.extras.insert("message_id", id.0.clone());
        let mut extras = Extras::new();
        extras.insert(EXTRA_MESSAGE_ID, id.0.clone());
        let post = PostSpec {
            poster: match instr.poster {
                Poster::SystemService => self.config.package.clone(),
                Poster::AppSdk => pkg.clone(),
            },
            tag: None,
            id: notify_id,
            channel_id: channel.clone(),
            title: instr.notification.title.clone(),
            text: instr.notification.text.clone(),
            auto_cancel: true,
            content_intent: PendingTap {
                creator: self.config.package.clone(),
                kind: PendingKind::Broadcast,
                intent: tap,
            },
            extras,
        };
        let key = match os.post_notification(&pkg, post) {
            Ok(key) => key,
            Err(e) => return self.dropped(&id, e.code, e.detail).await,
        };
        {
            let mut s = self.service.state.lock();
            s.shown.retain(|sh| sh.key != key);
            s.shown.push(Shown {
                key: key.clone(),
                instruction: instr.clone(),
                in_shade: true,
            });
        }
        // Shown: the badge goes up with it, reported before the post so
        // that whoever sees `posted` sees the badge too.
        self.set_badge(&instr).await;
        self.report(
            Some(&id),
            DeviceEventKind::Posted {
                title: instr.notification.title.clone(),
                text: instr.notification.text.clone(),
                channel_id: channel,
                key: Some(key),
            },
        )
        .await;
        if instr.poster == Poster::SystemService {
            self.send_callbacks(&instr, CallbackTrigger::Arrived);
        }
    }

    /// HMS Core's badge: for a Huawei message with a badge class, the new
    /// number (`set_num`, else the last number plus `add_num`, default 1)
    /// goes to the launcher's badge provider; what the launcher then shows
    /// is reported. Elsewhere (no such launcher) nothing is set, and the
    /// service logs it.
    async fn set_badge(&self, instr: &DisplayInstruction) {
        use crate::wire::sdk::huawei::*;
        let n = &instr.notification;
        let Some(class) = n.badge_class.as_deref().filter(|c| !c.is_empty()) else {
            return;
        };
        if instr.vendor != VendorId::Huawei {
            return;
        }
        let pkg = &instr.package;
        let number = {
            let s = self.service.state.lock();
            let last = s.badge_numbers.get(pkg).copied().unwrap_or(0);
            n.badge_set_num
                .unwrap_or_else(|| last.saturating_add(n.badge_add_num.unwrap_or(1)))
        };
        let mut args = Extras::new();
        args.insert(ARG_PACKAGE, pkg.clone());
        args.insert(ARG_CLASS, class.to_string());
        args.insert(
            ARG_BADGE_NUMBER,
            crate::android::ExtraValue::Int(i32::try_from(number).unwrap_or(i32::MAX)),
        );
        let answer = self.os().call_provider(
            BADGE_AUTHORITY,
            METHOD_CHANGE_BADGE,
            &args,
            &self.config.package,
        );
        let Some(answer) = answer else {
            return self.log(
                LogPriority::Warn,
                &format!(
                    "{}: the launcher set no badge for {pkg}/{class}",
                    instr.message_id
                ),
            );
        };
        self.service
            .state
            .lock()
            .badge_numbers
            .insert(pkg.clone(), number);
        let shown_class = answer
            .get(ARG_CLASS)
            .and_then(crate::android::ExtraValue::as_str)
            .unwrap_or(class)
            .to_string();
        let shown = match answer.get(ARG_BADGE_NUMBER) {
            Some(crate::android::ExtraValue::Int(i)) => u32::try_from(*i).unwrap_or(0),
            _ => number,
        };
        self.report(
            Some(&instr.message_id),
            DeviceEventKind::BadgeSet {
                class: shown_class,
                number: shown,
            },
        )
        .await;
    }

    /// The channel the notification goes on (API >= 26), creating the ones
    /// the poster owns itself.
    fn channel_for(&self, instr: &DisplayInstruction) -> Result<String, OsError> {
        let os = self.os();
        let pkg = &instr.package;
        let named = instr
            .notification
            .channel_id
            .as_deref()
            .filter(|c| !c.is_empty());
        match instr.poster {
            Poster::AppSdk => {
                // The FCM SDK uses the named channel if the app created it,
                // else the fallback channel it creates itself.
                if let Some(c) = named.filter(|c| os.channel_exists(pkg, c)) {
                    return Ok(c.to_string());
                }
                let fallback = crate::wire::sdk::fcm::FALLBACK_CHANNEL;
                if !os.channel_exists(pkg, fallback) {
                    os.create_channel(
                        pkg,
                        ChannelSpec {
                            id: fallback.to_string(),
                            name: "Miscellaneous".to_string(),
                            importance: Importance::Default,
                        },
                    );
                }
                Ok(fallback.to_string())
            }
            Poster::SystemService => {
                if named.is_none() && instr.vendor == VendorId::Oppo {
                    return Err(OsError::new(
                        Diagnosis::OppoChannelRequired,
                        format!(
                            "OPPO push message for {pkg} has no channel id on API {}: not displayed",
                            os.api_level()
                        ),
                    ));
                }
                if let Some(rom) = rom_channel(instr.vendor, named) {
                    if !os.channel_exists(pkg, &rom.id) {
                        let id = rom.id.clone();
                        os.create_channel(pkg, rom);
                        return Ok(id);
                    }
                    return Ok(rom.id);
                }
                match named {
                    Some(c) => Ok(c.to_string()),
                    None => Err(OsError::new(
                        Diagnosis::DeviceChannelMissing,
                        format!("No Channel found for pkg={pkg}, channelId=null"),
                    )),
                }
            }
        }
    }

    /// Whether an extra reaches the app on this device.
    fn keeps(info: &DeviceInfo, extra: &Extra) -> bool {
        match extra.requires {
            Some(Requirement::HuaweiPassthrough) => !info.drops_huawei_passthrough,
            None => true,
        }
    }

    /// Sends the instruction's callbacks for `on`; true if any was delivered.
    fn send_callbacks(&self, instr: &DisplayInstruction, on: CallbackTrigger) -> bool {
        let info = self.os().device_info();
        let mut delivered = false;
        for cb in instr.callbacks.iter().filter(|c| c.on == on) {
            let mut intent = Intent::new(cb.action.clone());
            match cb.component.as_deref().map(str::parse::<ComponentName>) {
                Some(Ok(c)) => intent.component = Some(c),
                _ => intent.package = Some(instr.package.clone()),
            }
            for e in cb.extras.iter().filter(|e| Self::keeps(&info, e)) {
                intent.extras.insert(e.key.clone(), e.value.clone());
            }
            if instr.poster == Poster::AppSdk && on == CallbackTrigger::Arrived {
                // What the app's SDK posts from, as Play services hands a
                // notification message over (`gcm.notification.*`).
                let n = &instr.notification;
                intent
                    .extras
                    .insert(crate::wire::sdk::fcm::EXTRA_TITLE, n.title.clone());
                intent
                    .extras
                    .insert(crate::wire::sdk::fcm::EXTRA_BODY, n.text.clone());
            }
            intent
                .extras
                .insert(EXTRA_MESSAGE_ID, instr.message_id.0.clone());
            let ok =
                self.os()
                    .send_broadcast(intent, &self.config.package, cb.include_stopped_packages);
            if !ok {
                self.log(
                    LogPriority::Warn,
                    &format!(
                        "{}: callback {} not delivered to {}",
                        instr.message_id, cb.action, instr.package
                    ),
                );
            }
            delivered |= ok;
        }
        delivered
    }

    /// Fires the tap of the message's notification: its intent, the
    /// `clicked` callbacks, then auto-cancel.
    async fn tap(&self, id: &MessageId) {
        let found = {
            let s = self.service.state.lock();
            s.shown
                .iter()
                .rev()
                .find(|sh| &sh.instruction.message_id == id)
                .map(|sh| (sh.key.clone(), sh.instruction.clone()))
        };
        let Some((key, instr)) = found else {
            return self.log(
                LogPriority::Warn,
                &format!("tap: no notification of message {id} is shown"),
            );
        };
        // Recorded before the tap can start anything that reports.
        self.report(Some(id), DeviceEventKind::Clicked).await;
        let info = self.os().device_info();
        let lost: Vec<&Extra> = instr
            .extras
            .iter()
            .filter(|e| !Self::keeps(&info, e))
            .collect();
        if let Some(code) = lost.iter().find_map(|e| e.requires) {
            let keys: Vec<&str> = lost.iter().map(|e| e.key.as_str()).collect();
            // The ROM knows it drops the pass-through data: say so before
            // the app opens without it.
            let detail = format!(
                "this device does not hand notification data to the app; lost extras: {}",
                keys.join(", ")
            );
            self.log(LogPriority::Warn, &format!("{id}: {detail}"));
            self.report(
                Some(id),
                DeviceEventKind::ExtDropped {
                    code: code.diagnosis_when_lost(),
                    detail,
                },
            )
            .await;
        }
        match self.open(&instr) {
            Ok(Opened::Activity) => {}
            Ok(Opened::Url { url, browser }) => {
                self.report(
                    Some(id),
                    DeviceEventKind::UrlOpened {
                        url,
                        package: browser,
                    },
                )
                .await
            }
            Err(e) => {
                self.log(LogPriority::Warn, &format!("{id}: tap failed: {e}"));
                self.report(
                    Some(id),
                    DeviceEventKind::ClickFailed {
                        code: e.code,
                        detail: e.detail,
                    },
                )
                .await
            }
        }
        self.send_callbacks(&instr, CallbackTrigger::Clicked);
        self.cancel(&key, "click").await;
    }

    /// Starts what the click route names, with the extras that reach the app.
    fn open(&self, instr: &DisplayInstruction) -> Result<Opened, OsError> {
        let os = self.os();
        let pkg = &instr.package;
        let not_found = |detail: String| OsError::new(Diagnosis::DeviceActivityNotFound, detail);
        let intent = match &instr.click {
            ClickRoute::Url { url } => {
                let browser = os.open_url(url, &self.config.package)?;
                return Ok(Opened::Url {
                    url: url.clone(),
                    browser,
                });
            }
            // As the vendor services do: the package's launch intent.
            ClickRoute::Launcher => os.launch_intent_for_package(pkg).ok_or_else(|| {
                not_found(format!(
                    "{pkg} has no launcher activity (Intent {{ act={ACTION_MAIN} cat=[{CATEGORY_LAUNCHER}] pkg={pkg} }})"
                ))
            })?,
            ClickRoute::IntentUri { uri } => {
                let mut i = Intent::parse_uri(uri)
                    .map_err(|e| not_found(format!("cannot parse intent URI `{uri}`: {e}")))?;
                // The service keeps the intent inside the target app.
                if i.component.is_none() && i.package.is_none() {
                    i.package = Some(pkg.clone());
                }
                i
            }
            ClickRoute::Component { component } => {
                let c: ComponentName = component
                    .parse()
                    .map_err(|e| not_found(format!("bad component `{component}`: {e}")))?;
                Intent::default().with_component(c)
            }
            ClickRoute::Action { action } => {
                let mut i = Intent::new(action.clone());
                i.add_category(CATEGORY_DEFAULT);
                i.package = Some(pkg.clone());
                i
            }
        };
        let info = os.device_info();
        let mut intent = intent.with_flags(FLAG_ACTIVITY_NEW_TASK);
        for e in instr.extras.iter().filter(|e| Self::keeps(&info, e)) {
            intent.extras.insert(e.key.clone(), e.value.clone());
        }
        intent
            .extras
            .insert(EXTRA_MESSAGE_ID, instr.message_id.0.clone());
        os.start_activity(intent, &self.config.package)?;
        Ok(Opened::Activity)
    }

    /// Removes a tracked notification and reports it (once).
    async fn cancel(&self, key: &str, reason: &str) {
        self.os().cancel_notification(key);
        let entry = {
            let mut s = self.service.state.lock();
            s.shown
                .iter()
                .position(|sh| sh.key == key)
                .map(|i| s.shown.remove(i))
        };
        if let Some(Shown {
            instruction,
            in_shade: true,
            ..
        }) = entry
        {
            self.report_removed(&instruction.message_id, reason).await;
        }
    }

    async fn report_removed(&self, id: &MessageId, reason: &str) {
        self.report(
            Some(id),
            DeviceEventKind::Removed {
                reason: reason.to_string(),
            },
        )
        .await;
    }

    /// `clear`: one message's notification, or all of them.
    async fn clear(&self, id: Option<&MessageId>) {
        let keys: Vec<String> = self
            .service
            .state
            .lock()
            .shown
            .iter()
            .filter(|sh| sh.in_shade && id.is_none_or(|id| &sh.instruction.message_id == id))
            .map(|sh| sh.key.clone())
            .collect();
        for key in keys {
            self.cancel(&key, "cancel").await;
        }
    }

    /// The framework removed one of our notifications.
    async fn removed(&self, key: &str, reason: &str) {
        let id = {
            let mut s = self.service.state.lock();
            s.shown
                .iter_mut()
                .find(|sh| sh.key == key && sh.in_shade)
                .map(|sh| {
                    sh.in_shade = false;
                    sh.instruction.message_id.clone()
                })
        };
        if let Some(id) = id {
            self.report_removed(&id, reason).await;
        }
    }

    /// Answers a push SDK's token request.
    async fn register(&self, vendor: Option<String>, package: Option<String>) {
        let Some(package) = package else {
            return self.log(LogPriority::Warn, "REGISTER without `package`: ignored");
        };
        let vendor_name = vendor.unwrap_or_default();
        let mut reply = token_reply(&package, &vendor_name);
        let mut fail = |code: &str, message: String, diagnosis: Option<Diagnosis>| {
            reply.extras.insert("error_code", code);
            reply.extras.insert("error_message", message);
            if let Some(d) = diagnosis {
                reply.extras.insert("diagnosis", d.code());
            }
        };
        match vendor_name.parse::<VendorId>() {
            Err(e) => fail("INVALID_VENDOR", e.to_string(), None),
            Ok(vendor) => {
                let req = RegisterRequest {
                    device: self.config.device.clone(),
                    vendor,
                    package: package.clone(),
                    device_info: self.os().device_info(),
                };
                let body = serde_json::to_value(&req).unwrap_or_default();
                match self.client.post_any("/gateway/v1/register", &body).await {
                    Ok((status, v)) if status.is_success() => match v["token"].as_str() {
                        Some(token) => {
                            self.log(
                                LogPriority::Info,
                                &format!("registered {package} with {vendor}"),
                            );
                            reply.extras.insert("token", token);
                        }
                        None => fail("BAD_RESPONSE", format!("no token in {v}"), None),
                    },
                    Ok((status, v)) => {
                        match serde_json::from_value::<RegisterError>(v["error"].clone()) {
                            Ok(e) => fail(&e.code, e.message, Some(e.diagnosis)),
                            Err(_) => {
                                fail(&format!("HTTP_{}", status.as_u16()), v.to_string(), None)
                            }
                        }
                    }
                    Err(e) => fail("SERVICE_NOT_AVAILABLE", e.to_string(), None),
                }
            }
        }
        if !self.os().send_broadcast(reply, &self.config.package, true) {
            self.log(
                LogPriority::Warn,
                &format!("TOKEN answer not delivered to {package}"),
            );
        }
    }
}
