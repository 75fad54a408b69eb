return await Snapconv.Cli.CliApp.MainAsync(args);
