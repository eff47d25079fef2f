using ZtStream.Host.Cli;

return await ZtStreamCli.RunAsync(args, Console.Out, Console.Error);
