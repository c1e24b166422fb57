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
