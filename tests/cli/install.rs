//! What the README's installing and systemd sections tell an operator to do works as written.

use crate::test::{root, system_tool};

/// The unit file `name` in the README, verbatim.
fn readme_unit(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let heading = format!("```ini\n# /etc/systemd/system/{name}\n");
    let start = readme.find(&heading).unwrap_or_else(|| panic!("the README has the unit {name}"));
    let body = &readme[start + "```ini\n".len()..];
    body[..body.find("```").unwrap()].to_string()
}

/// `systemd-analyze verify` accepts the README's units (`dns serve`, `monitor export`): their
/// directives, their sandboxing, that `ExecStart` is an executable and that the man pages in
/// `Documentation=` exist. The binary and the man pages are where the README installs them,
/// here under a scratch prefix (the unit with that prefix is the only change).
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
    // `dns serve`, and `monitor export` on the proxy hosts.
    for name in ["surplus-dns.service", "surplus-export.service"] {
        let unit = readme_unit(name);
        assert!(unit.contains("ExecStart=/usr/local/bin/surplus "), "the unit runs /usr/local/bin/surplus:\n{unit}");
        assert!(unit.contains("ProtectSystem=strict"), "{unit}");
        assert!(name != "surplus-dns.service" || unit.contains("StateDirectory=surplus"), "{unit}");
        let unit = unit.replace("/usr/local/bin/surplus", bin.to_str().unwrap());
        let path = prefix.path().join(name);
        std::fs::write(&path, unit).unwrap();
        let out = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(&path)
            .env("MANPATH", prefix.path().join("share/man"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.trim().is_empty(), "systemd-analyze verify {name}:\n{stderr}");
    }
}

/// `ProtectSystem=strict` with `StateDirectory=`: the unit's promise that `dns serve` writes
/// nothing but the ledger. Here in a mount namespace of the test's own, with `/` remounted
/// read-only and only a scratch state directory writable, `dns serve` starts, serves, writes
/// its ledger there and stops cleanly on SIGTERM.
#[test]
fn dns_serve_needs_nothing_writable_but_its_state_directory() {
    if !system_tool("unshare", "util-linux") {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: making a mount namespace needs root");
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join("surplus.db");
    let script = format!(
        "set -e
         mount --make-rprivate /
         mount --bind {state} {state}
         mount -o remount,bind,ro /
         if touch /etc/surplus-test-probe 2>/dev/null; then echo 'root is writable' >&2; exit 99; fi
         exec timeout --preserve-status -s TERM 3 {bin} -c {config} --db {db} dns serve --listen 127.0.0.1:0 --metrics 127.0.0.1:0",
        state = state.path().display(),
        bin = env!("CARGO_BIN_EXE_surplus"),
        config = crate::test::example_config().display(),
        db = db.display(),
    );
    let out = std::process::Command::new("unshare").args(["--mount", "sh", "-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "dns serve under a read-only root:\n{stderr}");
    assert!(stderr.contains("stopped") && !stderr.contains(" ERROR ") && !stderr.contains("read-only"), "{stderr}");
    assert!(db.exists(), "the ledger is in the state directory");
}
