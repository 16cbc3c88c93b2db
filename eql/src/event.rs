//! The `Event` trait the engine evaluates, with implementations for flat JSON maps.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// A record the engine evaluates: fields by full dotted ECS name (`process.parent.name`).
/// Values are serde_json leaves or arrays of leaves (the caller has flattened nested objects).
pub trait Event {
    /// `None` when the record lacks the field; `Some(&Value::Null)` when it is present but null.
    fn field(&self, name: &str) -> Option<&Value>;
}

impl Event for Map<String, Value> {
    #[inline]
    fn field(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl<S: std::hash::BuildHasher> Event for HashMap<String, Value, S> {
    #[inline]
    fn field(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl<E: Event + ?Sized> Event for &E {
    #[inline]
    fn field(&self, name: &str) -> Option<&Value> {
        (**self).field(name)
    }
}
