//! How a run attempt ends badly: a device error as infrastructure or as
//! the step's failure, and a failed assertion with the chain of the
//! current messages and its first broken link.

use std::sync::Arc;

use super::Exec;
use crate::device::DeviceError;
use crate::report::Failure;
use crate::runner::chain::{self, Stage};
use crate::runner::CaseError;
use crate::services::journal::{Event, Record};

/// The hub or the link to the device failed.
pub(in crate::runner) fn infra(message: impl Into<String>) -> CaseError {
    CaseError::Infrastructure(message.into())
}

/// A device error as a case outcome: the link failing is infrastructure, a
/// command failing is the case's failure.
pub(in crate::runner) fn device_error(
    step: Option<(usize, &'static str)>,
    e: DeviceError,
) -> CaseError {
    if e.is_infrastructure() {
        CaseError::Infrastructure(e.to_string())
    } else {
        CaseError::Assertion(Box::new(Failure {
            step: step.map(|s| s.0),
            step_name: step.map(|s| s.1.to_string()),
            message: e.to_string(),
            diagnosis: None,
            advice: None,
            chain: Vec::new(),
        }))
    }
}

/// The vendor's own words of a refusal record, for the advice: the
/// diagnosis says what to change, the vendor's code and message show what
/// the vendor answered (`Huawei answered 80100003: click_action.url ...`).
fn vendor_answer(event: &Event) -> Option<String> {
    match event {
        Event::EndpointRejected {
            vendor,
            vendor_code,
            message,
            ..
        }
        | Event::PushRejected {
            vendor,
            vendor_code,
            message,
            ..
        } => Some(format!(
            "{} answered {vendor_code}: {message}",
            vendor.display_name()
        )),
        _ => None,
    }
}

impl Exec<'_> {
    /// A failed assertion of the current step, with the chain of the
    /// current messages and its first broken link.
    pub(in crate::runner) fn fail(
        &self,
        message: impl Into<String>,
        reached: Option<Stage>,
    ) -> CaseError {
        let records = self.hub.journal().all();
        let chain = self.current_chain(&records);
        let regs = self.registrations(&records);
        let finding = chain::first_broken_link(&chain, &regs, reached);
        let mut lines = Vec::new();
        if !chain.is_empty() || finding.is_some() {
            lines.push(chain::summary(&chain, finding.as_ref()));
        }
        let mut shown: Vec<&Record> = regs.clone();
        shown.extend(chain.iter().copied());
        shown.sort_by_key(|r| r.seq);
        lines.extend(chain::render(&shown));
        CaseError::Assertion(Box::new(Failure {
            step: self.step.map(|s| s.0),
            step_name: self.step.map(|s| s.1.to_string()),
            message: message.into(),
            diagnosis: finding.as_ref().map(|f| f.diagnosis.code().to_string()),
            advice: finding.as_ref().map(|f| {
                let said = f
                    .seq
                    .and_then(|seq| shown.iter().find(|r| r.seq == seq))
                    .and_then(|r| vendor_answer(&r.event));
                match said {
                    Some(said) => format!("{} {said}", f.advice()),
                    None => f.advice().to_string(),
                }
            }),
            chain: lines,
        }))
    }

    /// The device's registrations (and refusals) with any vendor: part of
    /// every message's chain.
    pub(in crate::runner) fn registrations<'r>(
        &self,
        records: &'r [Arc<Record>],
    ) -> Vec<&'r Record> {
        records
            .iter()
            .map(|r| &**r)
            .filter(|r| match &r.event {
                Event::Registered { device, .. } | Event::RegistrationRefused { device, .. } => {
                    *device == self.serial
                }
                _ => false,
            })
            .collect()
    }

    /// A device error in the current step.
    pub(in crate::runner) fn dev_err(&self, e: DeviceError) -> CaseError {
        device_error(self.step, e)
    }
}
