//! `surplus config check` and config errors as a user sees them.

use crate::test::{Test, example_config};

#[test]
fn help_lists_the_command_groups() {
    Test::new().args(["--help"]).stdout_contains("config").stdout_contains("capacity").run();
    let ran = Test::new().args(["--version"]).run();
    assert_eq!(ran.stdout, format!("surplus {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn checks_the_example() {
    Test::new()
        .config(example_config())
        .args(["config", "check"])
        .stdout_contains("is valid: zone cdn.example.net, 3 proxies with 90.00 rps in all, 3 buyers")
        .stdout_contains("handback to origin.shop.example")
        .stdout_contains(
            "\nnote: www.shop.example is delegated to us: a zone apex cannot be a CNAME (RFC 1034 §3.6.2), so its fallback answers are origin.shop.example's addresses, learned from dns.resolvers\n",
        )
        .run();
    let json = Test::new().config(example_config()).args(["config", "check", "--format", "json"]).run().json();
    assert_eq!(json["total_capacity_rps"], 90.0);
    assert_eq!(json["proxies"][2]["name"], "edge-3");
    assert_eq!(json["buyers"].as_array().unwrap().len(), 3);
    assert_eq!(json["notes"].as_array().unwrap().len(), 1, "one delegated handback host: {}", json["notes"]);
}

#[test]
fn config_from_the_environment() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_surplus"))
        .args(["config", "check", "--format", "csv"])
        .env("SURPLUS_CONFIG", example_config())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("kind,name,capacity_rps,details\nproxy,edge-1,40.00,"), "{text}");
}

#[test]
fn a_bad_value_is_named_by_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("surplus.yaml");
    let text = std::fs::read_to_string(example_config()).unwrap().replace("capacity_rps: 30", "capacity_rps: -30");
    std::fs::write(&path, text).unwrap();
    let line = std::fs::read_to_string(&path).unwrap().lines().position(|l| l.contains("-30")).unwrap() + 1;
    Test::new()
        .config(&path)
        .args(["config", "check"])
        .status(1)
        .stdout("")
        .stderr(&format!(
            "error: {}:{line}:19: proxies[1].capacity_rps: expected requests per second > 0, got -30\n",
            path.display()
        ))
        .run();
}

#[test]
fn a_duplicate_name_is_located_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("surplus.yaml");
    let text = std::fs::read_to_string(example_config()).unwrap().replace("name: edge-3", "name: edge-1");
    std::fs::write(&path, text).unwrap();
    Test::new()
        .config(&path)
        .args(["config", "check"])
        .status(1)
        .stderr_contains(":11: proxies[2].name: duplicate proxy name `edge-1` (first at proxies[0])")
        .run();
}

#[test]
fn a_missing_config_is_one_line() {
    Test::new()
        .config("/nonexistent/surplus.yaml")
        .args(["config", "check"])
        .status(1)
        .stderr("error: /nonexistent/surplus.yaml: No such file or directory (os error 2)\n")
        .run();
}

#[test]
fn bad_usage_exits_2() {
    Test::new().args(["capacity", "measure", "--slot", "7m"]).status(2).stderr_contains("divide a day evenly").run();
    Test::new()
        .args(["capacity", "measure", "--log-format", "apache"])
        .status(2)
        .stderr_contains("possible values: auto, combined")
        .run();
    Test::new().args(["capacity", "measure", "--margin", "2"]).status(2).run();
    Test::new().args(["nonsense"]).status(2).run();
}
