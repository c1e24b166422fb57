//! Rendering for people and scripts: tables (comfy-table), JSON and CSV from the same rows, and
//! progress bars (indicatif) on stderr that stay hidden when stderr is not a terminal.
//!
//! Commands build a [`Rows`] for table and CSV output and a serializable value for JSON, so the
//! JSON keeps its nested, documented shape while tables and CSV stay flat.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use clap::ValueEnum;
use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

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

/// A flat listing: column headers and rows of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    pub numeric: Vec<bool>,
}

impl Rows {
    /// A listing with these columns; a header ending in `#` is numeric (the `#` is dropped).
    pub fn new(headers: &[&'static str]) -> Rows {
        Rows {
            headers: headers.iter().map(|h| h.trim_end_matches('#')).collect(),
            numeric: headers.iter().map(|h| h.ends_with('#')).collect(),
            rows: Vec::new(),
        }
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
    table.set_header(rows.headers.clone());
    for row in &rows.rows {
        table.add_row(row.clone());
    }
    for (i, numeric) in rows.numeric.iter().enumerate() {
        if let Some(column) = table.column_mut(i)
            && *numeric
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

/// Writes CSV with a header row.
pub fn write_csv(out: &mut dyn Write, rows: &Rows) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&rows.headers).map_err(csv_io)?;
    for row in &rows.rows {
        w.write_record(row).map_err(csv_io)?;
    }
    w.flush()
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

/// Amounts per currency, `12.00 EUR + 3.50 USD`: two currencies are never one sum. `0.00
/// {fallback}` when there are none.
pub fn amounts(totals: &[(String, crate::core::money::Money)], fallback: &str) -> String {
    if totals.is_empty() {
        return format!("{} {fallback}", crate::core::money::Money(0));
    }
    totals.iter().map(|(c, m)| format!("{m} {c}")).collect::<Vec<_>>().join(" + ")
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
