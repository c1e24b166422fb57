//! What the README's installing and systemd sections tell an operator to do works as written.

use crate::test::{root, system_tool};

/// The unit file in the README, verbatim.
fn readme_unit() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("```ini\n# /etc/systemd/system/surplus-dns.service\n").expect("the README has the unit");
    let body = &readme[start + "```ini\n".len()..];
    body[..body.find("```").unwrap()].to_string()
}

/// `systemd-analyze verify` accepts the README's unit: its directives, its sandboxing, that
/// `ExecStart` is an executable and that the man pages in `Documentation=` exist. The binary
/// and the man pages are where the README installs them, here under a scratch prefix (the unit
/// with that prefix is the only change).
#[test]
fn the_readme_systemd_unit_passes_systemd_analyze_verify() {
    if !system_tool("systemd-analyze", "systemd") || !system_tool("man", "man-db") {
        return;
    }
    let prefix = tempfile::tempdir().unwrap();
    let bin = prefix.path().join("bin/surplus");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_surplus"), &bin).unwrap();
    let man1 = prefix.path().join("share/man/man1");
    std::fs::create_dir_all(&man1).unwrap();
    for page in std::fs::read_dir(root().join("man")).unwrap() {
        let page = page.unwrap().path();
        std::fs::copy(&page, man1.join(page.file_name().unwrap())).unwrap();
    }
    let unit = readme_unit();
    assert!(unit.contains("ExecStart=/usr/local/bin/surplus "), "the unit runs /usr/local/bin/surplus:\n{unit}");
    assert!(unit.contains("StateDirectory=surplus") && unit.contains("ProtectSystem=strict"));
    let unit = unit.replace("/usr/local/bin/surplus", bin.to_str().unwrap());
    let path = prefix.path().join("surplus-dns.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .env("MANPATH", prefix.path().join("share/man"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "systemd-analyze verify:\n{stderr}");
}
