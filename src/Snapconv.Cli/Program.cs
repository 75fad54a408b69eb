using System.CommandLine;
using Snapconv.Cli.Commands;

var root = new RootCommand("snapconv: deliver offline conversions to Snap's Conversions API (CAPI v3).");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
