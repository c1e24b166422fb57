//! A sale as the ledger records it: who bought how much capacity, for which window, at what
//! price, through which mechanism. Plain data; the ledger stores it, reports bill it.

use crate::core::money::Money;
use crate::core::service::Service;
use crate::core::window::Window;

/// A recorded sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub id: i64,
    pub buyer: String,
    /// `None`: the network operator; a buyer's name for a resale.
    pub seller: Option<String>,
    pub window: Window,
    pub rps: i64,
    /// Per rps-hour.
    pub unit_price: Money,
    /// For the whole window.
    pub total: Money,
    /// `auction` or `order`.
    pub mechanism: String,
    pub rule: Option<String>,
    /// The auction, or the incoming order.
    pub source_id: i64,
    /// The winning bid, for an auction sale.
    pub bid_id: Option<i64>,
    pub created_at: i64,
    pub service: Service,
    /// The currency of `unit_price` and `total` (ISO 4217, `EUR`).
    pub currency: String,
}
