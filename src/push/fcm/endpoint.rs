//! The simulated Google endpoints: the OAuth token endpoint of the
//! JWT-bearer flow and the v1 `messages:send` API. Each handler is the list
//! of its stages; a stage either passes or ends the request with Google's
//! answer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::DecodingKey;
use serde_json::{json, Value};

use super::client::diagnosis_of;
use super::delivery::instruction;
use super::error::ApiError;
use super::jwt::{decoding_key, parse_private_key, read_assertion, verify_assertion, Claims};
use super::message::{validate, Target, Validated};
use super::{
    send_path, Inner, IssuedToken, ServiceAccount, CLOUD_PLATFORM_SCOPE, JWT_BEARER,
    MESSAGING_SCOPE, TOKEN_LIFETIME_SECS, TOKEN_PATH,
};
use crate::push::common::{
    fault_status, http_code, journal_fault, random_string, FaultKind, ALNUM, HEX,
};
use crate::push::{Credentials as AnyCredentials, RequestLog, VendorApp, VendorId};
use crate::services::clock::Timestamp;
use crate::services::gateway::Registration;
use crate::services::journal::{Event, MessageId};

/// The token endpoint and the send API, at Google's paths.
pub(super) fn router(inner: Arc<Inner>) -> axum::Router {
    axum::Router::new()
        .route(TOKEN_PATH, axum::routing::post(token_endpoint))
        .route(
            "/v1/projects/{project}/messages:send",
            axum::routing::post(send_endpoint),
        )
        .with_state(inner)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// A response whose body fails after the headers: hyper aborts the
/// connection, so the client sees a broken exchange (the `Drop` fault).
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// An OAuth error in Google's shape.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

// ---------------------------------------------------------------- token endpoint

/// A refusal of the token endpoint: always HTTP 400, in Google's OAuth
/// shape (`{"error", "error_description"}`).
#[derive(Debug, PartialEq, Eq)]
struct OAuthError {
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            error,
            description: description.into(),
        }
    }

    fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_grant", description)
    }

    fn account_not_found() -> OAuthError {
        OAuthError::invalid_grant("Invalid grant: account not found")
    }

    fn bad_signature() -> OAuthError {
        OAuthError::invalid_grant("Invalid JWT Signature.")
    }
}

async fn token_endpoint(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let now = inner.services.clock.now();
    let (status, code, message, resp) = match issue_token(&inner, &body, now) {
        Ok(answer) => (
            StatusCode::OK,
            "200".to_string(),
            String::new(),
            json_response(StatusCode::OK, &answer),
        ),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            e.error.to_string(),
            e.description.clone(),
            oauth_error(StatusCode::BAD_REQUEST, e.error, &e.description),
        ),
    };
    inner.logs.push(RequestLog {
        at: now,
        method: "POST".into(),
        path: TOKEN_PATH.into(),
        http_status: status.as_u16(),
        accepted: status == StatusCode::OK,
        vendor_code: code,
        message,
        tokens: Vec::new(),
        message_id: None,
    });
    resp
}

/// The JWT-bearer grant: the form, the assertion, the account it names,
/// its signature, its lifetime and its scopes, then a new access token.
fn issue_token(inner: &Inner, body: &[u8], now: Timestamp) -> Result<Value, OAuthError> {
    let assertion = assertion_of(body)?;
    let jwt = read_assertion(&assertion)
        .map_err(|e| OAuthError::invalid_grant(format!("Invalid JWT: {e}")))?;
    let (cert, sa) = account_of(inner, &jwt.claims.iss)?;
    // A key id that is not the account's current key: Google reports the
    // signature as invalid.
    if let Some(kid) = jwt.header.kid.as_deref() {
        if !sa.private_key_id.is_empty() && kid != sa.private_key_id {
            return Err(OAuthError::bad_signature());
        }
    }
    let public = public_key(inner, &sa)?;
    verify_assertion(&assertion, &public).map_err(|_| OAuthError::bad_signature())?;
    check_lifetime(&jwt.claims, now)?;
    let scopes = scopes_of(&jwt.claims)?;
    Ok(issue(inner, &sa, &cert, scopes, now))
}

