
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'surplus' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'surplus'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'surplus' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole loop on the bundled example, on loopback, in under a minute: measure, auction, serve DNS, control against a load model, and report usage')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check the configuration')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'Measure unused capacity from the proxies'' access logs or a Prometheus server''s history, and offer it for sale')
            [CompletionResult]::new('market', 'market', [CompletionResultType]::ParameterValue, 'Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of every sale')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'The network''s authoritative DNS, answering a controlled fraction with proxies')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Follow a proxy host''s access logs for name servers on other hosts')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Reports: what each buyer bought, used and owes; the operator''s sales and capacity')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Run the controller on simulated time against caching resolvers, before going live')
            [CompletionResult]::new('ledger', 'ledger', [CompletionResultType]::ParameterValue, 'The ledger itself: its schema, its invariants, and moving it to another database')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;demo' {
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the demo''s ledger (surplus.db), configuration (surplus.yaml) and logs in DIR, to explore with the other commands (default: a temporary directory, removed at the end)')
            [CompletionResult]::new('--seconds', '--seconds', [CompletionResultType]::ParameterName, 'How long the load runs against the DNS server')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;config' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the configuration and print a summary; changes nothing')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;config;check' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--online', '--online', [CompletionResultType]::ParameterName, 'Also run `monitor.prometheus_query` once against its server and show what it returned per buyer')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;config;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the configuration and print a summary; changes nothing')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;config;help;check' {
            break
        }
        'surplus;config;help;help' {
            break
        }
        'surplus;capacity' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('measure', 'measure', [CompletionResultType]::ParameterValue, 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot')
            [CompletionResult]::new('offers', 'offers', [CompletionResultType]::ParameterValue, 'List the offers saved in the ledger')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;capacity;measure' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default: the proxy''s `log.format`, or auto-detect)')
            [CompletionResult]::new('--json-fields', '--json-fields', [CompletionResultType]::ParameterName, 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests at or after this time')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Only requests at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only requests before this time')
            [CompletionResult]::new('--slot', '--slot', [CompletionResultType]::ParameterName, 'Slot length; must divide a day (default: `market.slot`, 1h)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads for parsing, 1 to 1024 (default: the number of cores)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read the history from this Prometheus server instead of logs (default: `capacity.prometheus.url` when the configuration has one and no LOG is given)')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'PromQL giving requests per second: one series per proxy, or one for the whole fleet (default: `capacity.prometheus.query`)')
            [CompletionResult]::new('--bytes-query', '--bytes-query', [CompletionResultType]::ParameterName, 'PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`)')
            [CompletionResult]::new('--proxy-label', '--proxy-label', [CompletionResultType]::ParameterName, 'The label naming a series'' proxy, matched against each proxy''s name or address (default: `capacity.prometheus.proxy_label`, `instance`)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'The step of the range queries; must divide the slot (default: the smallest the data holds)')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'A file holding a bearer token for the server')
            [CompletionResult]::new('--next', '--next', [CompletionResultType]::ParameterName, 'Forecast this long from the next slot boundary')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Forecast this window instead, START/DURATION on the slot grid')
            [CompletionResult]::new('--quantile', '--quantile', [CompletionResultType]::ParameterName, 'Quantile of a slot''s history used as its forecast (default: `market.quantile`, 0.95)')
            [CompletionResult]::new('--margin', '--margin', [CompletionResultType]::ParameterName, 'Share of capacity never sold (default: `market.margin`, 0.10)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--counter', '--counter', [CompletionResultType]::ParameterName, 'The queries give counters, which are differentiated (resets seen as `rate()` sees them)')
            [CompletionResult]::new('--by-proxy', '--by-proxy', [CompletionResultType]::ParameterName, 'Show each proxy''s capacity, forecast and unused capacity too')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Record the unused capacity as offers in the ledger (whole rps, rounded down)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;capacity;history' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default: the proxy''s `log.format`, or auto-detect)')
            [CompletionResult]::new('--json-fields', '--json-fields', [CompletionResultType]::ParameterName, 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests at or after this time')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Only requests at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only requests before this time')
            [CompletionResult]::new('--slot', '--slot', [CompletionResultType]::ParameterName, 'Slot length; must divide a day (default: `market.slot`, 1h)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads for parsing, 1 to 1024 (default: the number of cores)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read the history from this Prometheus server instead of logs (default: `capacity.prometheus.url` when the configuration has one and no LOG is given)')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'PromQL giving requests per second: one series per proxy, or one for the whole fleet (default: `capacity.prometheus.query`)')
            [CompletionResult]::new('--bytes-query', '--bytes-query', [CompletionResultType]::ParameterName, 'PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`)')
            [CompletionResult]::new('--proxy-label', '--proxy-label', [CompletionResultType]::ParameterName, 'The label naming a series'' proxy, matched against each proxy''s name or address (default: `capacity.prometheus.proxy_label`, `instance`)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'The step of the range queries; must divide the slot (default: the smallest the data holds)')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'A file holding a bearer token for the server')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--counter', '--counter', [CompletionResultType]::ParameterName, 'The queries give counters, which are differentiated (resets seen as `rate()` sees them)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;capacity;offers' {
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Only offers overlapping this window (START/DURATION)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;capacity;help' {
            [CompletionResult]::new('measure', 'measure', [CompletionResultType]::ParameterValue, 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot')
            [CompletionResult]::new('offers', 'offers', [CompletionResultType]::ParameterValue, 'List the offers saved in the ledger')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;capacity;help;measure' {
            break
        }
        'surplus;capacity;help;history' {
            break
        }
        'surplus;capacity;help;offers' {
            break
        }
        'surplus;capacity;help;help' {
            break
        }
        'surplus;market' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('auction', 'auction', [CompletionResultType]::ParameterValue, 'Sealed-bid auctions of unsold capacity for a window')
            [CompletionResult]::new('order', 'order', [CompletionResultType]::ParameterValue, 'The continuous market: place or cancel buy and sell orders, matched on arrival')
            [CompletionResult]::new('book', 'book', [CompletionResultType]::ParameterValue, 'Depth of a window''s order book by price level')
            [CompletionResult]::new('orders', 'orders', [CompletionResultType]::ParameterValue, 'List orders, newest first')
            [CompletionResult]::new('sales', 'sales', [CompletionResultType]::ParameterValue, 'List sales, from auctions and trades')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;market;auction' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Open an auction for unsold capacity in a window')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List auctions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an auction, its bids, and once cleared what each won and pays')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open auction, releasing the capacity it holds')
            [CompletionResult]::new('bid', 'bid', [CompletionResultType]::ParameterValue, 'Place a bid, or a file of bids (all or none)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Clear an auction: allocate, price, record the sales, and list the winners')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;market;auction;create' {
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'The window sold, START/DURATION on the slot grid, at most 31 days')
            [CompletionResult]::new('--rps', '--rps', [CompletionResultType]::ParameterName, 'Capacity sold, up to 10000000 rps (default: all that is unsold in every slot of the window; required with --best-effort, where it is the total weight of the shares sold)')
            [CompletionResult]::new('--rule', '--rule', [CompletionResultType]::ParameterName, 'How winners pay')
            [CompletionResult]::new('--reserve', '--reserve', [CompletionResultType]::ParameterName, 'Lowest price per rps-hour, at most 1000 (default: `market.reserve_price`)')
            [CompletionResult]::new('--closes', '--closes', [CompletionResultType]::ParameterName, 'No bids from this time on')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--best-effort', '--best-effort', [CompletionResultType]::ParameterName, 'Sell best effort: no capacity is reserved or taken from the offers; while the window runs, winners share whatever the healthy proxies have free, in proportion to the rps each won, and are charged for what they use')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;market;auction;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only auctions with this status')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;auction;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;auction;cancel' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;auction;bid' {
            [CompletionResult]::new('--buyer', '--buyer', [CompletionResultType]::ParameterName, 'The buyer bidding (a name from the configuration)')
            [CompletionResult]::new('--rps', '--rps', [CompletionResultType]::ParameterName, 'Capacity wanted, 1 to 10000000 rps')
            [CompletionResult]::new('--price', '--price', [CompletionResultType]::ParameterName, 'Price per rps-hour, above 0 and at most 1000')
            [CompletionResult]::new('--min-rps', '--min-rps', [CompletionResultType]::ParameterName, 'Smallest partial fill accepted (default 0: any)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Bids from a CSV (header `buyer,rps,price[,min_rps]`) or YAML (a list of those keys) file')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;market;auction;run' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the result, write nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;auction;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Open an auction for unsold capacity in a window')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List auctions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an auction, its bids, and once cleared what each won and pays')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open auction, releasing the capacity it holds')
            [CompletionResult]::new('bid', 'bid', [CompletionResultType]::ParameterValue, 'Place a bid, or a file of bids (all or none)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Clear an auction: allocate, price, record the sales, and list the winners')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;market;auction;help;create' {
            break
        }
        'surplus;market;auction;help;list' {
            break
        }
        'surplus;market;auction;help;show' {
            break
        }
        'surplus;market;auction;help;cancel' {
            break
        }
        'surplus;market;auction;help;bid' {
            break
        }
        'surplus;market;auction;help;run' {
            break
        }
        'surplus;market;auction;help;help' {
            break
        }
        'surplus;market;order' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Place the orders of a CSV file in turn (header `side,buyer,window,rps,limit[,tif]`; an empty buyer on a sell is the operator). Every line is checked before the first is placed')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('buy', 'buy', [CompletionResultType]::ParameterValue, 'Bid for capacity as a buyer')
            [CompletionResult]::new('sell', 'sell', [CompletionResultType]::ParameterValue, 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;market;order;buy' {
            [CompletionResult]::new('--buyer', '--buyer', [CompletionResultType]::ParameterName, 'The buyer (a name from the configuration)')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'The window traded, START/DURATION on the slot grid, at most 31 days')
            [CompletionResult]::new('--rps', '--rps', [CompletionResultType]::ParameterName, 'Capacity, 1 to 10000000 rps')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Limit price per rps-hour, above 0 and at most 1000: the most a buy pays, the least a sell takes')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--ioc', '--ioc', [CompletionResultType]::ParameterName, 'Immediate or cancel: what does not trade at once is cancelled (default: it rests)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;market;order;sell' {
            [CompletionResult]::new('--buyer', '--buyer', [CompletionResultType]::ParameterName, 'A buyer reselling what it holds (default: the operator, selling offered capacity)')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'The window traded, START/DURATION on the slot grid, at most 31 days')
            [CompletionResult]::new('--rps', '--rps', [CompletionResultType]::ParameterName, 'Capacity, 1 to 10000000 rps')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Limit price per rps-hour, above 0 and at most 1000: the most a buy pays, the least a sell takes')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--ioc', '--ioc', [CompletionResultType]::ParameterName, 'Immediate or cancel: what does not trade at once is cancelled (default: it rests)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;market;order;cancel' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;market;order;help' {
            [CompletionResult]::new('buy', 'buy', [CompletionResultType]::ParameterValue, 'Bid for capacity as a buyer')
            [CompletionResult]::new('sell', 'sell', [CompletionResultType]::ParameterValue, 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;market;order;help;buy' {
            break
        }
        'surplus;market;order;help;sell' {
            break
        }
        'surplus;market;order;help;cancel' {
            break
        }
        'surplus;market;order;help;help' {
            break
        }
        'surplus;market;book' {
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'The window')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;orders' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Only open orders')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;sales' {
            [CompletionResult]::new('--buyer', '--buyer', [CompletionResultType]::ParameterName, 'Only this buyer''s')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Only sales overlapping this window')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;market;help' {
            [CompletionResult]::new('auction', 'auction', [CompletionResultType]::ParameterValue, 'Sealed-bid auctions of unsold capacity for a window')
            [CompletionResult]::new('order', 'order', [CompletionResultType]::ParameterValue, 'The continuous market: place or cancel buy and sell orders, matched on arrival')
            [CompletionResult]::new('book', 'book', [CompletionResultType]::ParameterValue, 'Depth of a window''s order book by price level')
            [CompletionResult]::new('orders', 'orders', [CompletionResultType]::ParameterValue, 'List orders, newest first')
            [CompletionResult]::new('sales', 'sales', [CompletionResultType]::ParameterValue, 'List sales, from auctions and trades')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;market;help;auction' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Open an auction for unsold capacity in a window')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List auctions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an auction, its bids, and once cleared what each won and pays')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open auction, releasing the capacity it holds')
            [CompletionResult]::new('bid', 'bid', [CompletionResultType]::ParameterValue, 'Place a bid, or a file of bids (all or none)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Clear an auction: allocate, price, record the sales, and list the winners')
            break
        }
        'surplus;market;help;auction;create' {
            break
        }
        'surplus;market;help;auction;list' {
            break
        }
        'surplus;market;help;auction;show' {
            break
        }
        'surplus;market;help;auction;cancel' {
            break
        }
        'surplus;market;help;auction;bid' {
            break
        }
        'surplus;market;help;auction;run' {
            break
        }
        'surplus;market;help;order' {
            [CompletionResult]::new('buy', 'buy', [CompletionResultType]::ParameterValue, 'Bid for capacity as a buyer')
            [CompletionResult]::new('sell', 'sell', [CompletionResultType]::ParameterValue, 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open order')
            break
        }
        'surplus;market;help;order;buy' {
            break
        }
        'surplus;market;help;order;sell' {
            break
        }
        'surplus;market;help;order;cancel' {
            break
        }
        'surplus;market;help;book' {
            break
        }
        'surplus;market;help;orders' {
            break
        }
        'surplus;market;help;sales' {
            break
        }
        'surplus;market;help;help' {
            break
        }
        'surplus;dns' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate''s fraction of answers with proxy addresses (sales are re-read every 2 seconds)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer''s fallback')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server''s metrics endpoint (else the ledger''s newest usage samples)')
            [CompletionResult]::new('zone', 'zone', [CompletionResultType]::ParameterValue, 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network''s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;dns;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, UDP and TCP; repeatable; port 0 picks one (default: `dns.listen`, else each name server address on port 53). The bound addresses are printed on stdout')
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics at http://ADDR/metrics (default: `dns.metrics`; port 0 picks one)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'UDP serving threads per address, 1 to 1024 (default: the number of cores)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'This node''s name among the servers sharing the ledger, and its NSID unless `dns.nsid` is set: printable ASCII, 1 to 255 bytes (default: `dns.node`, else the host name). Lets several nodes on one host share one config file')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;dns;query' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The server, ADDR or ADDR:PORT, an IP address (default: the first `dns.listen` address, else the first name server''s address, port 53)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many lookups to send (64 at a time)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Wait this long in all; lookups not answered by then count as errors, and none answered is a failure')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Record type to ask for')
            [CompletionResult]::new('--subnet', '--subnet', [CompletionResultType]::ParameterName, 'Ask on behalf of this client subnet (EDNS Client Subnet), like a public resolver does; proxies or fallback is decided per subnet (default: this host''s address decides)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;dns;status' {
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'The server''s metrics endpoint: ADDR:PORT, or the URL `dns serve` prints (`http://ADDR:PORT/metrics`). Given here, a server that does not answer is an error; from `dns.metrics`, the status falls back to the ledger''s newest usage samples')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Show it again every SECONDS until interrupted')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;dns;zone' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: zonefile (RFC 1035 §5 master files, one `$ORIGIN` section per zone) or json (zones, their records with name, ttl, type and data, and the dynamic names)')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Only this zone (its apex, like cdn.example.net or www.shop.example)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write one master file per zone into DIR, named APEX.zone (what NSD and Knot load), and print their names, instead of printing the zones')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;dns;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate''s fraction of answers with proxy addresses (sales are re-read every 2 seconds)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer''s fallback')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server''s metrics endpoint (else the ledger''s newest usage samples)')
            [CompletionResult]::new('zone', 'zone', [CompletionResultType]::ParameterValue, 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network''s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;dns;help;serve' {
            break
        }
        'surplus;dns;help;query' {
            break
        }
        'surplus;dns;help;status' {
            break
        }
        'surplus;dns;help;zone' {
            break
        }
        'surplus;dns;help;help' {
            break
        }
        'surplus;monitor' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log''s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log''s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;monitor;export' {
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Follow this proxy''s `log:` (its `follow`, else `path` without a trailing `*`, and its format) from the configuration (-c), and give its buyers'' hosts a series from the start')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format: auto (told from the first lines logged), vhost_combined, combined_host, squid or json (default: the proxy''s `log.format`, else auto). Formats without the Host are refused')
            [CompletionResult]::new('--json-fields', '--json-fields', [CompletionResultType]::ParameterName, 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD` (default: the proxy''s `log.fields`)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve the metrics at http://ADDR/metrics; port 0 picks one. The bound address is printed on stdout (`listening on ADDR`)')
            [CompletionResult]::new('--max-hosts', '--max-hosts', [CompletionResultType]::ParameterName, 'Hosts counted on their own, besides the proxy''s buyers'' (Host headers come from clients); requests for more count under `host="_other"`')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;monitor;help' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log''s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log''s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;monitor;help;export' {
            break
        }
        'surplus;monitor;help;help' {
            break
        }
        'surplus;report' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule')
            [CompletionResult]::new('sales', 'sales', [CompletionResultType]::ParameterValue, 'The operator''s view per slot or day: capacity sold by mechanism, used, revenue, unsold')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'The operator''s view per slot or day: capacity offered, sold, used and unsold')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;report;usage' {
            [CompletionResult]::new('--buyer', '--buyer', [CompletionResultType]::ParameterName, 'Only this buyer''s lines')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only sale time at or after this time (default: the first sale''s start)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only sale time before this time (default: the last sale''s end)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One line per sale, or per sale and slot or day')
            [CompletionResult]::new('--billing', '--billing', [CompletionResultType]::ParameterName, 'Bill every sale by this rule: reserved (rps × hours × price), actual (requests served × price / 3600) or p95 (95th percentile of 5-minute rates × hours × price, overage at `market.overage_price`). Default: each sale''s own, reserved for guaranteed, actual for best effort')
            [CompletionResult]::new('--chart', '--chart', [CompletionResultType]::ParameterName, 'Also draw served vs purchased rps and the fraction over time, per buyer, to this SVG')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Recount served requests per buyer from these access logs (files or globs) over the same time, and show the difference to the ledger')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Format of the --logs files (default: auto-detect; it needs the host)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;report;sales' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'From this time (default: the first offer''s or sale''s start)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Before this time (default: the last offer''s or sale''s end)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One line per slot or per day')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;report;capacity' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'From this time (default: the first offer''s or sale''s start)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Before this time (default: the last offer''s or sale''s end)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One line per slot or per day')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;report;help' {
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule')
            [CompletionResult]::new('sales', 'sales', [CompletionResultType]::ParameterValue, 'The operator''s view per slot or day: capacity sold by mechanism, used, revenue, unsold')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'The operator''s view per slot or day: capacity offered, sold, used and unsold')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;report;help;usage' {
            break
        }
        'surplus;report;help;sales' {
            break
        }
        'surplus;report;help;capacity' {
            break
        }
        'surplus;report;help;help' {
            break
        }
        'surplus;simulate' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'The scenario: demand, resolvers, TTL, monitor delay (default: examples/scenario.yaml, built in)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the random world; the same seed gives the same run')
            [CompletionResult]::new('--runs', '--runs', [CompletionResultType]::ParameterName, 'Run seeds N, N+1, … and show each run''s summary and their mean, not the intervals')
            [CompletionResult]::new('--suite', '--suite', [CompletionResultType]::ParameterName, 'Run every scenario (*.yaml) in DIR over --runs seeds: one row per scenario with the controller, both oracles, the open loop and the worst 5 s interval')
            [CompletionResult]::new('--chart', '--chart', [CompletionResultType]::ParameterName, 'Draw served, demand and purchased rps and f over time, as SVG')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (table: one row per minute; csv and json: every interval)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('--open-loop', '--open-loop', [CompletionResultType]::ParameterName, 'Keep f at the buyer''s estimate during the sale, as weighted DNS would, to compare')
            [CompletionResult]::new('--bound', '--bound', [CompletionResultType]::ParameterName, 'Also run the oracles on the same scenario and seeds and show them beside the controller and the open loop: the foresight oracle (knows every resolver and all demand to come, a bound to measure the controller against) and the causal one (knows the resolvers and only the present demand: what not knowing the future costs once answers are cached)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;ledger' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;ledger;migrate' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;ledger;check' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;ledger;copy' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The target ledger: an SQLite file (created) or a PostgreSQL URL (an empty database)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;ledger;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;ledger;help;migrate' {
            break
        }
        'surplus;ledger;help;check' {
            break
        }
        'surplus;ledger;help;copy' {
            break
        }
        'surplus;ledger;help;help' {
            break
        }
        'surplus;generate' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Write a completion script for SHELL into DIR')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages (one per command) into DIR')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;generate;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory to write into')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;generate;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory to write into')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides `database:` in the configuration')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses windows that are over by then, `capacity measure` forecasts from it and reports take it as the present. Not for `dns serve` or `demo`, which run on the real clock')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;generate;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Write a completion script for SHELL into DIR')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages (one per command) into DIR')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;generate;help;completions' {
            break
        }
        'surplus;generate;help;man' {
            break
        }
        'surplus;generate;help;help' {
            break
        }
        'surplus;help' {
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole loop on the bundled example, on loopback, in under a minute: measure, auction, serve DNS, control against a load model, and report usage')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check the configuration')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'Measure unused capacity from the proxies'' access logs or a Prometheus server''s history, and offer it for sale')
            [CompletionResult]::new('market', 'market', [CompletionResultType]::ParameterValue, 'Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of every sale')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'The network''s authoritative DNS, answering a controlled fraction with proxies')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Follow a proxy host''s access logs for name servers on other hosts')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Reports: what each buyer bought, used and owes; the operator''s sales and capacity')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Run the controller on simulated time against caching resolvers, before going live')
            [CompletionResult]::new('ledger', 'ledger', [CompletionResultType]::ParameterValue, 'The ledger itself: its schema, its invariants, and moving it to another database')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;help;demo' {
            break
        }
        'surplus;help;config' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the configuration and print a summary; changes nothing')
            break
        }
        'surplus;help;config;check' {
            break
        }
        'surplus;help;capacity' {
            [CompletionResult]::new('measure', 'measure', [CompletionResultType]::ParameterValue, 'Forecast load per future slot from the access logs (or Prometheus) and show the unused capacity')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot')
            [CompletionResult]::new('offers', 'offers', [CompletionResultType]::ParameterValue, 'List the offers saved in the ledger')
            break
        }
        'surplus;help;capacity;measure' {
            break
        }
        'surplus;help;capacity;history' {
            break
        }
        'surplus;help;capacity;offers' {
            break
        }
        'surplus;help;market' {
            [CompletionResult]::new('auction', 'auction', [CompletionResultType]::ParameterValue, 'Sealed-bid auctions of unsold capacity for a window')
            [CompletionResult]::new('order', 'order', [CompletionResultType]::ParameterValue, 'The continuous market: place or cancel buy and sell orders, matched on arrival')
            [CompletionResult]::new('book', 'book', [CompletionResultType]::ParameterValue, 'Depth of a window''s order book by price level')
            [CompletionResult]::new('orders', 'orders', [CompletionResultType]::ParameterValue, 'List orders, newest first')
            [CompletionResult]::new('sales', 'sales', [CompletionResultType]::ParameterValue, 'List sales, from auctions and trades')
            break
        }
        'surplus;help;market;auction' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Open an auction for unsold capacity in a window')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List auctions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an auction, its bids, and once cleared what each won and pays')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open auction, releasing the capacity it holds')
            [CompletionResult]::new('bid', 'bid', [CompletionResultType]::ParameterValue, 'Place a bid, or a file of bids (all or none)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Clear an auction: allocate, price, record the sales, and list the winners')
            break
        }
        'surplus;help;market;auction;create' {
            break
        }
        'surplus;help;market;auction;list' {
            break
        }
        'surplus;help;market;auction;show' {
            break
        }
        'surplus;help;market;auction;cancel' {
            break
        }
        'surplus;help;market;auction;bid' {
            break
        }
        'surplus;help;market;auction;run' {
            break
        }
        'surplus;help;market;order' {
            [CompletionResult]::new('buy', 'buy', [CompletionResultType]::ParameterValue, 'Bid for capacity as a buyer')
            [CompletionResult]::new('sell', 'sell', [CompletionResultType]::ParameterValue, 'Ask: the operator sells unsold offered capacity, or a buyer resells what it holds')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel an open order')
            break
        }
        'surplus;help;market;order;buy' {
            break
        }
        'surplus;help;market;order;sell' {
            break
        }
        'surplus;help;market;order;cancel' {
            break
        }
        'surplus;help;market;book' {
            break
        }
        'surplus;help;market;orders' {
            break
        }
        'surplus;help;market;sales' {
            break
        }
        'surplus;help;dns' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate''s fraction of answers with proxy addresses (sales are re-read every 2 seconds)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Send a name to a DNS server COUNT times and show the answers it gave: how many went to proxies, how many to the buyer''s fallback')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Per buyer: purchased, served and target rps, f, answers, control mode and monitor state, from the running server''s metrics endpoint (else the ledger''s newest usage samples)')
            [CompletionResult]::new('zone', 'zone', [CompletionResultType]::ParameterValue, 'Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the network''s zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'' names; each buyer host with a comment saying what decides its answer and the records it gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot')
            break
        }
        'surplus;help;dns;serve' {
            break
        }
        'surplus;help;dns;query' {
            break
        }
        'surplus;help;dns;status' {
            break
        }
        'surplus;help;dns;zone' {
            break
        }
        'surplus;help;monitor' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the requests and response bytes per Host, and each log''s read position, as Prometheus text at http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url: http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0 and count from each log''s end: a restart is a counter reset, which Prometheus and the name servers take as one. While a log cannot be read, /metrics answers 503')
            break
        }
        'surplus;help;monitor;export' {
            break
        }
        'surplus;help;report' {
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule')
            [CompletionResult]::new('sales', 'sales', [CompletionResultType]::ParameterValue, 'The operator''s view per slot or day: capacity sold by mechanism, used, revenue, unsold')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'The operator''s view per slot or day: capacity offered, sold, used and unsold')
            break
        }
        'surplus;help;report;usage' {
            break
        }
        'surplus;help;report;sales' {
            break
        }
        'surplus;help;report;capacity' {
            break
        }
        'surplus;help;simulate' {
            break
        }
        'surplus;help;ledger' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Create the ledger if there is none and bring its schema up to date (every command that writes does this too); prints the schema version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Recount what the ledger keeps incrementally and check its invariants (nothing oversold, counters equal a recount, rollups equal their samples); exits 1 if one is broken')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one transaction on the target: ids, sales, samples and rollups as they are')
            break
        }
        'surplus;help;ledger;migrate' {
            break
        }
        'surplus;help;ledger;check' {
            break
        }
        'surplus;help;ledger;copy' {
            break
        }
        'surplus;help;generate' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Write a completion script for SHELL into DIR')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages (one per command) into DIR')
            break
        }
        'surplus;help;generate;completions' {
            break
        }
        'surplus;help;generate;man' {
            break
        }
        'surplus;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
