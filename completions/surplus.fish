# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_surplus_global_optspecs
    string join \n c/config= db= v/verbose now= h/help V/version
end

function __fish_surplus_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_surplus_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_surplus_using_subcommand
    set -l cmd (__fish_surplus_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c surplus -n "__fish_surplus_needs_command" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_needs_command" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_needs_command" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_needs_command" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_needs_command" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_needs_command" -s V -l version -d 'Print version'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "demo" -d 'Run the whole loop on the bundled example, on loopback, in under a minute: measure, auction, serve DNS, control against a load model, and report usage'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "config" -d 'Check the configuration'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "capacity" -d 'Measure unused capacity from the proxies\' access logs or a Prometheus server\'s history, and offer it for sale'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "market" -d 'Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of every sale'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "dns" -d 'The network\'s authoritative DNS, answering a controlled fraction with proxies'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "monitor" -d 'Follow a proxy host\'s access logs for name servers on other hosts'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "report" -d 'Reports: what each buyer bought, used and owes; the operator\'s sales and capacity'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "simulate" -d 'Run the controller on simulated time against caching resolvers, before going live'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "ledger" -d 'The ledger itself: its schema, its invariants, and moving it to another database'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "generate" -d 'Write shell completions or man pages (for packagers)'
complete -c surplus -n "__fish_surplus_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand demo" -l keep -d 'Keep the demo\'s ledger (surplus.db), configuration (surplus.yaml) and logs in DIR, to explore with the other commands (default: a temporary directory, removed at the end)' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand demo" -l seconds -d 'How long the load runs against the DNS server' -r
complete -c surplus -n "__fish_surplus_using_subcommand demo" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand demo" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand demo" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand demo" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand demo" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Validate the configuration and print a summary; changes nothing'
complete -c surplus -n "__fish_surplus_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -l online -d 'Also run `monitor.prometheus_query` once against its server and show what it returned per buyer'
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the configuration and print a summary; changes nothing'
complete -c surplus -n "__fish_surplus_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -f -a "measure" -d 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -f -a "history" -d 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -f -a "offers" -d 'List the offers saved in the ledger'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and not __fish_seen_subcommand_from measure history offers help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l log-format -d 'Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default: the proxy\'s `log.format`, or auto-detect)' -r -f -a "auto\t''
combined\t''
common\t''
vhost_combined\t''
combined_host\t''
squid\t''
json\t''"
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l json-fields -d 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l since -l from -d 'Only requests at or after this time' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l until -d 'Only requests before this time' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l slot -d 'Slot length; must divide a day (default: `market.slot`, 1h)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l threads -d 'Worker threads for parsing, 1 to 1024 (default: the number of cores)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l prometheus -d 'Read the history from this Prometheus server instead of logs (default: `capacity.prometheus.url` when the configuration has one and no LOG is given)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l query -d 'PromQL giving requests per second: one series per proxy, or one for the whole fleet (default: `capacity.prometheus.query`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l bytes-query -d 'PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l proxy-label -d 'The label naming a series\' proxy, matched against each proxy\'s name or address (default: `capacity.prometheus.proxy_label`, `instance`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l step -d 'The step of the range queries; must divide the slot (default: the smallest the data holds)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l bearer-token-file -d 'A file holding a bearer token for the server' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l next -d 'Forecast this long from the next slot boundary' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l for -d 'Forecast this window instead, START/DURATION on the slot grid' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l quantile -d 'Quantile of a slot\'s history used as its forecast (default: `market.quantile`, 0.95)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l margin -d 'Share of capacity never sold (default: `market.margin`, 0.10)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l counter -d 'The queries give counters, which are differentiated (resets seen as `rate()` sees them)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l by-proxy -d 'Show each proxy\'s capacity, forecast and unused capacity too'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -l save -d 'Record the unused capacity as offers in the ledger (whole rps, rounded down)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from measure" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l log-format -d 'Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default: the proxy\'s `log.format`, or auto-detect)' -r -f -a "auto\t''
combined\t''
common\t''
vhost_combined\t''
combined_host\t''
squid\t''
json\t''"
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l json-fields -d 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l since -l from -d 'Only requests at or after this time' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l until -d 'Only requests before this time' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l slot -d 'Slot length; must divide a day (default: `market.slot`, 1h)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l threads -d 'Worker threads for parsing, 1 to 1024 (default: the number of cores)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l prometheus -d 'Read the history from this Prometheus server instead of logs (default: `capacity.prometheus.url` when the configuration has one and no LOG is given)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l query -d 'PromQL giving requests per second: one series per proxy, or one for the whole fleet (default: `capacity.prometheus.query`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l bytes-query -d 'PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l proxy-label -d 'The label naming a series\' proxy, matched against each proxy\'s name or address (default: `capacity.prometheus.proxy_label`, `instance`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l step -d 'The step of the range queries; must divide the slot (default: the smallest the data holds)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l bearer-token-file -d 'A file holding a bearer token for the server' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -l counter -d 'The queries give counters, which are differentiated (resets seen as `rate()` sees them)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -l window -d 'Only offers overlapping this window (START/DURATION)' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from offers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from help" -f -a "measure" -d 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from help" -f -a "history" -d 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from help" -f -a "offers" -d 'List the offers saved in the ledger'
complete -c surplus -n "__fish_surplus_using_subcommand capacity; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -f -a "auction" -d 'Sealed-bid auctions of unsold capacity for a window'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -f -a "order" -d 'The continuous market: place or cancel buy and sell orders, matched on arrival'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -f -a "book" -d 'Depth of a window\'s order book by price level'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -f -a "orders" -d 'List orders, newest first'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -f -a "sales" -d 'List sales, from auctions and trades'
complete -c surplus -n "__fish_surplus_using_subcommand market; and not __fish_seen_subcommand_from auction order book orders sales help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "create" -d 'Open an auction for unsold capacity in a window'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "list" -d 'List auctions, newest first'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "show" -d 'Show an auction, its bids, and once cleared what each won and pays'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "cancel" -d 'Cancel an open auction, releasing the capacity it holds'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "bid" -d 'Place a bid, or a file of bids (all or none)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "run" -d 'Clear an auction: allocate, price, record the sales, and list the winners'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from auction" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -l file -d 'Place the orders of a CSV file in turn (header `side,buyer,window,rps,limit[,tif]`; an empty buyer on a sell is the operator). Every line is checked before the first is placed' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -f -a "buy" -d 'Bid for capacity as a buyer'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -f -a "sell" -d 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -f -a "cancel" -d 'Cancel an open order'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from order" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -l window -d 'The window' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from book" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -l open -d 'Only open orders'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from orders" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -l buyer -d 'Only this buyer\'s' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -l window -d 'Only sales overlapping this window' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from sales" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from help" -f -a "auction" -d 'Sealed-bid auctions of unsold capacity for a window'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from help" -f -a "order" -d 'The continuous market: place or cancel buy and sell orders, matched on arrival'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from help" -f -a "book" -d 'Depth of a window\'s order book by price level'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from help" -f -a "orders" -d 'List orders, newest first'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from help" -f -a "sales" -d 'List sales, from auctions and trades'
complete -c surplus -n "__fish_surplus_using_subcommand market; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -f -a "serve" -d 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate\'s fraction of answers with proxy addresses (sales are re-read every 2 seconds)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -f -a "query" -d 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer\'s fallback'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -f -a "status" -d 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server\'s metrics endpoint (else the ledger\'s newest usage samples)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -f -a "zone" -d 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network\'s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies\' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and not __fish_seen_subcommand_from serve query status zone help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -l listen -d 'Address to listen on, UDP and TCP; repeatable; port 0 picks one (default: `dns.listen`, else each name server address on port 53). The bound addresses are printed on stdout' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -l metrics -d 'Serve Prometheus metrics at http://ADDR/metrics (default: `dns.metrics`; port 0 picks one)' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -l threads -d 'UDP serving threads per address, 1 to 1024 (default: the number of cores)' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -l node -d 'This node\'s name among the servers sharing the ledger, and its NSID unless `dns.nsid` is set: printable ASCII, 1 to 255 bytes (default: `dns.node`, else the host name). Lets several nodes on one host share one config file' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l server -d 'The server, ADDR or ADDR:PORT, an IP address (default: the first `dns.listen` address, else the first name server\'s address, port 53)' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l count -d 'How many lookups to send (64 at a time)' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l timeout -d 'Wait this long in all; lookups not answered by then count as errors, and none answered is a failure' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l type -d 'Record type to ask for' -r -f -a "a\t''
aaaa\t''"
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l subnet -d 'Ask on behalf of this client subnet (EDNS Client Subnet), like a public resolver does; proxies or fallback is decided per subnet (default: this host\'s address decides)' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -l metrics -d 'The server\'s metrics endpoint: ADDR:PORT, or the URL `dns serve` prints (`http://ADDR:PORT/metrics`). Given here, a server that does not answer is an error; from `dns.metrics`, the status falls back to the ledger\'s newest usage samples' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -l watch -d 'Show it again every SECONDS until interrupted' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -l format -d 'Output format: zonefile (RFC 1035 §5 master files, one `$ORIGIN` section per zone) or json (zones, their records with name, ttl, type and data, and the dynamic names)' -r -f -a "zonefile\t'RFC 1035 §5 master files'
json\t'One JSON document'"
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -l zone -d 'Only this zone (its apex, like cdn.example.net or www.shop.example)' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -l out -d 'Write one master file per zone into DIR, named APEX.zone (what NSD and Knot load), and print their names, instead of printing the zones' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from zone" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate\'s fraction of answers with proxy addresses (sales are re-read every 2 seconds)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "query" -d 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer\'s fallback'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "status" -d 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server\'s metrics endpoint (else the ledger\'s newest usage samples)'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "zone" -d 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network\'s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies\' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot'
complete -c surplus -n "__fish_surplus_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -f -a "export" -d 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log\'s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log\'s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and not __fish_seen_subcommand_from export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l proxy -d 'Follow this proxy\'s `log:` (its `follow`, else `path` without a trailing `*`, and its format) from the configuration (-c), and give its buyers\' hosts a series from the start' -r
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l log-format -d 'Log format: auto (told from the first lines logged), vhost_combined, combined_host, squid or json (default: the proxy\'s `log.format`, else auto). Formats without the Host are refused' -r -f -a "auto\t''
combined\t''
common\t''
vhost_combined\t''
combined_host\t''
squid\t''
json\t''"
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l json-fields -d 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD` (default: the proxy\'s `log.fields`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l listen -d 'Serve the metrics at http://ADDR/metrics; port 0 picks one. The bound address is printed on stdout (`listening on ADDR`)' -r
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l max-hosts -d 'Hosts counted on their own, besides the proxy\'s buyers\' (Host headers come from clients); requests for more count under `host="_other"`' -r
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "export" -d 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log\'s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log\'s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503'
complete -c surplus -n "__fish_surplus_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -f -a "usage" -d 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule'
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -f -a "sales" -d 'The operator\'s view per slot or day: capacity sold by mechanism, used, revenue, unsold'
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -f -a "capacity" -d 'The operator\'s view per slot or day: capacity offered, sold, used and unsold'
complete -c surplus -n "__fish_surplus_using_subcommand report; and not __fish_seen_subcommand_from usage sales capacity help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l buyer -d 'Only this buyer\'s lines' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l since -d 'Only sale time at or after this time (default: the first sale\'s start)' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l until -d 'Only sale time before this time (default: the last sale\'s end)' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l by -d 'One line per sale, or per sale and slot or day' -r -f -a "sale\t'One line per sale'
slot\t'One line per sale and slot (`market.slot`)'
day\t'One line per sale and UTC day'"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l billing -d 'Bill every sale by this rule: reserved (rps × hours × price), actual (requests served × price / 3600) or p95 (95th percentile of 5-minute rates × hours × price, overage at `market.overage_price`). Default: each sale\'s own, reserved for guaranteed, actual for best effort' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l chart -d 'Also draw served vs purchased rps and the fraction over time, per buyer, to this SVG' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l logs -d 'Recount served requests per buyer from these access logs (files or globs) over the same time, and show the difference to the ledger' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l log-format -d 'Format of the --logs files (default: auto-detect; it needs the host)' -r -f -a "auto\t''
vhost_combined\t''
combined_host\t''
squid\t''
json\t''"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -l since -d 'From this time (default: the first offer\'s or sale\'s start)' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -l until -d 'Before this time (default: the last offer\'s or sale\'s end)' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -l by -d 'One line per slot or per day' -r -f -a "slot\t'One line per slot (`market.slot`)'
day\t'One line per UTC day'"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from sales" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -l since -d 'From this time (default: the first offer\'s or sale\'s start)' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -l until -d 'Before this time (default: the last offer\'s or sale\'s end)' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -l by -d 'One line per slot or per day' -r -f -a "slot\t'One line per slot (`market.slot`)'
day\t'One line per UTC day'"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from capacity" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "usage" -d 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "sales" -d 'The operator\'s view per slot or day: capacity sold by mechanism, used, revenue, unsold'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "capacity" -d 'The operator\'s view per slot or day: capacity offered, sold, used and unsold'
complete -c surplus -n "__fish_surplus_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l scenario -d 'The scenario: demand, resolvers, TTL, monitor delay (default: examples/scenario.yaml, built in)' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l seed -d 'Seed of the random world; the same seed gives the same run' -r
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l runs -d 'Run seeds N, N+1, … and show each run\'s summary and their mean, not the intervals' -r
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l suite -d 'Run every scenario (*.yaml) in DIR over --runs seeds: one row per scenario with the controller, both oracles, the open loop and the worst 5 s interval' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l chart -d 'Draw served, demand and purchased rps and f over time, as SVG' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l format -d 'Output format (table: one row per minute; csv and json: every interval)' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l open-loop -d 'Keep f at the buyer\'s estimate during the sale, as weighted DNS would, to compare'
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -l bound -d 'Also run the oracles on the same scenario and seeds and show them beside the controller and the open loop: the foresight oracle (knows every resolver and all demand to come, a bound to measure the controller against) and the causal one (knows the resolvers and only the present demand: what not knowing the future costs once answers are cached)'
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand simulate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -f -a "migrate" -d 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -f -a "check" -d 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -f -a "copy" -d 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and not __fish_seen_subcommand_from migrate check copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from migrate" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from migrate" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from migrate" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from check" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON document, stable field names'
csv\t'Comma-separated values with a header row'"
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from check" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from check" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from check" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l to -d 'The target ledger: an SQLite file (created) or a PostgreSQL URL (an empty database)' -r
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "check" -d 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are'
complete -c surplus -n "__fish_surplus_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Write a completion script for SHELL into DIR'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Write man pages (one per command) into DIR'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from completions" -l dir -d 'Directory to write into' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from completions" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from completions" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from completions" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from man" -l dir -d 'Directory to write into' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from man" -s c -l config -d 'The configuration file' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from man" -l db -d 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration' -r -F
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from man" -l now -d 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock' -r
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Write a completion script for SHELL into DIR'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write man pages (one per command) into DIR'
complete -c surplus -n "__fish_surplus_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "demo" -d 'Run the whole loop on the bundled example, on loopback, in under a minute: measure, auction, serve DNS, control against a load model, and report usage'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "config" -d 'Check the configuration'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "capacity" -d 'Measure unused capacity from the proxies\' access logs or a Prometheus server\'s history, and offer it for sale'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "market" -d 'Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of every sale'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "dns" -d 'The network\'s authoritative DNS, answering a controlled fraction with proxies'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "monitor" -d 'Follow a proxy host\'s access logs for name servers on other hosts'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "report" -d 'Reports: what each buyer bought, used and owes; the operator\'s sales and capacity'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "simulate" -d 'Run the controller on simulated time against caching resolvers, before going live'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "ledger" -d 'The ledger itself: its schema, its invariants, and moving it to another database'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "generate" -d 'Write shell completions or man pages (for packagers)'
complete -c surplus -n "__fish_surplus_using_subcommand help; and not __fish_seen_subcommand_from demo config capacity market dns monitor report simulate ledger generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the configuration and print a summary; changes nothing'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from capacity" -f -a "measure" -d 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from capacity" -f -a "history" -d 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from capacity" -f -a "offers" -d 'List the offers saved in the ledger'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from market" -f -a "auction" -d 'Sealed-bid auctions of unsold capacity for a window'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from market" -f -a "order" -d 'The continuous market: place or cancel buy and sell orders, matched on arrival'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from market" -f -a "book" -d 'Depth of a window\'s order book by price level'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from market" -f -a "orders" -d 'List orders, newest first'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from market" -f -a "sales" -d 'List sales, from auctions and trades'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from dns" -f -a "serve" -d 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate\'s fraction of answers with proxy addresses (sales are re-read every 2 seconds)'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from dns" -f -a "query" -d 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer\'s fallback'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from dns" -f -a "status" -d 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server\'s metrics endpoint (else the ledger\'s newest usage samples)'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from dns" -f -a "zone" -d 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network\'s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies\' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from monitor" -f -a "export" -d 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log\'s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log\'s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "usage" -d 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "sales" -d 'The operator\'s view per slot or day: capacity sold by mechanism, used, revenue, unsold'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "capacity" -d 'The operator\'s view per slot or day: capacity offered, sold, used and unsold'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from ledger" -f -a "migrate" -d 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from ledger" -f -a "check" -d 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from ledger" -f -a "copy" -d 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Write a completion script for SHELL into DIR'
complete -c surplus -n "__fish_surplus_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Write man pages (one per command) into DIR'