/// The form's assertion, if the grant type is the JWT-bearer one.
fn assertion_of(body: &[u8]) -> Result<String, OAuthError> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match get("grant_type") {
        Some(JWT_BEARER) => {}
        Some(other) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                format!("Invalid grant_type: {other}"),
            ))
        }
        None => {
            return Err(OAuthError::new(
                "invalid_request",
                "Missing required parameter: grant_type",
            ))
        }
    }
    get("assertion")
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .ok_or_else(|| OAuthError::new("invalid_request", "Missing required parameter: assertion"))
}

/// The registered app whose service account is `iss`.
fn account_of(inner: &Inner, iss: &str) -> Result<(Arc<VendorApp>, ServiceAccount), OAuthError> {
    let cert = inner
        .services
        .apps
        .find(VendorId::Fcm, |c| {
            matches!(&c.credentials, AnyCredentials::Fcm(f) if f.service_account["client_email"].as_str() == Some(iss))
        })
        .ok_or_else(OAuthError::account_not_found)?;
    let AnyCredentials::Fcm(creds) = &cert.credentials else {
        return Err(OAuthError::account_not_found());
    };
    let sa = ServiceAccount::parse(&creds.service_account)
        .map_err(|_| OAuthError::account_not_found())?;
    Ok((cert, sa))
}

/// The public half of the account's key, derived once per PEM.
fn public_key(inner: &Inner, sa: &ServiceAccount) -> Result<DecodingKey, OAuthError> {
    let cached = inner
        .public_keys
        .lock()
        .get(&sa.client_email)
        .filter(|(pem, _)| *pem == sa.private_key)
        .map(|(_, k)| k.clone());
    if let Some(k) = cached {
        return Ok(k);
    }
    let public = parse_private_key(&sa.private_key)
        .and_then(|k| decoding_key(&k.to_public_key()))
        .map_err(|_| OAuthError::bad_signature())?;
    inner.public_keys.lock().insert(
        sa.client_email.clone(),
        (sa.private_key.clone(), public.clone()),
    );
    Ok(public)
}

/// Google allows a short-lived assertion (at most an hour) that is valid
/// now on its clock, with a little skew.
fn check_lifetime(c: &Claims, now: Timestamp) -> Result<(), OAuthError> {
    const SKEW: i64 = 300;
    let t = now.seconds();
    let lifetime = c.exp.checked_sub(c.iat);
    if c.exp <= c.iat
        || lifetime.is_none_or(|l| l > 3600)
        || c.iat > t.saturating_add(SKEW)
        || c.exp < t.saturating_sub(SKEW)
    {
        return Err(OAuthError::invalid_grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ));
    }
    Ok(())
}

/// The scopes asked for; at least one.
///
/// The audience is not checked: google-auth always sends
/// `https://oauth2.googleapis.com/token` whatever `token_uri` says, other
/// libraries send the key file's `token_uri` (the simulator's address),
/// and some send none. Refusing any of them would fail real clients.
fn scopes_of(c: &Claims) -> Result<Vec<String>, OAuthError> {
    let scopes: Vec<String> = c.scope.split_whitespace().map(str::to_string).collect();
    if scopes.is_empty() {
        return Err(OAuthError::new(
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        ));
    }
    Ok(scopes)
}

/// Issues an access token and answers it as Google does.
fn issue(
    inner: &Inner,
    sa: &ServiceAccount,
    cert: &VendorApp,
    scopes: Vec<String>,
    now: Timestamp,
) -> Value {
    let token = format!("ya29.c.{}", random_string(120, ALNUM));
    inner.issued.lock().insert(
        token.clone(),
        IssuedToken {
            project_id: sa.project_id.clone(),
            package: cert.package.clone(),
            scopes,
            expires_at: now.plus(Duration::from_secs(TOKEN_LIFETIME_SECS)),
        },
    );
    json!({"access_token": token, "expires_in": TOKEN_LIFETIME_SECS, "token_type": "Bearer"})
}

// ---------------------------------------------------------------- send API

/// One call of the send API, as its stages see it.
struct SendCall<'a> {
    inner: &'a Inner,
    project: String,
    message_id: MessageId,
    now: Timestamp,
    /// The body as JSON, if it is JSON.
    parsed: Option<Value>,
    /// `message.token`, for the request log and token-scoped faults.
    tokens: Vec<String>,
}

