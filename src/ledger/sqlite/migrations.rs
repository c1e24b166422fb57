//! Schema migrations, tracked in `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. A migration that has landed is
//! never edited: a ledger in the field has already run it. Change the schema by appending.
//!
//! A migration that needs a value from outside the ledger (the currency existing prices were
//! in) reads it from the temporary table `migration_params`, filled in the migration's own
//! transaction: the migrations stay plain SQL, and a dialect with temporary tables (PostgreSQL)
//! can do the same.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::ledger::{APPLICATION_ID, LedgerError};

/// Every migration, in order.
pub const MIGRATIONS: &[&str] = &[
    // 1: offers — unsold capacity per slot, from `capacity measure --save`.
    "CREATE TABLE offers (
        id          INTEGER PRIMARY KEY,
        slot_start  INTEGER NOT NULL,           -- unix seconds, UTC, on the slot grid
        slot_end    INTEGER NOT NULL,
        rps         INTEGER NOT NULL CHECK (rps >= 0),
        measured_at INTEGER NOT NULL,           -- unix seconds the estimate was made
        method      TEXT NOT NULL,              -- how: profile, quantile, margin, slot load
        CHECK (slot_end > slot_start)
    ) STRICT;
    CREATE UNIQUE INDEX offers_by_start ON offers (slot_start);",
    // 2: the market — sealed-bid auctions and their bids, the order book, and every sale.
    // Money is integer micro-units; prices are per rps-hour; times are unix seconds, UTC.
    "CREATE TABLE auctions (
        id             INTEGER PRIMARY KEY,
        window_start   INTEGER NOT NULL,
        window_end     INTEGER NOT NULL,
        rps            INTEGER NOT NULL CHECK (rps > 0),
        rule           TEXT NOT NULL CHECK (rule IN ('uniform', 'pay-as-bid', 'vickrey')),
        reserve        INTEGER NOT NULL CHECK (reserve >= 0),
        closes_at      INTEGER,                -- bids are refused from then on
        status         TEXT NOT NULL CHECK (status IN ('open', 'cleared', 'cancelled')),
        created_at     INTEGER NOT NULL,
        ended_at       INTEGER,                -- when cleared or cancelled
        clearing_price INTEGER,                -- uniform rule only
        CHECK (window_end > window_start)
    ) STRICT;
    CREATE TABLE bids (
        id         INTEGER PRIMARY KEY,       -- increasing: the order bids were placed
        auction_id INTEGER NOT NULL REFERENCES auctions (id),
        buyer      TEXT NOT NULL,
        rps        INTEGER NOT NULL CHECK (rps > 0),
        min_rps    INTEGER NOT NULL CHECK (min_rps >= 0 AND min_rps <= rps),
        price      INTEGER NOT NULL CHECK (price > 0),
        placed_at  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX bids_by_auction ON bids (auction_id, id);
    CREATE TABLE orders (
        id           INTEGER PRIMARY KEY,     -- increasing: time priority
        side         TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        owner        TEXT,                    -- a buyer; NULL is the network operator (asks only)
        window_start INTEGER NOT NULL,
        window_end   INTEGER NOT NULL,
        rps          INTEGER NOT NULL CHECK (rps > 0),
        remaining    INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= rps),
        limit_price  INTEGER NOT NULL CHECK (limit_price > 0),
        tif          TEXT NOT NULL CHECK (tif IN ('gtc', 'ioc')),
        status       TEXT NOT NULL CHECK (status IN ('open', 'filled', 'cancelled')),
        placed_at    INTEGER NOT NULL,
        CHECK (window_end > window_start),
        CHECK (owner IS NOT NULL OR side = 'sell')
    ) STRICT;
    CREATE INDEX orders_open ON orders (window_start, window_end, status, side, limit_price, id);
    CREATE TABLE sales (
        id           INTEGER PRIMARY KEY,
        buyer        TEXT NOT NULL,
        seller       TEXT,                    -- NULL: the network operator; a buyer for a resale
        window_start INTEGER NOT NULL,
        window_end   INTEGER NOT NULL,
        rps          INTEGER NOT NULL CHECK (rps > 0),
        unit_price   INTEGER NOT NULL CHECK (unit_price >= 0),
        total        INTEGER NOT NULL CHECK (total >= 0),
        mechanism    TEXT NOT NULL CHECK (mechanism IN ('auction', 'order')),
        rule         TEXT,                    -- the auction's rule
        source_id    INTEGER NOT NULL,        -- the auction, or the incoming order
        bid_id       INTEGER REFERENCES bids (id),
        buy_order    INTEGER REFERENCES orders (id),
        sell_order   INTEGER REFERENCES orders (id),
        created_at   INTEGER NOT NULL,
        CHECK (window_end > window_start)
    ) STRICT;
    CREATE INDEX sales_by_window ON sales (window_start, window_end);
    CREATE INDEX sales_by_buyer ON sales (buyer);
    CREATE INDEX sales_by_seller ON sales (seller) WHERE seller IS NOT NULL;
    CREATE INDEX resale_asks ON orders (owner) WHERE owner IS NOT NULL AND side = 'sell' AND status = 'open';

    -- Every offer keeps what the operator sold from it and what open auctions and the
    -- operator's open asks promise, kept current by the triggers below, so checking a window's
    -- supply reads its few slots instead of every sale and order.
    ALTER TABLE offers ADD COLUMN sold INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE offers ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
    -- Trades only: an auction's sales can number in the hundreds of thousands, so settling one
    -- adds their total to its offers in one statement instead (ledger/auctions.rs).
    CREATE TRIGGER sale_draws_on_offers AFTER INSERT ON sales
      WHEN NEW.seller IS NULL AND NEW.mechanism = 'order' BEGIN
        UPDATE offers SET sold = sold + NEW.rps
         WHERE slot_start < NEW.window_end AND slot_end > NEW.window_start;
    END;
    CREATE TRIGGER auction_holds_offers AFTER INSERT ON auctions WHEN NEW.status = 'open' BEGIN
        UPDATE offers SET reserved = reserved + NEW.rps
         WHERE slot_start < NEW.window_end AND slot_end > NEW.window_start;
    END;
    CREATE TRIGGER auction_releases_offers AFTER UPDATE OF status ON auctions
      WHEN OLD.status = 'open' AND NEW.status <> 'open' BEGIN
        UPDATE offers SET reserved = reserved - OLD.rps
         WHERE slot_start < OLD.window_end AND slot_end > OLD.window_start;
    END;
    CREATE TRIGGER ask_holds_offers AFTER INSERT ON orders
      WHEN NEW.owner IS NULL AND NEW.status = 'open' BEGIN
        UPDATE offers SET reserved = reserved + NEW.remaining
         WHERE slot_start < NEW.window_end AND slot_end > NEW.window_start;
    END;
    CREATE TRIGGER ask_changes_hold AFTER UPDATE OF remaining, status ON orders WHEN NEW.owner IS NULL BEGIN
        UPDATE offers
           SET reserved = reserved - (CASE WHEN OLD.status = 'open' THEN OLD.remaining ELSE 0 END)
                                   + (CASE WHEN NEW.status = 'open' THEN NEW.remaining ELSE 0 END)
         WHERE slot_start < NEW.window_end AND slot_end > NEW.window_start;
    END;",
    // 3: usage samples — per DNS server, buyer and control interval: what was bought, the
    // answers given, the fraction, and (from the controller's monitor) what the proxies served.
    "CREATE TABLE usage_samples (
        server           TEXT NOT NULL,          -- which `dns serve` (its first listen address)
        buyer            TEXT NOT NULL,
        start            INTEGER NOT NULL,       -- unix seconds, on the interval grid
        seconds          INTEGER NOT NULL CHECK (seconds > 0),
        purchased_rps    INTEGER NOT NULL CHECK (purchased_rps >= 0),
        proxy_answers    INTEGER NOT NULL CHECK (proxy_answers >= 0),
        fallback_answers INTEGER NOT NULL CHECK (fallback_answers >= 0),
        fraction         REAL NOT NULL CHECK (fraction >= 0 AND fraction <= 1),
        served_requests  INTEGER CHECK (served_requests >= 0),  -- NULL: no monitor
        monitor          TEXT NOT NULL,          -- 'none' (open loop), or the monitor's state
        PRIMARY KEY (server, buyer, start)
    ) STRICT;
    CREATE INDEX usage_by_buyer ON usage_samples (buyer, start);",
    // 4: best-effort service — auctions (and the sales they make) of capacity used only while
    // the proxies have it free. They are not drawn from the offers: the offer triggers of
    // migration 2 are narrowed to guaranteed auctions.
    "ALTER TABLE auctions ADD COLUMN service TEXT NOT NULL DEFAULT 'guaranteed'
        CHECK (service IN ('guaranteed', 'best-effort'));
    ALTER TABLE sales ADD COLUMN service TEXT NOT NULL DEFAULT 'guaranteed'
        CHECK (service IN ('guaranteed', 'best-effort'));
    DROP TRIGGER auction_holds_offers;
    CREATE TRIGGER auction_holds_offers AFTER INSERT ON auctions
      WHEN NEW.status = 'open' AND NEW.service = 'guaranteed' BEGIN
        UPDATE offers SET reserved = reserved + NEW.rps
         WHERE slot_start < NEW.window_end AND slot_end > NEW.window_start;
    END;
    DROP TRIGGER auction_releases_offers;
    CREATE TRIGGER auction_releases_offers AFTER UPDATE OF status ON auctions
      WHEN OLD.status = 'open' AND NEW.status <> 'open' AND OLD.service = 'guaranteed' BEGIN
        UPDATE offers SET reserved = reserved - OLD.rps
         WHERE slot_start < OLD.window_end AND slot_end > OLD.window_start;
    END;",
    // 5: rollups of the usage samples per minute and per 5 minutes (the span of burstable
    // billing), kept by triggers in the transaction that writes the samples, so a report over a
    // month reads 60× fewer rows and never the samples. A sample belongs to the minute and the
    // 5 minutes it starts in. `measured_*` count samples whose served requests a monitor
    // measured (NULL served: no monitor, or a stale one); `above_*` count samples served above
    // what the buyer was held to. Rewriting a sample (a server restarted within an interval)
    // adds the difference; min/max keep both values.
    "CREATE TABLE usage_rollups (
        buyer              TEXT NOT NULL,
        span               INTEGER NOT NULL CHECK (span IN (60, 300)),
        start              INTEGER NOT NULL,      -- unix seconds, a multiple of span
        server             TEXT NOT NULL,
        samples            INTEGER NOT NULL,
        seconds            INTEGER NOT NULL,      -- Σ sample seconds
        purchased          INTEGER NOT NULL,      -- Σ purchased_rps × seconds
        measured_seconds   INTEGER NOT NULL,
        served_requests    INTEGER NOT NULL,      -- Σ over measured samples
        above_seconds      INTEGER NOT NULL,
        above_requests     INTEGER NOT NULL,      -- Σ served − purchased_rps × seconds, when > 0
        peak_rps           REAL,                  -- the busiest measured sample's served rps
        proxy_answers      INTEGER NOT NULL,
        fallback_answers   INTEGER NOT NULL,
        fraction_seconds   REAL NOT NULL,         -- Σ fraction × seconds
        fraction_min       REAL NOT NULL,
        fraction_max       REAL NOT NULL,
        PRIMARY KEY (buyer, span, start, server)
    ) STRICT, WITHOUT ROWID;
    CREATE TRIGGER usage_sample_adds_to_rollups AFTER INSERT ON usage_samples BEGIN
        INSERT INTO usage_rollups
        SELECT NEW.buyer, spans.span, NEW.start - (NEW.start % spans.span + spans.span) % spans.span, NEW.server,
            1, NEW.seconds, NEW.purchased_rps * NEW.seconds,
            CASE WHEN NEW.served_requests IS NULL THEN 0 ELSE NEW.seconds END,
            coalesce(NEW.served_requests, 0),
            CASE WHEN NEW.served_requests > NEW.purchased_rps * NEW.seconds THEN NEW.seconds ELSE 0 END,
            max(coalesce(NEW.served_requests, 0) - NEW.purchased_rps * NEW.seconds, 0),
            CAST(NEW.served_requests AS REAL) / NEW.seconds,
            NEW.proxy_answers, NEW.fallback_answers,
            NEW.fraction * NEW.seconds, NEW.fraction, NEW.fraction
        FROM (SELECT 60 AS span UNION ALL SELECT 300) AS spans WHERE true
        ON CONFLICT (buyer, span, start, server) DO UPDATE SET
            samples = samples + 1,
            seconds = seconds + excluded.seconds,
            purchased = purchased + excluded.purchased,
            measured_seconds = measured_seconds + excluded.measured_seconds,
            served_requests = served_requests + excluded.served_requests,
            above_seconds = above_seconds + excluded.above_seconds,
            above_requests = above_requests + excluded.above_requests,
            peak_rps = CASE WHEN excluded.peak_rps IS NULL THEN peak_rps
                            ELSE max(coalesce(peak_rps, excluded.peak_rps), excluded.peak_rps) END,
            proxy_answers = proxy_answers + excluded.proxy_answers,
            fallback_answers = fallback_answers + excluded.fallback_answers,
            fraction_seconds = fraction_seconds + excluded.fraction_seconds,
            fraction_min = min(fraction_min, excluded.fraction_min),
            fraction_max = max(fraction_max, excluded.fraction_max);
    END;
    CREATE TRIGGER usage_sample_changes_rollups AFTER UPDATE ON usage_samples BEGIN
        UPDATE usage_rollups SET
            seconds = seconds + NEW.seconds - OLD.seconds,
            purchased = purchased + NEW.purchased_rps * NEW.seconds - OLD.purchased_rps * OLD.seconds,
            measured_seconds = measured_seconds
                + CASE WHEN NEW.served_requests IS NULL THEN 0 ELSE NEW.seconds END
                - CASE WHEN OLD.served_requests IS NULL THEN 0 ELSE OLD.seconds END,
            served_requests = served_requests + coalesce(NEW.served_requests, 0) - coalesce(OLD.served_requests, 0),
            above_seconds = above_seconds
                + CASE WHEN NEW.served_requests > NEW.purchased_rps * NEW.seconds THEN NEW.seconds ELSE 0 END
                - CASE WHEN OLD.served_requests > OLD.purchased_rps * OLD.seconds THEN OLD.seconds ELSE 0 END,
            above_requests = above_requests
                + max(coalesce(NEW.served_requests, 0) - NEW.purchased_rps * NEW.seconds, 0)
                - max(coalesce(OLD.served_requests, 0) - OLD.purchased_rps * OLD.seconds, 0),
            peak_rps = CASE WHEN NEW.served_requests IS NULL THEN peak_rps
                            ELSE max(coalesce(peak_rps, 0), CAST(NEW.served_requests AS REAL) / NEW.seconds) END,
            proxy_answers = proxy_answers + NEW.proxy_answers - OLD.proxy_answers,
            fallback_answers = fallback_answers + NEW.fallback_answers - OLD.fallback_answers,
            fraction_seconds = fraction_seconds + NEW.fraction * NEW.seconds - OLD.fraction * OLD.seconds,
            fraction_min = min(fraction_min, NEW.fraction),
            fraction_max = max(fraction_max, NEW.fraction)
        WHERE buyer = NEW.buyer AND server = NEW.server AND span IN (60, 300)
          AND start = NEW.start - (NEW.start % span + span) % span;
    END;
    INSERT INTO usage_rollups
    SELECT buyer, spans.span, start - (start % spans.span + spans.span) % spans.span AS s, server, count(*),
           sum(seconds), sum(purchased_rps * seconds),
           sum(CASE WHEN served_requests IS NULL THEN 0 ELSE seconds END), sum(coalesce(served_requests, 0)),
           sum(CASE WHEN served_requests > purchased_rps * seconds THEN seconds ELSE 0 END),
           sum(max(coalesce(served_requests, 0) - purchased_rps * seconds, 0)),
           max(CAST(served_requests AS REAL) / seconds),
           sum(proxy_answers), sum(fallback_answers), sum(fraction * seconds), min(fraction), max(fraction)
      FROM usage_samples, (SELECT 60 AS span UNION ALL SELECT 300) AS spans
     GROUP BY buyer, spans.span, s, server;",
    // 6: every price with its currency: auctions (their reserve and clearing price), bids,
    // orders and sales. Rows from before take the currency the operator's config named at
    // migration time (`migration_params`); new rows must name theirs, which the triggers hold
    // them to (an added column cannot have a CHECK that the old rows fail before the UPDATE).
    "ALTER TABLE auctions ADD COLUMN currency TEXT NOT NULL DEFAULT '';
    ALTER TABLE bids ADD COLUMN currency TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT '';
    ALTER TABLE sales ADD COLUMN currency TEXT NOT NULL DEFAULT '';
    UPDATE auctions SET currency = (SELECT currency FROM temp.migration_params);
    UPDATE bids SET currency = (SELECT currency FROM temp.migration_params);
    UPDATE orders SET currency = (SELECT currency FROM temp.migration_params);
    UPDATE sales SET currency = (SELECT currency FROM temp.migration_params);
    CREATE TRIGGER auction_names_currency BEFORE INSERT ON auctions
      WHEN NEW.currency NOT GLOB '[A-Z][A-Z][A-Z]' BEGIN
        SELECT RAISE(ABORT, 'auctions.currency must be a 3-letter currency code');
    END;
    CREATE TRIGGER bid_names_currency BEFORE INSERT ON bids
      WHEN NEW.currency NOT GLOB '[A-Z][A-Z][A-Z]' BEGIN
        SELECT RAISE(ABORT, 'bids.currency must be a 3-letter currency code');
    END;
    CREATE TRIGGER order_names_currency BEFORE INSERT ON orders
      WHEN NEW.currency NOT GLOB '[A-Z][A-Z][A-Z]' BEGIN
        SELECT RAISE(ABORT, 'orders.currency must be a 3-letter currency code');
    END;
    CREATE TRIGGER sale_names_currency BEFORE INSERT ON sales
      WHEN NEW.currency NOT GLOB '[A-Z][A-Z][A-Z]' BEGIN
        SELECT RAISE(ABORT, 'sales.currency must be a 3-letter currency code');
    END;
    CREATE INDEX sales_by_currency ON sales (currency);",
    // 7: SOA serials — per zone apex, the serial of each version of its static data (its
    // fingerprint, dns/zone_data.rs), so every `dns serve` on one ledger serves the same serial
    // for the same data, and a new one (larger) when the data changes.
    "CREATE TABLE zone_serials (
        apex        TEXT NOT NULL,
        serial      INTEGER NOT NULL CHECK (serial > 0 AND serial <= 4294967295),
        fingerprint TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,           -- unix seconds
        PRIMARY KEY (apex, serial)
    ) STRICT;",
    // 8: usage_batches — the names of the usage batches `dns serve` wrote, so a batch written
    // again (its commit's reply was lost) is skipped instead of counted twice.
    "CREATE TABLE usage_batches (
        writer     TEXT NOT NULL,               -- one `dns serve` process
        seq        INTEGER NOT NULL,            -- increasing within the writer
        written_at INTEGER NOT NULL,            -- unix seconds
        PRIMARY KEY (writer, seq)
    ) STRICT;",
    // 9: several `dns serve` on one ledger (src/control/): the lease that elects the one that
    // runs the controllers, the control state it publishes for the others to apply, and every
    // node's heartbeat. Times are unix milliseconds: a lease of two 1-second intervals needs
    // better than seconds. A write of control state under any epoch but the lease's is refused
    // here, not only by the writer's own check: a leader that paused past its lease and wakes
    // up cannot overwrite its successor's state, whatever it believes.
    "CREATE TABLE control_lease (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        holder       TEXT NOT NULL,             -- the leading node's name
        instance     TEXT NOT NULL,             -- its process (node:pid:random)
        epoch        INTEGER NOT NULL CHECK (epoch > 0), -- +1 at every change of holder
        since        INTEGER NOT NULL,          -- unix ms: when this epoch began
        expires      INTEGER NOT NULL,          -- unix ms: renewed every interval
        published    INTEGER NOT NULL DEFAULT 0, -- version of the newest control state
        published_at INTEGER NOT NULL DEFAULT 0 -- unix ms
    ) STRICT;
    CREATE TABLE control_states (
        buyer      TEXT PRIMARY KEY,
        epoch      INTEGER NOT NULL,            -- the lease's epoch when written
        version    INTEGER NOT NULL,            -- control_lease.published when written
        written_at INTEGER NOT NULL,            -- unix ms
        applied    TEXT NOT NULL,               -- JSON: what every node answers with
        memory     TEXT NOT NULL                -- JSON: the controller, for the next leader
    ) STRICT;
    CREATE TRIGGER control_states_insert_fenced BEFORE INSERT ON control_states
        WHEN NEW.epoch IS NOT (SELECT epoch FROM control_lease WHERE id = 1)
    BEGIN
        SELECT RAISE(ABORT, 'control state of an old epoch refused: another node leads');
    END;
    CREATE TRIGGER control_states_update_fenced BEFORE UPDATE ON control_states
        WHEN NEW.epoch IS NOT (SELECT epoch FROM control_lease WHERE id = 1)
    BEGIN
        SELECT RAISE(ABORT, 'control state of an old epoch refused: another node leads');
    END;
    CREATE TABLE dns_nodes (
        node            TEXT PRIMARY KEY,       -- dns.node, --node or SURPLUS_NODE
        instance        TEXT NOT NULL,          -- its process (node:pid:random)
        address         TEXT NOT NULL,          -- the first address it listens on
        version         TEXT NOT NULL,          -- surplus's version
        config_hash     TEXT NOT NULL,          -- of the config without node and listen
        started_at      INTEGER NOT NULL,       -- unix ms
        heartbeat_at    INTEGER NOT NULL,       -- unix ms
        interval_ms     INTEGER NOT NULL,       -- its control.interval
        leading_epoch   INTEGER,                -- the epoch it leads in, if it does
        applied_version INTEGER,                -- the control state it answers with
        counts          TEXT NOT NULL,          -- JSON: its last interval's queries per buyer
        serving         TEXT NOT NULL           -- JSON: per buyer, the share it answers with
    ) STRICT;",
    // 10: expiring raw usage samples once rolled up (`control.keep_samples`,
    // ledger/usage_expiry.rs): an index by start, for the oldest to be found without a scan
    // (and `max(start)` with one seek), and the time below which every sample was expired, for
    // `ledger check` to compare with their samples only the rollups that start after it.
    "CREATE INDEX usage_by_start ON usage_samples (start);
    CREATE TABLE usage_expiry (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        horizon INTEGER NOT NULL                -- unix seconds: no sample before it is kept
    ) STRICT;",
];

