return EdgeOpt.Cli.CliApp.RunProcess(args);