/// How a stage ends a call: a refusal of the send API (journaled, logged
/// and answered in Google's shape in one place), or an answer already made
/// (injected server errors and dropped connections).
enum Stop {
    Refused(ApiError),
    Answered(Response),
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Stop {
        Stop::Refused(e)
    }
}

async fn send_endpoint(
    State(inner): State<Arc<Inner>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = SendCall::new(&inner, project, &headers, &body);
    match send_stages(&call, &headers).await {
        Ok(answer) => answer,
        Err(Stop::Refused(e)) => call.reject(e),
        Err(Stop::Answered(answer)) => answer,
    }
}

/// auth → project quota → faults → validate → recipient → sender → device
/// quota → accept and deliver.
async fn send_stages(call: &SendCall<'_>, headers: &HeaderMap) -> Result<Response, Stop> {
    let issued = authorize(call, headers)?;
    project_quota(call)?;
    apply_fault(call).await?;
    let v = validate_body(call)?;
    if v.validate_only {
        return Ok(call.dry_run());
    }
    let vendor_id = format!("0:{}%{}", call.now.millis(), random_string(16, HEX));
    let name = format!("projects/{}/messages/{vendor_id}", call.project);
    let Some(reg) = recipient(call, &v.target)? else {
        // pushlab's devices do not subscribe to topics, so nothing is
        // delivered, but the send is accepted.
        call.log(200, true, "200", "");
        return Ok(json_response(StatusCode::OK, &json!({ "name": name })));
    };
    check_sender(&reg, &issued)?;
    device_quota(call, &reg.token)?;
    Ok(accept(call, &reg, &v, &vendor_id, &name))
}

impl SendCall<'_> {
    fn new<'a>(
        inner: &'a Inner,
        project: String,
        headers: &HeaderMap,
        body: &[u8],
    ) -> SendCall<'a> {
        let message_id = inner.services.message_id_for(headers, VendorId::Fcm);
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let tokens = parsed
            .as_ref()
            .and_then(|v| v["message"]["token"].as_str().map(str::to_string))
            .into_iter()
            .collect();
        SendCall {
            inner,
            project,
            message_id,
            now: inner.services.clock.now(),
            parsed,
            tokens,
        }
    }

    fn log(&self, status: u16, accepted: bool, code: &str, message: &str) {
        self.inner.logs.push(RequestLog {
            at: self.now,
            method: "POST".into(),
            path: send_path(&self.project),
            http_status: status,
            accepted,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens: self.tokens.clone(),
            message_id: Some(self.message_id.clone()),
        });
    }

    /// Journals, logs and answers a refusal.
    fn reject(&self, e: ApiError) -> Response {
        let code = e.vendor_code();
        self.inner.services.journal.append(
            Some(&self.message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Fcm,
                vendor_code: code.to_string(),
                message: e.message.clone(),
                code: diagnosis_of(e.status.as_u16(), code, &e.message),
            },
        );
        self.log(e.status.as_u16(), false, code, &e.message);
        json_response(e.status, &e.body())
    }

    /// A dry run validates without delivering; FCM names it so.
    fn dry_run(&self) -> Response {
        self.log(200, true, "200", "validate_only");
        json_response(
            StatusCode::OK,
            &json!({"name": format!("projects/{}/messages/fake_message_id", self.project)}),
        )
    }

    /// Journals an injected server error or dropped connection and logs it.
    fn fault_answer(&self, status: u16, vendor_code: &str, message: &str) {
        journal_fault(
            &self.inner.services,
            &self.message_id,
            VendorId::Fcm,
            vendor_code,
            message,
        );
        self.log(status, false, vendor_code, message);
    }
}

