//! Tera templating of scenario string values, with seeded random helpers.
//!
//! Only strings that contain `{{` or `{%` are rendered. Each value gets its own random stream,
//! derived from the seed and the value's path, so adding a template in one place never changes
//! the values drawn in another. Tera's own `get_random` and `now` are not compiled in: they would
//! break determinism.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng as _;
use serde_yaml::Value as Yaml;
use tera::{Context, Tera, Value};

use crate::seed;

const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "nina", "oscar", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf",
];
const LAST_NAMES: &[&str] = &[
    "adams", "baker", "clark", "davis", "evans", "garcia", "hughes", "jones", "khan", "lopez",
    "miller", "nguyen", "patel", "rossi", "smith", "tanaka", "walsh", "young",
];

/// A template that failed, with the path of the value it was in.
#[derive(Debug)]
pub struct TemplateError {
    pub path: String,
    pub message: String,
}

/// Renders every templated string in `value`, in place.
pub fn render_tree(
    value: &mut Yaml,
    context: &Context,
    seed: u64,
    scope: &str,
) -> Result<(), TemplateError> {
    let mut tera = Tera::default();
    render_node(value, "", &mut tera, context, seed, scope)
}

fn render_node(
    value: &mut Yaml,
    path: &str,
    tera: &mut Tera,
    context: &Context,
    seed: u64,
    scope: &str,
) -> Result<(), TemplateError> {
    match value {
        Yaml::String(text) if is_template(text) => {
            *text = render_one(text, path, tera, context, seed, scope)?;
        }
        Yaml::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                render_node(item, &format!("{path}[{i}]"), tera, context, seed, scope)?;
            }
        }
        Yaml::Mapping(map) => {
            for (key, item) in map.iter_mut() {
                let key = key.as_str().unwrap_or("?");
                let child = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                render_node(item, &child, tera, context, seed, scope)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a string holds template syntax.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

fn render_one(
    text: &str,
    path: &str,
    tera: &mut Tera,
    context: &Context,
    seed: u64,
    scope: &str,
) -> Result<String, TemplateError> {
    let fail = |error: tera::Error| TemplateError {
        path: path.to_string(),
        message: error_chain(&error),
    };
    let rng = Arc::new(Mutex::new(seed::rng(seed, &["template", scope, path])));
    register_helpers(tera, &rng);
    tera.add_raw_template("value", text).map_err(fail)?;
    tera.render("value", context).map_err(fail)
}

/// Tera's message followed by each cause, on one line.
fn error_chain(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let message = message
        .replace("Failed to render 'value': ", "")
        .replace("Failed to render template: ", "")
        .replace(" while rendering 'value'", "")
        .replace("'value'", "template")
        .replace('\n', " ");
    lowercase_first(&message)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

type Args<'a> = &'a HashMap<String, Value>;

fn register_helpers(tera: &mut Tera, rng: &Arc<Mutex<seed::Rng>>) {
    let shared = rng.clone();
    tera.register_function("pick", move |args: Args| {
        let items = match args.get("items") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            _ => return Err("`pick` needs `items`, a non-empty list".into()),
        };
        let index = shared.lock().expect("rng").random_range(0..items.len());
        Ok(items[index].clone())
    });

    let shared = rng.clone();
    tera.register_function("random_int", move |args: Args| {
        let min = int_arg(args, "min", 0)?;
        let max = int_arg(args, "max", 100)?;
        if min > max {
            return Err(format!("`random_int` needs min <= max, got {min} > {max}").into());
        }
        Ok(Value::from(
            shared.lock().expect("rng").random_range(min..=max),
        ))
    });

    let shared = rng.clone();
    tera.register_function("hex", move |args: Args| {
        let len = int_arg(args, "len", 8)?.clamp(1, 256) as usize;
        let upper = args.get("upper").and_then(Value::as_bool).unwrap_or(false);
        let mut rng = shared.lock().expect("rng");
        let digits: String = (0..len)
            .map(|_| {
                let d = rng.random_range(0..16u32);
                let c = char::from_digit(d, 16).expect("digit");
                if upper { c.to_ascii_uppercase() } else { c }
            })
            .collect();
        Ok(Value::from(digits))
    });

    let shared = rng.clone();
    tera.register_function("guid", move |args: Args| {
        let braces = args.get("braces").and_then(Value::as_bool).unwrap_or(false);
        let upper = args.get("upper").and_then(Value::as_bool).unwrap_or(true);
        let bytes: [u8; 16] = shared.lock().expect("rng").random();
        let guid = detsim_generators::model::Guid(bytes);
        Ok(Value::from(guid.to_text(upper, braces)))
    });

    let shared = rng.clone();
    tera.register_function("random_host", move |args: Args| {
        let prefix = args.get("prefix").and_then(Value::as_str).unwrap_or("WS");
        let digits = int_arg(args, "digits", 4)?.clamp(1, 9) as u32;
        let number = shared
            .lock()
            .expect("rng")
            .random_range(1..10u64.pow(digits));
        Ok(Value::from(format!(
            "{prefix}-{number:0width$}",
            width = digits as usize
        )))
    });

    let shared = rng.clone();
    tera.register_function("random_user", move |_: Args| {
        let mut rng = shared.lock().expect("rng");
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        Ok(Value::from(format!("{}.{last}", &first[..1])))
    });
}

fn int_arg(args: Args, name: &str, default: i64) -> tera::Result<i64> {
    match args.get(name) {
        None => Ok(default),
        Some(value) => value
            .as_i64()
            .ok_or_else(|| format!("`{name}` must be an integer, got {value}").into()),
    }
}

/// A random interactive user name (`j.smith`), for hosts whose scenario names none.
pub fn random_user_name(rng: &mut seed::Rng) -> String {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    format!("{}.{last}", &first[..1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, seed: u64) -> Result<String, TemplateError> {
        let mut value = Yaml::String(text.to_string());
        let mut context = Context::new();
        context.insert("parent", "lsass.exe");
        render_tree(&mut value, &context, seed, "test")?;
        Ok(value.as_str().unwrap().to_string())
    }

    #[test]
    fn renders_variables_and_helpers_deterministically() {
        assert_eq!(
            render("cmd under {{ parent }}", 1).unwrap(),
            "cmd under lsass.exe"
        );
        let a = render(
            "{{ random_host(prefix='SRV') }} {{ hex(len=6) }} {{ guid() }}",
            1,
        )
        .unwrap();
        let b = render(
            "{{ random_host(prefix='SRV') }} {{ hex(len=6) }} {{ guid() }}",
            1,
        )
        .unwrap();
        let c = render(
            "{{ random_host(prefix='SRV') }} {{ hex(len=6) }} {{ guid() }}",
            2,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("SRV-"), "{a}");
        let picked = render("{{ pick(items=['x', 'y']) }}", 3).unwrap();
        assert!(picked == "x" || picked == "y");
    }

    #[test]
    fn reports_undefined_variables() {
        let error = render("{{ nope }}", 1).unwrap_err();
        assert!(error.message.contains("nope"), "{}", error.message);
    }
}
