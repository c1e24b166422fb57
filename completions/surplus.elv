
use builtin;
use str;

set edit:completion:arg-completer[surplus] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'surplus'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'surplus'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand demo 'Run the whole loop on the bundled example, on loopback, in under a minute: measure, auction, serve DNS, control against a load model, and report usage'
            cand config 'Check the configuration'
            cand capacity 'Measure unused capacity from the proxies'' access logs or a Prometheus server''s history, and offer it for sale'
            cand market 'Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of every sale'
            cand dns 'The network''s authoritative DNS, answering a controlled fraction with proxies'
            cand monitor 'Follow a proxy host''s access logs for name servers on other hosts'
            cand report 'Reports: what each buyer bought, used and owes; the operator''s sales and capacity'
            cand simulate 'Run the controller on simulated time against caching resolvers, before going live'
            cand ledger 'The ledger itself: its schema, its invariants, and moving it to another database'
            cand generate 'Write shell completions or man pages (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;demo'= {
            cand --keep 'Keep the demo''s ledger (surplus.db), configuration (surplus.yaml) and logs in DIR, to explore with the other commands (default: a temporary directory, removed at the end)'
            cand --seconds 'How long the load runs against the DNS server'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;config'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand check 'Validate the configuration and print a summary; changes nothing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;config;check'= {
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --online 'Also run `monitor.prometheus_query` once against its server and show what it returned per buyer'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;config;help'= {
            cand check 'Validate the configuration and print a summary; changes nothing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;config;help;check'= {
        }
        &'surplus;config;help;help'= {
        }
        &'surplus;capacity'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand measure 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity'
            cand history 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot'
            cand offers 'List the offers saved in the ledger'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;capacity;measure'= {
            cand --log-format 'Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default: the proxy''s `log.format`, or auto-detect)'
            cand --json-fields 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`'
            cand --since 'Only requests at or after this time'
            cand --from 'Only requests at or after this time'
            cand --until 'Only requests before this time'
            cand --slot 'Slot length; must divide a day (default: `market.slot`, 1h)'
            cand --threads 'Worker threads for parsing, 1 to 1024 (default: the number of cores)'
            cand --prometheus 'Read the history from this Prometheus server instead of logs (default: `capacity.prometheus.url` when the configuration has one and no LOG is given)'
            cand --query 'PromQL giving requests per second: one series per proxy, or one for the whole fleet (default: `capacity.prometheus.query`)'
            cand --bytes-query 'PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`)'
            cand --proxy-label 'The label naming a series'' proxy, matched against each proxy''s name or address (default: `capacity.prometheus.proxy_label`, `instance`)'
            cand --step 'The step of the range queries; must divide the slot (default: the smallest the data holds)'
            cand --bearer-token-file 'A file holding a bearer token for the server'
            cand --next 'Forecast this long from the next slot boundary'
            cand --for 'Forecast this window instead, START/DURATION on the slot grid'
            cand --quantile 'Quantile of a slot''s history used as its forecast (default: `market.quantile`, 0.95)'
            cand --margin 'Share of capacity never sold (default: `market.margin`, 0.10)'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --counter 'The queries give counters, which are differentiated (resets seen as `rate()` sees them)'
            cand --by-proxy 'Show each proxy''s capacity, forecast and unused capacity too'
            cand --save 'Record the unused capacity as offers in the ledger (whole rps, rounded down)'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;capacity;history'= {
            cand --log-format 'Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default: the proxy''s `log.format`, or auto-detect)'
            cand --json-fields 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`'
            cand --since 'Only requests at or after this time'
            cand --from 'Only requests at or after this time'
            cand --until 'Only requests before this time'
            cand --slot 'Slot length; must divide a day (default: `market.slot`, 1h)'
            cand --threads 'Worker threads for parsing, 1 to 1024 (default: the number of cores)'
            cand --prometheus 'Read the history from this Prometheus server instead of logs (default: `capacity.prometheus.url` when the configuration has one and no LOG is given)'
            cand --query 'PromQL giving requests per second: one series per proxy, or one for the whole fleet (default: `capacity.prometheus.query`)'
            cand --bytes-query 'PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`)'
            cand --proxy-label 'The label naming a series'' proxy, matched against each proxy''s name or address (default: `capacity.prometheus.proxy_label`, `instance`)'
            cand --step 'The step of the range queries; must divide the slot (default: the smallest the data holds)'
            cand --bearer-token-file 'A file holding a bearer token for the server'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --counter 'The queries give counters, which are differentiated (resets seen as `rate()` sees them)'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;capacity;offers'= {
            cand --window 'Only offers overlapping this window (START/DURATION)'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;capacity;help'= {
            cand measure 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity'
            cand history 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot'
            cand offers 'List the offers saved in the ledger'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;capacity;help;measure'= {
        }
        &'surplus;capacity;help;history'= {
        }
        &'surplus;capacity;help;offers'= {
        }
        &'surplus;capacity;help;help'= {
        }
        &'surplus;market'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand auction 'Sealed-bid auctions of unsold capacity for a window'
            cand order 'The continuous market: place or cancel buy and sell orders, matched on arrival'
            cand book 'Depth of a window''s order book by price level'
            cand orders 'List orders, newest first'
            cand sales 'List sales, from auctions and trades'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;market;auction'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Open an auction for unsold capacity in a window'
            cand list 'List auctions, newest first'
            cand show 'Show an auction, its bids, and once cleared what each won and pays'
            cand cancel 'Cancel an open auction, releasing the capacity it holds'
            cand bid 'Place a bid, or a file of bids (all or none)'
            cand run 'Clear an auction: allocate, price, record the sales, and list the winners'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;market;auction;create'= {
            cand --window 'The window sold, START/DURATION on the slot grid, at most 31 days'
            cand --rps 'Capacity sold, up to 10000000 rps (default: all that is unsold in every slot of the window; required with --best-effort, where it is the total weight of the shares sold)'
            cand --rule 'How winners pay'
            cand --reserve 'Lowest price per rps-hour, at most 1000 (default: `market.reserve_price`)'
            cand --closes 'No bids from this time on'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --best-effort 'Sell best effort: no capacity is reserved or taken from the offers; while the window runs, winners share whatever the healthy proxies have free, in proportion to the rps each won, and are charged for what they use'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;market;auction;list'= {
            cand --status 'Only auctions with this status'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;auction;show'= {
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;auction;cancel'= {
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;auction;bid'= {
            cand --buyer 'The buyer bidding (a name from the configuration)'
            cand --rps 'Capacity wanted, 1 to 10000000 rps'
            cand --price 'Price per rps-hour, above 0 and at most 1000'
            cand --min-rps 'Smallest partial fill accepted (default 0: any)'
            cand --file 'Bids from a CSV (header `buyer,rps,price[,min_rps]`) or YAML (a list of those keys) file'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;market;auction;run'= {
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --dry-run 'Show the result, write nothing'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;auction;help'= {
            cand create 'Open an auction for unsold capacity in a window'
            cand list 'List auctions, newest first'
            cand show 'Show an auction, its bids, and once cleared what each won and pays'
            cand cancel 'Cancel an open auction, releasing the capacity it holds'
            cand bid 'Place a bid, or a file of bids (all or none)'
            cand run 'Clear an auction: allocate, price, record the sales, and list the winners'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;market;auction;help;create'= {
        }
        &'surplus;market;auction;help;list'= {
        }
        &'surplus;market;auction;help;show'= {
        }
        &'surplus;market;auction;help;cancel'= {
        }
        &'surplus;market;auction;help;bid'= {
        }
        &'surplus;market;auction;help;run'= {
        }
        &'surplus;market;auction;help;help'= {
        }
        &'surplus;market;order'= {
            cand --file 'Place the orders of a CSV file in turn (header `side,buyer,window,rps,limit[,tif]`; an empty buyer on a sell is the operator). Every line is checked before the first is placed'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand buy 'Bid for capacity as a buyer'
            cand sell 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds'
            cand cancel 'Cancel an open order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;market;order;buy'= {
            cand --buyer 'The buyer (a name from the configuration)'
            cand --window 'The window traded, START/DURATION on the slot grid, at most 31 days'
            cand --rps 'Capacity, 1 to 10000000 rps'
            cand --limit 'Limit price per rps-hour, above 0 and at most 1000: the most a buy pays, the least a sell takes'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --ioc 'Immediate or cancel: what does not trade at once is cancelled (default: it rests)'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;market;order;sell'= {
            cand --buyer 'A buyer reselling what it holds (default: the operator, selling offered capacity)'
            cand --window 'The window traded, START/DURATION on the slot grid, at most 31 days'
            cand --rps 'Capacity, 1 to 10000000 rps'
            cand --limit 'Limit price per rps-hour, above 0 and at most 1000: the most a buy pays, the least a sell takes'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --ioc 'Immediate or cancel: what does not trade at once is cancelled (default: it rests)'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;market;order;cancel'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;market;order;help'= {
            cand buy 'Bid for capacity as a buyer'
            cand sell 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds'
            cand cancel 'Cancel an open order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;market;order;help;buy'= {
        }
        &'surplus;market;order;help;sell'= {
        }
        &'surplus;market;order;help;cancel'= {
        }
        &'surplus;market;order;help;help'= {
        }
        &'surplus;market;book'= {
            cand --window 'The window'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;orders'= {
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --open 'Only open orders'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;sales'= {
            cand --buyer 'Only this buyer''s'
            cand --window 'Only sales overlapping this window'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;market;help'= {
            cand auction 'Sealed-bid auctions of unsold capacity for a window'
            cand order 'The continuous market: place or cancel buy and sell orders, matched on arrival'
            cand book 'Depth of a window''s order book by price level'
            cand orders 'List orders, newest first'
            cand sales 'List sales, from auctions and trades'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;market;help;auction'= {
            cand create 'Open an auction for unsold capacity in a window'
            cand list 'List auctions, newest first'
            cand show 'Show an auction, its bids, and once cleared what each won and pays'
            cand cancel 'Cancel an open auction, releasing the capacity it holds'
            cand bid 'Place a bid, or a file of bids (all or none)'
            cand run 'Clear an auction: allocate, price, record the sales, and list the winners'
        }
        &'surplus;market;help;auction;create'= {
        }
        &'surplus;market;help;auction;list'= {
        }
        &'surplus;market;help;auction;show'= {
        }
        &'surplus;market;help;auction;cancel'= {
        }
        &'surplus;market;help;auction;bid'= {
        }
        &'surplus;market;help;auction;run'= {
        }
        &'surplus;market;help;order'= {
            cand buy 'Bid for capacity as a buyer'
            cand sell 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds'
            cand cancel 'Cancel an open order'
        }
        &'surplus;market;help;order;buy'= {
        }
        &'surplus;market;help;order;sell'= {
        }
        &'surplus;market;help;order;cancel'= {
        }
        &'surplus;market;help;book'= {
        }
        &'surplus;market;help;orders'= {
        }
        &'surplus;market;help;sales'= {
        }
        &'surplus;market;help;help'= {
        }
        &'surplus;dns'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand serve 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate''s fraction of answers with proxy addresses (sales are re-read every 2 seconds)'
            cand query 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer''s fallback'
            cand status 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server''s metrics endpoint (else the ledger''s newest usage samples)'
            cand zone 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network''s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;dns;serve'= {
            cand --listen 'Address to listen on, UDP and TCP; repeatable; port 0 picks one (default: `dns.listen`, else each name server address on port 53). The bound addresses are printed on stdout'
            cand --metrics 'Serve Prometheus metrics at http://ADDR/metrics (default: `dns.metrics`; port 0 picks one)'
            cand --threads 'UDP serving threads per address, 1 to 1024 (default: the number of cores)'
            cand --node 'This node''s name among the servers sharing the ledger, and its NSID unless `dns.nsid` is set: printable ASCII, 1 to 255 bytes (default: `dns.node`, else the host name). Lets several nodes on one host share one config file'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;dns;query'= {
            cand --server 'The server, ADDR or ADDR:PORT, an IP address (default: the first `dns.listen` address, else the first name server''s address, port 53)'
            cand --count 'How many lookups to send (64 at a time)'
            cand --timeout 'Wait this long in all; lookups not answered by then count as errors, and none answered is a failure'
            cand --type 'Record type to ask for'
            cand --subnet 'Ask on behalf of this client subnet (EDNS Client Subnet), like a public resolver does; proxies or fallback is decided per subnet (default: this host''s address decides)'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;dns;status'= {
            cand --metrics 'The server''s metrics endpoint: ADDR:PORT, or the URL `dns serve` prints (`http://ADDR:PORT/metrics`). Given here, a server that does not answer is an error; from `dns.metrics`, the status falls back to the ledger''s newest usage samples'
            cand --watch 'Show it again every SECONDS until interrupted'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;dns;zone'= {
            cand --format 'Output format: zonefile (RFC 1035 §5 master files, one `$ORIGIN` section per zone) or json (zones, their records with name, ttl, type and data, and the dynamic names)'
            cand --zone 'Only this zone (its apex, like cdn.example.net or www.shop.example)'
            cand --out 'Write one master file per zone into DIR, named APEX.zone (what NSD and Knot load), and print their names, instead of printing the zones'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;dns;help'= {
            cand serve 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate''s fraction of answers with proxy addresses (sales are re-read every 2 seconds)'
            cand query 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer''s fallback'
            cand status 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server''s metrics endpoint (else the ledger''s newest usage samples)'
            cand zone 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network''s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;dns;help;serve'= {
        }
        &'surplus;dns;help;query'= {
        }
        &'surplus;dns;help;status'= {
        }
        &'surplus;dns;help;zone'= {
        }
        &'surplus;dns;help;help'= {
        }
        &'surplus;monitor'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand export 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log''s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log''s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;monitor;export'= {
            cand --proxy 'Follow this proxy''s `log:` (its `follow`, else `path` without a trailing `*`, and its format) from the configuration (-c), and give its buyers'' hosts a series from the start'
            cand --log-format 'Log format: auto (told from the first lines logged), vhost_combined, combined_host, squid or json (default: the proxy''s `log.format`, else auto). Formats without the Host are refused'
            cand --json-fields 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD` (default: the proxy''s `log.fields`)'
            cand --listen 'Serve the metrics at http://ADDR/metrics; port 0 picks one. The bound address is printed on stdout (`listening on ADDR`)'
            cand --max-hosts 'Hosts counted on their own, besides the proxy''s buyers'' (Host headers come from clients); requests for more count under `host="_other"`'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;monitor;help'= {
            cand export 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log''s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log''s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;monitor;help;export'= {
        }
        &'surplus;monitor;help;help'= {
        }
        &'surplus;report'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand usage 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule'
            cand sales 'The operator''s view per slot or day: capacity sold by mechanism, used, revenue, unsold'
            cand capacity 'The operator''s view per slot or day: capacity offered, sold, used and unsold'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;report;usage'= {
            cand --buyer 'Only this buyer''s lines'
            cand --since 'Only sale time at or after this time (default: the first sale''s start)'
            cand --until 'Only sale time before this time (default: the last sale''s end)'
            cand --by 'One line per sale, or per sale and slot or day'
            cand --billing 'Bill every sale by this rule: reserved (rps × hours × price), actual (requests served × price / 3600) or p95 (95th percentile of 5-minute rates × hours × price, overage at `market.overage_price`). Default: each sale''s own, reserved for guaranteed, actual for best effort'
            cand --chart 'Also draw served vs purchased rps and the fraction over time, per buyer, to this SVG'
            cand --logs 'Recount served requests per buyer from these access logs (files or globs) over the same time, and show the difference to the ledger'
            cand --log-format 'Format of the --logs files (default: auto-detect; it needs the host)'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;report;sales'= {
            cand --since 'From this time (default: the first offer''s or sale''s start)'
            cand --until 'Before this time (default: the last offer''s or sale''s end)'
            cand --by 'One line per slot or per day'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;report;capacity'= {
            cand --since 'From this time (default: the first offer''s or sale''s start)'
            cand --until 'Before this time (default: the last offer''s or sale''s end)'
            cand --by 'One line per slot or per day'
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;report;help'= {
            cand usage 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule'
            cand sales 'The operator''s view per slot or day: capacity sold by mechanism, used, revenue, unsold'
            cand capacity 'The operator''s view per slot or day: capacity offered, sold, used and unsold'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;report;help;usage'= {
        }
        &'surplus;report;help;sales'= {
        }
        &'surplus;report;help;capacity'= {
        }
        &'surplus;report;help;help'= {
        }
        &'surplus;simulate'= {
            cand --scenario 'The scenario: demand, resolvers, TTL, monitor delay (default: examples/scenario.yaml, built in)'
            cand --seed 'Seed of the random world; the same seed gives the same run'
            cand --runs 'Run seeds N, N+1, … and show each run''s summary and their mean, not the intervals'
            cand --suite 'Run every scenario (*.yaml) in DIR over --runs seeds: one row per scenario with the controller, both oracles, the open loop and the worst 5 s interval'
            cand --chart 'Draw served, demand and purchased rps and f over time, as SVG'
            cand --format 'Output format (table: one row per minute; csv and json: every interval)'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand --open-loop 'Keep f at the buyer''s estimate during the sale, as weighted DNS would, to compare'
            cand --bound 'Also run the oracles on the same scenario and seeds and show them beside the controller and the open loop: the foresight oracle (knows every resolver and all demand to come, a bound to measure the controller against) and the causal one (knows the resolvers and only the present demand: what not knowing the future costs once answers are cached)'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;ledger'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand migrate 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version'
            cand check 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken'
            cand copy 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;ledger;migrate'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;ledger;check'= {
            cand --format 'Output format'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'surplus;ledger;copy'= {
            cand --to 'The target ledger: an SQLite file (created) or a PostgreSQL URL (an empty database)'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;ledger;help'= {
            cand migrate 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version'
            cand check 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken'
            cand copy 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;ledger;help;migrate'= {
        }
        &'surplus;ledger;help;check'= {
        }
        &'surplus;ledger;help;copy'= {
        }
        &'surplus;ledger;help;help'= {
        }
        &'surplus;generate'= {
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand completions 'Write a completion script for SHELL into DIR'
            cand man 'Write man pages (one per command) into DIR'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;generate;completions'= {
            cand --dir 'Directory to write into'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;generate;man'= {
            cand --dir 'Directory to write into'
            cand -c 'The configuration file'
            cand --config 'The configuration file'
            cand --db 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration'
            cand --now 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock'
            cand -v 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand --verbose 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'surplus;generate;help'= {
            cand completions 'Write a completion script for SHELL into DIR'
            cand man 'Write man pages (one per command) into DIR'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;generate;help;completions'= {
        }
        &'surplus;generate;help;man'= {
        }
        &'surplus;generate;help;help'= {
        }
        &'surplus;help'= {
            cand demo 'Run the whole loop on the bundled example, on loopback, in under a minute: measure, auction, serve DNS, control against a load model, and report usage'
            cand config 'Check the configuration'
            cand capacity 'Measure unused capacity from the proxies'' access logs or a Prometheus server''s history, and offer it for sale'
            cand market 'Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of every sale'
            cand dns 'The network''s authoritative DNS, answering a controlled fraction with proxies'
            cand monitor 'Follow a proxy host''s access logs for name servers on other hosts'
            cand report 'Reports: what each buyer bought, used and owes; the operator''s sales and capacity'
            cand simulate 'Run the controller on simulated time against caching resolvers, before going live'
            cand ledger 'The ledger itself: its schema, its invariants, and moving it to another database'
            cand generate 'Write shell completions or man pages (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'surplus;help;demo'= {
        }
        &'surplus;help;config'= {
            cand check 'Validate the configuration and print a summary; changes nothing'
        }
        &'surplus;help;config;check'= {
        }
        &'surplus;help;capacity'= {
            cand measure 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity'
            cand history 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot'
            cand offers 'List the offers saved in the ledger'
        }
        &'surplus;help;capacity;measure'= {
        }
        &'surplus;help;capacity;history'= {
        }
        &'surplus;help;capacity;offers'= {
        }
        &'surplus;help;market'= {
            cand auction 'Sealed-bid auctions of unsold capacity for a window'
            cand order 'The continuous market: place or cancel buy and sell orders, matched on arrival'
            cand book 'Depth of a window''s order book by price level'
            cand orders 'List orders, newest first'
            cand sales 'List sales, from auctions and trades'
        }
        &'surplus;help;market;auction'= {
            cand create 'Open an auction for unsold capacity in a window'
            cand list 'List auctions, newest first'
            cand show 'Show an auction, its bids, and once cleared what each won and pays'
            cand cancel 'Cancel an open auction, releasing the capacity it holds'
            cand bid 'Place a bid, or a file of bids (all or none)'
            cand run 'Clear an auction: allocate, price, record the sales, and list the winners'
        }
        &'surplus;help;market;auction;create'= {
        }
        &'surplus;help;market;auction;list'= {
        }
        &'surplus;help;market;auction;show'= {
        }
        &'surplus;help;market;auction;cancel'= {
        }
        &'surplus;help;market;auction;bid'= {
        }
        &'surplus;help;market;auction;run'= {
        }
        &'surplus;help;market;order'= {
            cand buy 'Bid for capacity as a buyer'
            cand sell 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds'
            cand cancel 'Cancel an open order'
        }
        &'surplus;help;market;order;buy'= {
        }
        &'surplus;help;market;order;sell'= {
        }
        &'surplus;help;market;order;cancel'= {
        }
        &'surplus;help;market;book'= {
        }
        &'surplus;help;market;orders'= {
        }
        &'surplus;help;market;sales'= {
        }
        &'surplus;help;dns'= {
            cand serve 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate''s fraction of answers with proxy addresses (sales are re-read every 2 seconds)'
            cand query 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer''s fallback'
            cand status 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server''s metrics endpoint (else the ledger''s newest usage samples)'
            cand zone 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network''s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot'
        }
        &'surplus;help;dns;serve'= {
        }
        &'surplus;help;dns;query'= {
        }
        &'surplus;help;dns;status'= {
        }
        &'surplus;help;dns;zone'= {
        }
        &'surplus;help;monitor'= {
            cand export 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log''s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log''s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503'
        }
        &'surplus;help;monitor;export'= {
        }
        &'surplus;help;report'= {
            cand usage 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule'
            cand sales 'The operator''s view per slot or day: capacity sold by mechanism, used, revenue, unsold'
            cand capacity 'The operator''s view per slot or day: capacity offered, sold, used and unsold'
        }
        &'surplus;help;report;usage'= {
        }
        &'surplus;help;report;sales'= {
        }
        &'surplus;help;report;capacity'= {
        }
        &'surplus;help;simulate'= {
        }
        &'surplus;help;ledger'= {
            cand migrate 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version'
            cand check 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken'
            cand copy 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are'
        }
        &'surplus;help;ledger;migrate'= {
        }
        &'surplus;help;ledger;check'= {
        }
        &'surplus;help;ledger;copy'= {
        }
        &'surplus;help;generate'= {
            cand completions 'Write a completion script for SHELL into DIR'
            cand man 'Write man pages (one per command) into DIR'
        }
        &'surplus;help;generate;completions'= {
        }
        &'surplus;help;generate;man'= {
        }
        &'surplus;help;help'= {
        }
    ]
    $completions[$command]
}
