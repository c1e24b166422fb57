//! `~/.pgpass` (or `$PGPASSFILE`): passwords by `host:port:database:user`, in libpq's format and
//! by its rules (postgresql.org/docs/15/libpq-pgpass.html).
//!
//! A line is `hostname:port:database:username:password`; `#` starts a comment line; `\`
//! escapes the next character (`\:` and `\\`); a field that is exactly `*` matches anything.
//! The first line that matches wins. A file that its group or others may read is ignored with a
//! warning, as libpq does, because the passwords in it are no longer secret.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The entries of a password file.
#[derive(Debug, Default)]
pub struct PgPass {
    /// Each line's five fields, unescaped; `None` is the `*` wildcard.
    entries: Vec<[Option<String>; 5]>,
}

/// What a connection is looked up by.
#[derive(Debug, Clone, Copy)]
pub struct PgPassKey<'a> {
    pub host: &'a str,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

impl PgPass {
    /// Parses a password file's text. Lines with fewer than five fields are skipped (libpq
    /// skips them too).
    pub fn parse(text: &str) -> PgPass {
        let entries = text.lines().filter(|line| !line.starts_with('#')).filter_map(fields).collect();
        PgPass { entries }
    }

    /// Reads `path`, unless it is missing, not a plain file, or readable by others (warned).
    pub fn load(path: &Path) -> Option<PgPass> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        if let Some(warning) = too_open(meta.permissions().mode(), path) {
            tracing::warn!("{warning}");
            return None;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => Some(PgPass::parse(&text)),
            Err(e) => {
                tracing::warn!("{}: cannot read the password file: {e}", path.display());
                None
            }
        }
    }

    /// The password of the first entry matching `key`.
    pub fn find(&self, key: PgPassKey<'_>) -> Option<&str> {
        let port = key.port.to_string();
        let wanted = [key.host, port.as_str(), key.dbname, key.user];
        self.entries
            .iter()
            .find(|e| e[..4].iter().zip(wanted).all(|(field, want)| field.as_deref().is_none_or(|f| f == want)))
            .and_then(|e| e[4].as_deref())
    }
}

/// libpq's rule: no access at all for group or others, else the warning it prints.
pub fn too_open(mode: u32, path: &Path) -> Option<String> {
    if mode & 0o077 == 0 {
        return None;
    }
    Some(format!(
        "password file {} has group or world access; permissions should be u=rw (0600) or less; ignoring it",
        path.display()
    ))
}

/// A line's five fields, or `None` for one with fewer.
fn fields(line: &str) -> Option<[Option<String>; 5]> {
    let mut out: Vec<Option<String>> = Vec::with_capacity(5);
    let mut current = String::new();
    let mut raw_star = true;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            // The password is the rest of the line, `:` and all (unescaped).
            ':' if out.len() < 4 => {
                out.push(field(std::mem::take(&mut current), raw_star));
                raw_star = true;
            }
            '\\' => {
                current.push(chars.next().unwrap_or('\\'));
                raw_star = false;
            }
            c => current.push(c),
        }
    }
    if out.len() < 4 {
        return None;
    }
    // A password field of `*` is a password, not a wildcard.
    out.push(Some(current));
    out.try_into().ok()
}

/// An unescaped `*` alone is the wildcard; `\*` is a star.
fn field(text: String, raw_star: bool) -> Option<String> {
    if raw_star && text == "*" { None } else { Some(text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: PgPassKey<'static> =
        PgPassKey { host: "db.example.net", port: 5432, dbname: "surplus", user: "surplus" };

    #[test]
    fn the_first_matching_line_wins() {
        let file = PgPass::parse(
            "# a comment:with:five:fields:x
             db.example.net:5432:other:surplus:not-this
db.example.net:5432:surplus:surplus:first
*:*:*:*:second",
        );
        assert_eq!(file.find(KEY), Some("first"));
        assert_eq!(file.find(PgPassKey { dbname: "elsewhere", ..KEY }), Some("second"));
    }

    #[test]
    fn wildcards_match_anything_and_fields_must_match_exactly() {
        let file = PgPass::parse("*:6543:*:surplus:by-port\ndb.example.net:*:surplus:*:by-host");
        assert_eq!(file.find(PgPassKey { port: 6543, ..KEY }), Some("by-port"));
        assert_eq!(file.find(KEY), Some("by-host"));
        assert_eq!(file.find(PgPassKey { host: "db.example.ne", ..KEY }), None);
        assert_eq!(file.find(PgPassKey { host: "db.example.net.", ..KEY }), None);
    }

    #[test]
    fn backslash_escapes_colons_backslashes_and_stars() {
        let file = PgPass::parse(r"fe80\:\:1:5432:sur\\plus:\*:pa\:ss:wo\\rd");
        let key = PgPassKey { host: "fe80::1", port: 5432, dbname: r"sur\plus", user: "*" };
        assert_eq!(file.find(key), Some(r"pa:ss:wo\rd"));
        // `\*` is a literal star, not the wildcard.
        assert_eq!(file.find(PgPassKey { user: "surplus", ..key }), None);
    }

    #[test]
    fn short_lines_are_skipped_and_a_star_password_is_a_password() {
        let file = PgPass::parse("db.example.net:5432:surplus:surplus\n*:*:*:*:*");
        assert_eq!(file.find(KEY), Some("*"));
        assert_eq!(PgPass::parse("").find(KEY), None);
    }

    #[test]
    fn a_file_others_may_read_is_ignored_with_libpqs_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        for (mode, found) in
            [(0o600, true), (0o400, true), (0o640, false), (0o604, false), (0o700, true), (0o610, false)]
        {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let got = PgPass::load(&path).and_then(|f| f.find(KEY).map(str::to_string));
            assert_eq!(got.is_some(), found, "mode {mode:o}");
        }
        let warning = too_open(0o644, &path).unwrap();
        assert!(warning.contains("has group or world access; permissions should be u=rw (0600) or less"), "{warning}");
        assert!(PgPass::load(&dir.path().join("missing")).is_none());
        assert!(PgPass::load(dir.path()).is_none());
    }
}
