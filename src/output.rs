//! Rendering for people and scripts: tables (comfy-table), JSON and CSV from the same rows, and
//! progress bars (indicatif) on stderr that stay hidden when stderr is not a terminal.
//!
//! Commands build a [`Rows`] for table and CSV output and a serializable value for JSON, so the
//! JSON keeps its nested, documented shape while tables and CSV stay flat.
//!
//! Tables are for people: short headers, `-` for nothing, windows as `START/DURATION`. CSV is
//! for programs, one convention for every listing (the README's "CSV output"): snake_case
//! headers, an empty cell for nothing, RFC 3339 times, a window as `window_start` and
//! `window_end`, and a `currency` column beside money. [`write_csv`] derives it from the same
//! cells, by the kind of each column, so the two cannot drift apart.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use clap::ValueEnum;
use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::core::window::{Window, format_instant};

/// How a listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document, stable field names.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// What a table prints for nothing (not measured, no limit); CSV leaves the cell empty.
pub const NOTHING: &str = "-";

/// What a column holds, which decides how CSV writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Text,
    /// Aligned right in tables.
    Number,
    /// An instant in any form jiff reads (`2026-11-26 02:00Z`); RFC 3339 in CSV.
    Time,
    /// A `START/DURATION` window; two columns in CSV, `NAME_start` and `NAME_end`.
    Window,
    /// In CSV only (the currency beside money: tables say it once, below).
    CsvOnly,
}

/// A flat listing: column headers and rows of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Each column's kind (numbers are aligned right in tables).
    pub kinds: Vec<Column>,
}

