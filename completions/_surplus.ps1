
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check the configuration')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'Measure unused capacity from the proxies'' access logs, and offer it for sale')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;config' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('measure', 'measure', [CompletionResultType]::ParameterValue, 'Forecast load per future slot from the access logs and show the unused capacity')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot')
            [CompletionResult]::new('offers', 'offers', [CompletionResultType]::ParameterValue, 'List the offers saved in the ledger')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'surplus;capacity;measure' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format: auto, combined, common, vhost_combined, squid or json (default: the proxy''s `log.format`, or auto-detect)')
            [CompletionResult]::new('--json-fields', '--json-fields', [CompletionResultType]::ParameterName, 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only requests before this time')
            [CompletionResult]::new('--slot', '--slot', [CompletionResultType]::ParameterName, 'Slot length; must divide a day (default: `market.slot`, 1h)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads for parsing (default: the number of cores)')
            [CompletionResult]::new('--next', '--next', [CompletionResultType]::ParameterName, 'Forecast this long from the next slot boundary')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Forecast this window instead, START/DURATION on the slot grid')
            [CompletionResult]::new('--quantile', '--quantile', [CompletionResultType]::ParameterName, 'Quantile of a slot''s history used as its forecast (default: `market.quantile`, 0.95)')
            [CompletionResult]::new('--margin', '--margin', [CompletionResultType]::ParameterName, 'Share of capacity never sold (default: `market.margin`, 0.10)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
            [CompletionResult]::new('--by-proxy', '--by-proxy', [CompletionResultType]::ParameterName, 'Show each proxy''s capacity, forecast and unused capacity too')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Record the unused capacity as offers in the ledger (whole rps, rounded down)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;capacity;history' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format: auto, combined, common, vhost_combined, squid or json (default: the proxy''s `log.format`, or auto-detect)')
            [CompletionResult]::new('--json-fields', '--json-fields', [CompletionResultType]::ParameterName, 'JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only requests before this time')
            [CompletionResult]::new('--slot', '--slot', [CompletionResultType]::ParameterName, 'Slot length; must divide a day (default: `market.slot`, 1h)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads for parsing (default: the number of cores)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;capacity;offers' {
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Only offers overlapping this window (START/DURATION)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'surplus;capacity;help' {
            [CompletionResult]::new('measure', 'measure', [CompletionResultType]::ParameterValue, 'Forecast load per future slot from the access logs and show the unused capacity')
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
        'surplus;generate' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'surplus;generate;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory to write into')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The ledger (SQLite file); overrides `database:` in the configuration')
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
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check the configuration')
            [CompletionResult]::new('capacity', 'capacity', [CompletionResultType]::ParameterValue, 'Measure unused capacity from the proxies'' access logs, and offer it for sale')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
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
            [CompletionResult]::new('measure', 'measure', [CompletionResultType]::ParameterValue, 'Forecast load per future slot from the access logs and show the unused capacity')
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
