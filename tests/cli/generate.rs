//! The committed completions and man pages are what the binary generates.

use std::path::Path;

use crate::test::{Test, root};

fn same_files(generated: &Path, committed: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(generated).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert!(!names.is_empty());
    for name in &names {
        let want = std::fs::read(generated.join(name)).unwrap();
        let have = std::fs::read(committed.join(name)).unwrap_or_else(|_| {
            panic!("{} is missing; run `cargo run -- generate …` (see README)", committed.join(name).display())
        });
        assert!(want == have, "{} is stale; regenerate it (see README)", committed.join(name).display());
    }
    let committed_count = std::fs::read_dir(committed).unwrap().count();
    assert_eq!(committed_count, names.len(), "{} has files the binary no longer generates", committed.display());
}

#[test]
fn completions_are_current() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        Test::new().args(["generate", "completions", shell, "--dir"]).args([dir.path().to_str().unwrap()]).run();
    }
    same_files(dir.path(), &root().join("completions"));
}

#[test]
fn man_pages_are_current() {
    let dir = tempfile::tempdir().unwrap();
    Test::new().args(["generate", "man", "--dir"]).args([dir.path().to_str().unwrap()]).run();
    assert!(dir.path().join("surplus-capacity-measure.1").exists());
    same_files(dir.path(), &root().join("man"));
}

/// `man surplus` has the sections an operator opens it for, and groff renders it without a
/// warning (an unescaped `-` or a bad macro shows as one).
#[test]
fn the_top_man_page_has_configuration_environment_exit_status_files_and_examples() {
    if !crate::test::system_tool("groff", "groff-base") {
        return;
    }
    let page = root().join("man/surplus.1");
    let rendered = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-rLL=100n"])
        .arg(&page)
        .output()
        .expect("groff runs");
    let stderr = String::from_utf8_lossy(&rendered.stderr);
    assert!(rendered.status.success() && stderr.is_empty(), "groff warns:\n{stderr}");
    // groff overstrikes bold text (`S\bSU\bU…`); keep the letters only.
    let text = strip_overstrike(&String::from_utf8_lossy(&rendered.stdout));
    for heading in ["SYNOPSIS", "SUBCOMMANDS", "CONFIGURATION", "ENVIRONMENT", "EXIT STATUS", "FILES", "EXAMPLES"] {
        assert!(text.lines().any(|l| l == heading), "man surplus has no {heading} section:\n{text}");
    }
    for needle in ["SURPLUS_CONFIG", "surplus capacity measure --save", "Bad usage"] {
        assert!(text.contains(needle), "man surplus lacks {needle:?}");
    }
}

/// Drops `x\b` pairs, groff's way of making `x` bold or underlined on a terminal.
fn strip_overstrike(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}