const CREDENTIALS_HELP: &str = "Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/// The bearer token: issued by the token endpoint, not expired, for this
/// project, with a messaging scope.
fn authorize(call: &SendCall<'_>, headers: &HeaderMap) -> Result<IssuedToken, ApiError> {
    let invalid = |reason| {
        ApiError::unauthenticated(
            &format!("Request had invalid authentication credentials. {CREDENTIALS_HELP}"),
            reason,
        )
    };
    let Some(bearer) = bearer_of(headers) else {
        return Err(ApiError::unauthenticated(
            &format!("Request is missing required authentication credential. {CREDENTIALS_HELP}"),
            "CREDENTIALS_MISSING",
        ));
    };
    let issued = call.inner.issued.lock().get(bearer).cloned();
    let issued = issued.ok_or_else(|| invalid("ACCESS_TOKEN_TYPE_UNSUPPORTED"))?;
    if call.now >= issued.expires_at {
        return Err(invalid("ACCESS_TOKEN_EXPIRED"));
    }
    if issued.project_id != call.project {
        return Err(permission_denied(format!("Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{}' (or it may not exist).", call.project)));
    }
    if !issued
        .scopes
        .iter()
        .any(|s| s == MESSAGING_SCOPE || s == CLOUD_PLATFORM_SCOPE)
    {
        return Err(permission_denied(
            "Request had insufficient authentication scopes.",
        ));
    }
    Ok(issued)
}

fn bearer_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn permission_denied(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "UNSPECIFIED_ERROR",
        message,
    )
}

/// Client errors count against the project quota too.
fn project_quota(call: &SendCall<'_>) -> Result<(), ApiError> {
    if call
        .inner
        .counters
        .lock()
        .project
        .hit(&call.project, call.now)
    {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RESOURCE_EXHAUSTED",
        "QUOTA_EXCEEDED",
        format!("Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' of service 'fcm.googleapis.com' for consumer 'project_number:{}'.", call.project),
    ))
}

/// An injected fault: an FCM error, latency, a server error or a dropped
/// connection.
async fn apply_fault(call: &SendCall<'_>) -> Result<(), Stop> {
    let token_refs: Vec<&str> = call.tokens.iter().map(String::as_str).collect();
    match call.inner.faults.take(&token_refs) {
        None => Ok(()),
        Some(FaultKind::ErrorCode { code }) => Err(fault_error(&code).into()),
        Some(FaultKind::Latency { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok(())
        }
        Some(FaultKind::ServerError { status }) => {
            let status = fault_status(status);
            let (canonical, fcm) = if status == StatusCode::SERVICE_UNAVAILABLE {
                ("UNAVAILABLE", "UNAVAILABLE")
            } else {
                ("INTERNAL", "INTERNAL")
            };
            let e = ApiError::new(status, canonical, fcm, "Internal error encountered.");
            call.fault_answer(status.as_u16(), &http_code(status.as_u16()), &e.message);
            Err(Stop::Answered(json_response(e.status, &e.body())))
        }
        Some(FaultKind::Drop) => {
            call.fault_answer(0, "transport", "connection dropped");
            Err(Stop::Answered(dropped_connection()))
        }
    }
}

/// The error FCM answers for an injected error code.
fn fault_error(code: &str) -> ApiError {
    match code {
        "UNREGISTERED" => unregistered(),
        "SENDER_ID_MISMATCH" => sender_id_mismatch(),
        "QUOTA_EXCEEDED" => target_quota_exceeded(),
        "UNAVAILABLE" => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ),
        "INTERNAL" => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "INTERNAL",
            "Internal error encountered.",
        ),
        "THIRD_PARTY_AUTH_ERROR" => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "THIRD_PARTY_AUTH_ERROR",
            "Auth error from APNS or Web Push Service",
        ),
        _ => ApiError::invalid(format!("Request contains an invalid argument ({code}).")),
    }
}

fn unregistered() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "UNREGISTERED",
        "Requested entity was not found.",
    )
}

fn sender_id_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "SENDER_ID_MISMATCH",
        "SenderId mismatch",
    )
}

fn target_quota_exceeded() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RESOURCE_EXHAUSTED",
        "QUOTA_EXCEEDED",
        "Sending limit exceeded for the message target",
    )
}

/// The body, as JSON and as FCM validates it.
fn validate_body(call: &SendCall<'_>) -> Result<Validated, ApiError> {
    let parsed = call
        .parsed
        .as_ref()
        .ok_or_else(|| ApiError::field("", "Invalid JSON payload received. Unexpected token."))?;
    validate(parsed)
}

