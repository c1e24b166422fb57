//! Bid files for `market auction bid --file`: CSV with a header, or a YAML list. A file goes in
//! whole or not at all, so every line is checked before anything is placed; errors name
//! `file:line`.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, anyhow};
use serde::Deserialize;

use crate::config::YamlPath;
use crate::config::locate::locate;
use crate::core::auction::check_bid;
use crate::core::money::Money;
use crate::ledger::NewBid;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    buyer: String,
    rps: i64,
    #[serde(deserialize_with = "crate::config::values::money")]
    price: Money,
    #[serde(default)]
    min_rps: i64,
}

/// Reads and checks every bid in `path`; `buyers` are the names the config knows.
pub fn read(path: &Path, buyers: &HashSet<&str>) -> anyhow::Result<Vec<NewBid>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let file = path.display();
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => from_csv(&text, buyers).map_err(|(line, e)| anyhow!("{file}:{line}: {e}")),
        Some("yaml" | "yml") => from_yaml(&text, buyers).map_err(|(line, e)| anyhow!("{file}:{line}: {e}")),
        _ => Err(super::bad_usage(format!("--file {file}: expected a .csv, .yaml or .yml bid file"))),
    }
}

/// A result, or the 1-based line and cause of an error.
pub type Located<T> = Result<T, (u64, String)>;

/// The bids of a CSV bid file's `text`, or the line and cause of its first error.
pub fn from_csv(text: &str, buyers: &HashSet<&str>) -> Located<Vec<NewBid>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| (1, e.to_string()))?.clone();
    for want in ["buyer", "rps", "price"] {
        if !headers.iter().any(|h| h == want) {
            return Err((1, format!("the header needs a `{want}` column (buyer,rps,price[,min_rps])")));
        }
    }
    let mut bids = Vec::new();
    for record in reader.deserialize::<Row>() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            (line, csv_message(&e, &headers))
        })?;
        let line = bids.len() as u64 + 2;
        bids.push(bid(record, buyers).map_err(|e| (line, e))?);
    }
    if bids.is_empty() {
        return Err((1, "no bids in the file".into()));
    }
    Ok(bids)
}

/// A CSV error, naming the column by its header.
pub fn csv_message(e: &csv::Error, headers: &csv::StringRecord) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("{}: {}", headers.get(i as usize).unwrap_or("?"), err.kind()),
            None => err.kind().to_string(),
        },
        other => format!("{other:?}"),
    }
}

/// The bids of a YAML bid file's `text`, or the line and cause of its first error.
pub fn from_yaml(text: &str, buyers: &HashSet<&str>) -> Located<Vec<NewBid>> {
    let rows: Vec<Row> = serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line() as u64);
        let message = e.to_string();
        (line, message.rsplit_once(" at line ").map_or(message.clone(), |(m, _)| m.to_string()))
    })?;
    if rows.is_empty() {
        return Err((1, "no bids in the file".into()));
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            bid(row, buyers).map_err(|e| {
                let line = locate(text, &YamlPath::default().index(i)).map_or(0, |(l, _)| l as u64);
                (line, format!("[{i}]: {e}"))
            })
        })
        .collect()
}

fn bid(row: Row, buyers: &HashSet<&str>) -> Result<NewBid, String> {
    if !buyers.contains(row.buyer.as_str()) {
        return Err(format!("buyer: unknown buyer `{}` (not in the configuration)", row.buyer));
    }
    check_bid(row.rps, row.min_rps, row.price).map_err(|e| e.to_string())?;
    Ok(NewBid { buyer: row.buyer, rps: row.rps, min_rps: row.min_rps, price: row.price })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buyers() -> HashSet<&'static str> {
        ["shop", "news"].into_iter().collect()
    }

    #[test]
    fn csv_bids() {
        let bids = from_csv("buyer,rps,price,min_rps\nshop,10,0.50,5\nnews, 20 ,1,0\n", &buyers()).unwrap();
        assert_eq!(bids.len(), 2);
        assert_eq!((bids[0].rps, bids[0].min_rps, bids[0].price), (10, 5, Money(500_000)));
        assert_eq!(from_csv("buyer,rps,price\nshop,10,2\n", &buyers()).unwrap()[0].min_rps, 0);
    }

    #[test]
    fn csv_errors_name_the_line() {
        let e = |t: &str| from_csv(t, &buyers()).unwrap_err();
        assert_eq!(e("buyer,rps,price\nshop,10,1\nshop,10,0\n"), (3, "price must be > 0, got 0.00".into()));
        assert_eq!(
            e("buyer,rps,price\nshop,10,1\nmallory,1,1\n"),
            (3, "buyer: unknown buyer `mallory` (not in the configuration)".into())
        );
        assert_eq!(
            e("buyer,rps,price,min_rps\nshop,10,1,11\n"),
            (2, "min_rps must be between 0 and rps (10), got 11".into())
        );
        assert_eq!(e("buyer,rps,price\nshop,ten,1\n").0, 2);
        assert_eq!(e("buyer,rps,price\nshop,-1,1\n"), (2, "rps must be > 0, got -1".into()));
        assert_eq!(e("buyer,price\nshop,1\n").0, 1);
        assert_eq!(e("buyer,rps,price\n").1, "no bids in the file");
    }

    #[test]
    fn yaml_bids_and_errors() {
        let text = "- {buyer: shop, rps: 10, price: 0.5}\n- buyer: news\n  rps: 3\n  price: '2'\n  min_rps: 4\n";
        let e = from_yaml(text, &buyers()).unwrap_err();
        assert_eq!(e, (2, "[1]: min_rps must be between 0 and rps (3), got 4".into()));
        let ok = from_yaml("- {buyer: shop, rps: 10, price: '0.5'}\n", &buyers()).unwrap();
        assert_eq!(ok[0].price, Money(500_000));
        assert_eq!(from_yaml("- {buyer: shop, rps: 10, prize: 1}\n", &buyers()).unwrap_err().0, 1);
    }
}