/// Brings the schema up to date, each step in its own immediate transaction (so two processes
/// opening a new ledger at once do not both migrate), and marks the ledger as surplus's.
/// `currency` is what rows from before the ledger stored a currency were priced in.
pub fn migrate(conn: &mut Connection, path: &Path, currency: &str) -> Result<(), LedgerError> {
    let known = MIGRATIONS.len() as i64;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > known {
            return Err(LedgerError::TooNew { path: path.to_path_buf(), found: version, known });
        }
        // A new ledger, or one from before the mark (recognised by its tables).
        let id: i32 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if id != APPLICATION_ID {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        if version == known {
            tx.commit()?;
            return Ok(());
        }
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS migration_params (currency TEXT NOT NULL);
             DELETE FROM temp.migration_params;",
        )?;
        tx.execute("INSERT INTO temp.migration_params (currency) VALUES (?1)", [currency])?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Ledger, LedgerError, OpenOptions};

    #[test]
    fn migrates_a_new_ledger_to_the_latest_version() {
        let ledger = Ledger::open_in_memory().unwrap();
        assert_eq!(ledger.schema_version().unwrap(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:"), "EUR").unwrap();
        let schema = |c: &Connection| -> Vec<String> {
            let mut s = c.prepare("SELECT sql FROM sqlite_master ORDER BY name").unwrap();
            s.query_map([], |r| r.get::<_, Option<String>>(0))
                .unwrap()
                .map(|r| r.unwrap().unwrap_or_default())
                .collect()
        };
        let before = schema(&conn);
        migrate(&mut conn, Path::new(":memory:"), "EUR").unwrap();
        assert_eq!(schema(&conn), before);
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn refuses_a_newer_ledger() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = migrate(&mut conn, Path::new("x.db"), "EUR").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "x.db: the ledger's schema version 999 is newer than this surplus knows ({}); upgrade surplus",
                MIGRATIONS.len()
            )
        );
    }

    /// A connection at schema version 5 (before currencies) with a row in every priced table.
    fn version_5(conn: &Connection) {
        for (i, sql) in MIGRATIONS.iter().take(5).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO offers (slot_start, slot_end, rps, measured_at, method) VALUES (0, 3600, 50, 0, 'x');
             INSERT INTO auctions (window_start, window_end, rps, rule, reserve, status, created_at)
                  VALUES (0, 3600, 10, 'uniform', 500000, 'open', 0);
             INSERT INTO bids (auction_id, buyer, rps, min_rps, price, placed_at) VALUES (1, 'shop', 10, 0, 700000, 0);
             INSERT INTO orders (side, owner, window_start, window_end, rps, remaining, limit_price, tif, status, placed_at)
                  VALUES ('buy', 'news', 0, 3600, 5, 5, 600000, 'gtc', 'open', 0);
             INSERT INTO sales (buyer, window_start, window_end, rps, unit_price, total, mechanism, source_id, created_at)
                  VALUES ('api', 0, 3600, 4, 800000, 3200000, 'order', 9, 0);",
        )
        .unwrap();
    }

    fn currencies(conn: &Connection) -> Vec<String> {
        ["auctions", "bids", "orders", "sales"]
            .iter()
            .map(|t| {
                conn.query_row(
                    &format!("SELECT group_concat(currency) FROM (SELECT currency FROM {t} ORDER BY rowid)"),
                    [],
                    |r| r.get(0),
                )
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn existing_prices_take_the_currency_given_to_the_migration() {
        let mut conn = Connection::open_in_memory().unwrap();
        version_5(&conn);
        migrate(&mut conn, Path::new(":memory:"), "USD").unwrap();
        assert_eq!(currencies(&conn), ["USD", "USD", "USD", "USD"]);
        let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
        assert_eq!(id, APPLICATION_ID);
        // New rows must name theirs.
        let err = conn
            .execute(
                "INSERT INTO sales (buyer, window_start, window_end, rps, unit_price, total, mechanism, source_id, created_at)
                 VALUES ('api', 0, 3600, 4, 1, 1, 'order', 9, 0)",
                [],
            )
            .unwrap_err();
        assert!(err.to_string().contains("sales.currency must be a 3-letter currency code"), "{err}");
        conn.execute(
            "INSERT INTO sales (buyer, window_start, window_end, rps, unit_price, total, mechanism, source_id, created_at, currency)
             VALUES ('api', 0, 3600, 4, 1, 1, 'order', 9, 0, 'EUR')",
            [],
        )
        .unwrap();
        // The parameter table is the migration's alone.
        migrate(&mut conn, Path::new(":memory:"), "SEK").unwrap();
        assert_eq!(currencies(&conn)[3], "USD,EUR");
    }

    #[test]
    fn a_ledger_file_from_version_5_is_migrated_by_a_writer_not_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        version_5(&Connection::open(&path).unwrap());
        let err = Ledger::open(&path, OpenOptions::read()).unwrap_err();
        assert!(matches!(err, LedgerError::NeedsMigration { found: 5, .. }), "{err}");
        let ledger = Ledger::open(&path, OpenOptions::write("SEK")).unwrap();
        assert_eq!(ledger.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let sales = ledger.sales(None, None).unwrap();
        assert_eq!((sales[0].buyer.as_str(), sales[0].currency.as_str()), ("api", "SEK"));
        assert_eq!(ledger.auctions(None).unwrap()[0].currency, "SEK");
        assert_eq!(ledger.orders(false).unwrap()[0].currency, "SEK");
        drop(ledger);
        // Now current, it reads; and a later writer with another currency changes nothing.
        drop(Ledger::open(&path, OpenOptions::write("USD")).unwrap());
        let ledger = Ledger::open(&path, OpenOptions::read()).unwrap();
        assert_eq!(currencies(ledger.db.sqlite_conn().unwrap()), ["SEK", "SEK", "SEK", "SEK"]);
        assert_eq!(ledger.sale_currencies().unwrap(), [("SEK".to_string(), 1)]);
    }

    #[test]
    fn reopening_a_file_keeps_data_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        {
            let ledger = Ledger::open(&path, OpenOptions::write("EUR")).unwrap();
            ledger
                .db
                .sqlite_conn()
                .unwrap()
                .execute(
                    "INSERT INTO offers (slot_start, slot_end, rps, measured_at, method) VALUES (0, 3600, 5, 0, 'x')",
                    [],
                )
                .unwrap();
        }
        let ledger = Ledger::open(&path, OpenOptions::write("EUR")).unwrap();
        let n: i64 =
            ledger.db.sqlite_conn().unwrap().query_row("SELECT count(*) FROM offers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        let mode: String = ledger.db.sqlite_conn().unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
