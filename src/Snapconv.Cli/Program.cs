return await Snapconv.Cli.CliApp.RunAsync(args);