/// The registration a token or installation id names; `None` for topics
/// and conditions, which reach nobody here.
fn recipient(call: &SendCall<'_>, target: &Target) -> Result<Option<Registration>, ApiError> {
    let gateway = &call.inner.services.gateway;
    let reg = match target {
        Target::Token(token) => gateway.lookup(VendorId::Fcm, token),
        Target::Fid(fid) => {
            let prefix = format!("{fid}:");
            gateway
                .registrations()
                .into_iter()
                .find(|r| r.vendor == VendorId::Fcm && r.token.starts_with(&prefix))
        }
        Target::Topic | Target::Condition => return Ok(None),
    };
    reg.map(Some).ok_or_else(unregistered)
}

/// The token must belong to the app of the access token's project.
fn check_sender(reg: &Registration, issued: &IssuedToken) -> Result<(), ApiError> {
    if reg.package != issued.package {
        return Err(sender_id_mismatch());
    }
    Ok(())
}

/// The per-device rates. No Retry-After header: FCM sends one only at
/// times, and pyfcm sleeps on it and retries forever.
fn device_quota(call: &SendCall<'_>, token: &str) -> Result<(), ApiError> {
    let counters = call.inner.counters.lock();
    let key = format!("{}:{token}", call.project);
    if !counters.device_second.hit(&key, call.now) || !counters.device_minute.hit(&key, call.now) {
        return Err(target_quota_exceeded());
    }
    Ok(())
}

/// Journals the acceptance, hands the message to the device and answers
/// the message name.
fn accept(
    call: &SendCall<'_>,
    reg: &Registration,
    v: &Validated,
    vendor_id: &str,
    name: &str,
) -> Response {
    call.inner.services.journal.append(
        Some(&call.message_id),
        None,
        Event::EndpointAccepted {
            vendor: VendorId::Fcm,
            vendor_message_id: name.to_string(),
            token: reg.token.clone(),
        },
    );
    // A data-only message reaches the app without showing anything, so
    // there is nothing for the device to display.
    if v.has_notification {
        call.inner.services.gateway.deliver(instruction(
            &call.message_id,
            &reg.package,
            &reg.token,
            vendor_id,
            v,
        ));
    }
    call.log(200, true, "200", "");
    json_response(StatusCode::OK, &json!({ "name": name }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grant_needs_the_jwt_bearer_type_and_an_assertion() {
        let wrong = assertion_of(b"grant_type=client_credentials&assertion=x").unwrap_err();
        assert_eq!(wrong.error, "unsupported_grant_type");
        assert_eq!(wrong.description, "Invalid grant_type: client_credentials");
        let missing = assertion_of(b"assertion=x").unwrap_err();
        assert_eq!(missing.error, "invalid_request");
        let form = format!("grant_type={}", JWT_BEARER.replace(':', "%3A"));
        let empty = assertion_of(form.as_bytes()).unwrap_err();
        assert_eq!(empty.description, "Missing required parameter: assertion");
        let ok = assertion_of(format!("{form}&assertion=a.b.c").as_bytes()).unwrap();
        assert_eq!(ok, "a.b.c");
    }

    #[test]
    fn an_assertion_lives_at_most_an_hour_around_now() {
        let now = Timestamp(10_000_000);
        let claims = |iat: i64, exp: i64| Claims {
            iss: String::new(),
            scope: String::new(),
            aud: Value::Null,
            iat,
            exp,
        };
        let t = now.seconds();
        assert!(check_lifetime(&claims(t, t + 3600), now).is_ok());
        assert!(check_lifetime(&claims(t, t + 3601), now).is_err());
        assert!(check_lifetime(&claims(t, t), now).is_err());
        assert!(check_lifetime(&claims(t - 7200, t - 3600), now).is_err());
        assert!(check_lifetime(&claims(t + 301, t + 400), now).is_err());
    }

    #[test]
    fn injected_error_codes_answer_fcms_status_and_error_code() {
        let e = fault_error("UNREGISTERED");
        assert_eq!(
            (e.status, e.vendor_code()),
            (StatusCode::NOT_FOUND, "UNREGISTERED")
        );
        let e = fault_error("THIRD_PARTY_AUTH_ERROR");
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        let e = fault_error("bogus");
        assert_eq!(
            (e.status, e.vendor_code()),
            (StatusCode::BAD_REQUEST, "INVALID_ARGUMENT")
        );
    }

    #[test]
    fn the_bearer_token_is_read_from_either_case_of_the_scheme() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_of(&h), None);
        h.insert("authorization", "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_of(&h), Some("abc"));
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(bearer_of(&h), None);
    }
}
