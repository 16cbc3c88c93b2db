//! Table-driven tests of the function library, including `~` variants and name case.

mod common;

use common::check_table;
use detsim_eql::{EqlError, Query};
use serde_json::json;

#[test]
fn string_functions() {
    let e = json!({
        "p": "C:\\Windows\\System32\\cmd.exe",
        "n": "regsvr32.exe",
        "d": "subdomain.example.com",
    });
    check_table(&[
        ("any where startsWith(n, \"regsvr\")", e.clone(), true),
        ("any where startsWith(n, \"Regsvr\")", e.clone(), false),
        ("any where startsWith~(n, \"Regsvr\")", e.clone(), true),
        ("any where startswith~(n, \"REGSVR\")", e.clone(), true),
        ("any where STARTSWITH(n, \"reg\")", e.clone(), true),
        ("any where endsWith(n, \".EXE\")", e.clone(), false),
        ("any where endsWith~(n, \".EXE\")", e.clone(), true),
        ("any where endswith~(n, \".exe\")", e.clone(), true),
        ("any where stringContains(n, \"svr\")", e.clone(), true),
        ("any where stringContains(n, \"SVR\")", e.clone(), false),
        ("any where stringContains~(n, \"SVR\")", e.clone(), true),
        ("any where stringContains(n, \"\")", e.clone(), false),
        (
            "any where between(p, \"System32\\\\\", \".exe\") == \"cmd\"",
            e.clone(),
            true,
        ),
        (
            "any where between(p, \"system32\\\\\", \".exe\") == \"\"",
            e.clone(),
            true,
        ),
        (
            "any where between~(p, \"system32\\\\\", \".exe\") == \"cmd\"",
            e.clone(),
            true,
        ),
        (
            "any where between(p, \"\\\\\", \"\\\\\", true) == \"Windows\\\\System32\"",
            e.clone(),
            true,
        ),
        (
            "any where between(p, \"\\\\\", \"\\\\\", false) == \"Windows\"",
            e.clone(),
            true,
        ),
        ("any where indexOf(d, \"d\") == 3", e.clone(), true),
        ("any where indexOf(d, \"D\") == null", e.clone(), true),
        ("any where indexOf~(d, \"D\") == 3", e.clone(), true),
        ("any where indexOf(d, \".\", 10) == 17", e.clone(), true),
        ("any where indexOf(d, \".\", 30) != null", e.clone(), false),
        ("any where length(n) == 12", e.clone(), true),
        ("any where length(n) == 11", e.clone(), false),
        ("any where substring(n, -4) == \".exe\"", e.clone(), true),
        ("any where substring(n, -4, -1) == \".ex\"", e.clone(), true),
        (
            "any where substring(n, 0, 8) == \"regsvr32\"",
            e.clone(),
            true,
        ),
        ("any where substring(n, 20) == \"\"", e.clone(), true),
        ("any where substring(n, -40, 3) == \"reg\"", e.clone(), true),
        (
            "any where concat(n, \" \", 42) == \"regsvr32.exe 42\"",
            e.clone(),
            true,
        ),
        ("any where concat(n, missing) != null", e.clone(), false),
        ("any where string(42) == \"42\"", e.clone(), true),
        ("any where string(n) : \"REGSVR32.EXE\"", e.clone(), true),
        ("any where number(\"0x10\") == 16", e.clone(), true),
        ("any where number(\"ff\", 16) == 255", e.clone(), true),
        ("any where number(\"42.5\") == 42.5", e.clone(), true),
        ("any where startsWith(missing, \"x\")", e.clone(), false),
    ]);
}

#[test]
fn math_functions() {
    let e = json!({"c": 10, "f": 0.5});
    check_table(&[
        ("any where add(c, 5) == 15", e.clone(), true),
        ("any where add(c, f) == 10.5", e.clone(), true),
        ("any where subtract(c, 6) == 4", e.clone(), true),
        ("any where multiply(c, 2) == 20", e.clone(), true),
        ("any where divide(c, 3) == 3", e.clone(), true),
        ("any where divide(c, 3.0) == 3", e.clone(), false),
        ("any where modulo(c, 6) == 4", e.clone(), true),
        ("any where modulo(c, -6) == 4", e.clone(), true),
        ("any where modulo(-10, -6) == -4", e.clone(), true),
        ("any where add(missing, 1) == 1", e.clone(), false),
        ("any where add(missing, 1) == null", e.clone(), true),
    ]);
}

#[test]
fn cidr_match() {
    check_table(&[
        (
            "any where cidrMatch(ip, \"10.0.0.0/8\")",
            json!({"ip": "10.1.2.3"}),
            true,
        ),
        (
            "any where cidrmatch(ip, \"10.0.0.0/8\", \"192.168.0.0/16\")",
            json!({"ip": "192.168.152.12"}),
            true,
        ),
        (
            "any where cidrMatch(ip, \"10.0.0.0/8\")",
            json!({"ip": "11.1.2.3"}),
            false,
        ),
        (
            "any where not cidrMatch(ip, \"10.0.0.0/8\")",
            json!({"ip": "11.1.2.3"}),
            true,
        ),
        (
            "any where not cidrMatch(ip, \"10.0.0.0/8\")",
            json!({}),
            true,
        ),
        (
            "any where cidrMatch(ip, \"fe80::/10\")",
            json!({"ip": "fe80::1"}),
            true,
        ),
        (
            "any where cidrMatch(ip, \"fe80::/10\")",
            json!({"ip": "10.0.0.1"}),
            false,
        ),
        (
            "any where cidrMatch(ip, \"10.0.0.0/8\")",
            json!({"ip": ["1.1.1.1", "10.0.0.9"]}),
            true,
        ),
        (
            "any where cidrMatch(ip, \"10.0.0.0/8\")",
            json!({"ip": "not an ip"}),
            false,
        ),
    ]);
}

fn load_error(q: &str) -> EqlError {
    Query::parse(q).expect_err(q)
}

#[test]
fn function_refusals() {
    let rows = [
        (
            "any where arrayContains(a, \"x\")",
            "unsupported function `arrayContains` at 1:11",
        ),
        (
            "any where wildcard(a, \"x*\")",
            "unsupported function `wildcard` at 1:11",
        ),
        (
            "any where length~(a) == 1",
            "function `length` has no case-insensitive variant `length~` at 1:11",
        ),
        (
            "any where cidrMatch~(a, \"10.0.0.0/8\")",
            "function `cidrMatch` has no case-insensitive variant `cidrMatch~` at 1:11",
        ),
        (
            "any where substring(a) == \"x\"",
            "function `substring` takes 2 to 3 arguments, found 1 at 1:11",
        ),
        (
            "any where add(a, 1, 2) == 3",
            "function `add` takes 2 arguments, found 3 at 1:11",
        ),
        (
            "any where cidrMatch(a)",
            "function `cidrMatch` takes at least 2 arguments, found 1 at 1:11",
        ),
        (
            "any where cidrMatch(a, \"300.0.0.0/8\")",
            "`300.0.0.0/8` is not a CIDR block such as `10.0.0.0/8` at 1:24",
        ),
        (
            "any where length(a)",
            "a condition must be true or false, but `length` returns a value at 1:11",
        ),
    ];
    for (q, want) in rows {
        assert_eq!(load_error(q).to_string(), want, "{q}");
    }
    assert!(Query::parse("any where stringContains~(a, \"x\")").is_ok());
    assert!(Query::parse("any where between~(a, \"x\", \"y\") == \"\"").is_ok());
}
