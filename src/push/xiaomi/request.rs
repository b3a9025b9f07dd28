//! The send request as the endpoint reads it: the form (last value wins,
//! extras in first-seen order) and the validated message.

use super::{MAX_CUSTOM_EXTRAS, SYSTEM_EXTRAS};
use std::collections::HashMap;

/// The parsed form: last value wins for repeated keys.
pub(super) struct Form {
    fields: HashMap<String, String>,
    /// `extra.<k>` pairs in the order each key first appeared (a repeated
    /// key keeps its place and takes the last value).
    pub(super) extras: Vec<(String, String)>,
    /// More distinct extras than [`MAX_PARSED_EXTRAS`] were sent; the rest
    /// were not kept.
    pub(super) extras_overflow: bool,
}

impl Form {
    /// Parses in one pass, linear in the body: extras are indexed by key.
    pub(super) fn parse(body: &[u8]) -> Form {
        let mut fields = HashMap::new();
        let mut extras: Vec<(String, String)> = Vec::new();
        let mut extra_index: HashMap<String, usize> = HashMap::new();
        let mut extras_overflow = false;
        for (k, v) in url::form_urlencoded::parse(body) {
            if let Some(x) = k.strip_prefix("extra.") {
                match extra_index.get(x) {
                    Some(&i) => extras[i].1 = v.to_string(),
                    None if extras.len() < MAX_PARSED_EXTRAS => {
                        extra_index.insert(x.to_string(), extras.len());
                        extras.push((x.to_string(), v.to_string()));
                    }
                    None => {
                        extras_overflow = true;
                        continue;
                    }
                }
            }
            fields.insert(k.into_owned(), v.into_owned());
        }
        Form {
            fields,
            extras,
            extras_overflow,
        }
    }

    pub(super) fn get(&self, k: &str) -> Option<&str> {
        self.fields.get(k).map(String::as_str)
    }

    pub(super) fn extra(&self, k: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(ek, _)| ek == k)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn tokens(&self) -> Vec<&str> {
        self.get("registration_id")
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A validated notification message.
pub(super) struct Message {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) payload: Option<String>,
    pub(super) pass_through: bool,
    pub(super) notify_type: i64,
    pub(super) notify_id: Option<i32>,
}

/// Distinct `extra.<k>` keys kept while parsing: every system extra plus
/// one more custom key than Mi allows, so a form with too many is still
/// refused with 65014 without storing an unbounded number of them.
const MAX_PARSED_EXTRAS: usize = SYSTEM_EXTRAS.len() + MAX_CUSTOM_EXTRAS + 1;