impl Rows {
    /// A listing with these columns. A header's last character may say its kind, and is
    /// dropped: `#` a number, `@` a time, `/` a window, `!` a column for CSV only.
    pub fn new(headers: &[&'static str]) -> Rows {
        let kind = |h: &str| match h.chars().last() {
            Some('#') => Column::Number,
            Some('@') => Column::Time,
            Some('/') => Column::Window,
            Some('!') => Column::CsvOnly,
            _ => Column::Text,
        };
        let kinds: Vec<Column> = headers.iter().map(|h| kind(h)).collect();
        Rows {
            headers: headers
                .iter()
                .zip(&kinds)
                .map(|(h, k)| if *k == Column::Text { h } else { &h[..h.len() - 1] })
                .collect(),
            kinds,
            rows: Vec::new(),
        }
    }

    /// The kind of column `i` (text for rows built by hand).
    fn kind(&self, i: usize) -> Column {
        self.kinds.get(i).copied().unwrap_or(Column::Text)
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }
}

/// Writes `rows` as a table or CSV, or `json` as JSON, to `out`.
pub fn write(out: &mut dyn Write, format: Format, rows: &Rows, json: &impl Serialize) -> io::Result<()> {
    match format {
        Format::Table => write_table(out, rows),
        Format::Csv => write_csv(out, rows),
        Format::Json => write_json(out, json),
    }
}

/// Writes an aligned table; box-drawing and terminal width only on a terminal.
pub fn write_table(out: &mut dyn Write, rows: &Rows) -> io::Result<()> {
    let mut table = Table::new();
    // Columns and one rule under the header, like `ss` or `kubectl get`: easy to read and to
    // cut/awk. Off a terminal the rule is ASCII and lines are never wrapped to a width.
    if io::stdout().is_terminal() {
        table.load_style(header_rule('─'));
        // A pseudo-terminal can report a width of 0 (`script`, some CI runners); wrapping to
        // that would put one character per line.
        if table.width().is_some_and(|w| w >= 40) {
            table.set_content_arrangement(ContentArrangement::Dynamic);
        }
    } else {
        table.load_style(header_rule('-')).set_content_arrangement(ContentArrangement::Disabled);
    }
    let shown: Vec<usize> = (0..rows.headers.len()).filter(|&i| rows.kind(i) != Column::CsvOnly).collect();
    table.set_header(shown.iter().map(|&i| rows.headers[i]).collect::<Vec<_>>());
    for row in &rows.rows {
        table.add_row(shown.iter().map(|&i| row.get(i).map_or("", String::as_str)).collect::<Vec<_>>());
    }
    for (at, &i) in shown.iter().enumerate() {
        if let Some(column) = table.column_mut(at)
            && rows.kind(i) == Column::Number
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn header_rule(fill: char) -> TableStyle {
    TableStyle::new().header_separator(LineStyle::none().fill(fill).junction(' '))
}

/// Writes CSV with a header row, in the CSV convention (see the module doc).
pub fn write_csv(out: &mut dyn Write, rows: &Rows) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = Vec::new();
    for (i, h) in rows.headers.iter().enumerate() {
        let name = snake_case(h);
        match rows.kind(i) {
            Column::Window => header.extend([format!("{name}_start"), format!("{name}_end")]),
            _ => header.push(name),
        }
    }
    w.write_record(&header).map_err(csv_io)?;
    for row in &rows.rows {
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        for (i, cell) in row.iter().enumerate() {
            let cell = if cell == NOTHING { "" } else { cell.as_str() };
            match rows.kind(i) {
                Column::Time => record.push(rfc3339(cell)),
                Column::Window => {
                    let (start, end) = match cell.parse::<Window>() {
                        Ok(w) => (format_instant(w.start), format_instant(w.end)),
                        Err(_) => (cell.to_string(), String::new()),
                    };
                    record.extend([start, end]);
                }
                _ => record.push(cell.to_string()),
            }
        }
        w.write_record(&record).map_err(csv_io)?;
    }
    w.flush()
}

/// A header as a CSV column name: `purchased rps` → `purchased_rps`, `used_%` → `used_pct`.
fn snake_case(header: &str) -> String {
    let mut name = String::new();
    for c in header.replace('%', "pct").chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    name.trim_matches('_').to_string()
}

/// A time cell in RFC 3339 (`2026-11-26T02:00:00Z`); empty stays empty.
fn rfc3339(cell: &str) -> String {
    match cell.parse::<jiff::Timestamp>() {
        Ok(t) => format_instant(t.as_second()),
        Err(_) => cell.to_string(),
    }
}

/// Keeps an I/O error an I/O error (a closed pipe must stay recognisable as one).
fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Writes pretty JSON and a newline.
pub fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// Amounts per currency, each to its minor unit, `12.00 EUR + 3.50 USD`: two currencies are
/// never one sum. `0.00 {fallback}` when there are none.
pub fn amounts(totals: &[(String, crate::core::money::Money)], fallback: &str) -> String {
    use crate::core::money::{Money, format_minor};
    if totals.is_empty() {
        return format!("{} {fallback}", format_minor(Money(0), fallback));
    }
    totals.iter().map(|(c, m)| format!("{} {c}", format_minor(*m, c))).collect::<Vec<_>>().join(" + ")
}

/// A rate for tables and CSV: two decimals.
pub fn rps(v: f64) -> String {
    format!("{v:.2}")
}

/// Rounds a float for JSON to 3 decimals, so `4.35` is not printed as `4.3500000000000005`.
pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// A progress bar over bytes on stderr, drawn only when stderr is a terminal.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for reading `total` bytes.
    pub fn bytes(total: u64, message: &str) -> Progress {
        let target =
            if io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .expect("valid template"),
        );
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    /// Advances by `n` bytes.
    pub fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Rows {
        let mut rows = Rows::new(&["name", "rps#"]);
        rows.push(vec!["a,b".into(), "1.50".into()]);
        rows
    }

    fn render(format: Format) -> String {
        let mut out = Vec::new();
        write(&mut out, format, &sample(), &serde_json::json!([{"name": "a,b", "rps": 1.5}])).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_and_has_a_header() {
        assert_eq!(render(Format::Csv), "name,rps\n\"a,b\",1.50\n");
    }

    #[test]
    fn csv_has_one_convention_and_tables_stay_for_people() {
        let mut rows = Rows::new(&["window/", "slot@", "served rps#", "used_%#", "total#", "currency!"]);
        rows.push(vec![
            "2026-11-30T16:00Z/4h".into(),
            "2026-11-30 16:00Z".into(),
            NOTHING.into(),
            "83.3".into(),
            "1.50".into(),
            "EUR".into(),
        ]);
        let mut csv = Vec::new();
        write_csv(&mut csv, &rows).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "window_start,window_end,slot,served_rps,used_pct,total,currency\n\
             2026-11-30T16:00:00Z,2026-11-30T20:00:00Z,2026-11-30T16:00:00Z,,83.3,1.50,EUR\n"
        );
        let mut table = Vec::new();
        write_table(&mut table, &rows).unwrap();
        let table = String::from_utf8(table).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["window", "slot", "served", "rps", "used_%", "total"]
        );
        assert!(lines[2].contains("2026-11-30T16:00Z/4h") && lines[2].contains(" - "), "{table}");
        assert!(!table.contains("EUR"), "{table}");
    }

    #[test]
    fn json_is_the_given_value() {
        let v: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(v[0]["rps"], 1.5);
    }

    #[test]
    fn table_has_headers_and_right_aligned_numbers() {
        let t = render(Format::Table);
        assert!(t.contains("name") && t.contains("rps") && t.contains("a,b"), "{t}");
        assert!(t.lines().any(|l| l.contains(" 1.50")), "{t}");
    }

    #[test]
    fn rounding() {
        assert_eq!(round3(4.3500000000000005), 4.35);
        assert_eq!(rps(2.0), "2.00");
    }
}
