//! Why a market operation was refused. Nothing is written when one is returned.

use super::LedgerError;
use crate::core::money::{LimitError, Overflow};
use crate::core::supply::SupplyError;

/// A refused market operation.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("no auction #{0}")]
    NoAuction(i64),
    #[error("auction #{id} was {status} at {at}")]
    Ended { id: i64, status: String, at: String },
    #[error("auction #{id} closed for bids at {at}")]
    Closed { id: i64, at: String },
    #[error("only {unsold} rps are unsold in every slot of {window}; asked for {wanted}")]
    Oversold { window: String, wanted: i64, unsold: i64 },
    #[error("nothing is unsold in every slot of {window}")]
    NothingUnsold { window: String },
    #[error("{buyer} holds only {held} rps in every slot of {window}; asked to sell {wanted}")]
    NotHeld { buyer: String, window: String, held: i64, wanted: i64 },
    #[error("a best-effort auction needs --rps: there is no offer to take it from")]
    BestEffortRps,
    #[error("a buy order needs a buyer")]
    BuyerNeeded,
    #[error("no order #{0}")]
    NoOrder(i64),
    #[error("order #{id} is {status}, not open")]
    OrderClosed { id: i64, status: String },
    #[error("{what} is priced in {theirs}, not {given}: prices in two currencies cannot meet")]
    Currency { what: String, theirs: String, given: String },
    #[error("the ledger's order book is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Supply(#[from] SupplyError),
    /// A price, rps or window beyond the bounds that keep totals within the ledger.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// A total that would not fit the ledger (a bid recorded before the bounds).
    #[error(transparent)]
    Amount(#[from] Overflow),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<rusqlite::Error> for MarketError {
    fn from(e: rusqlite::Error) -> MarketError {
        MarketError::Ledger(LedgerError::from(e))
    }
}
