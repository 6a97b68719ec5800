return EdgeOpt.Cli.CliApp.Run(args);
