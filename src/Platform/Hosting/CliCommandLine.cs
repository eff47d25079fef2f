using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace ZtStream.Platform.Hosting;

/// <summary>
/// The one way a <c>ztstream</c> command line is parsed and run: System.CommandLine parses it; <c>--help</c> on any
/// command prints its usage and exits 0; a usage error prints one line per problem plus a usage line and exits 2;
/// a configuration problem (the context could not be built, or options failed validation) prints one line per
/// problem and exits 2; otherwise the command's action runs with the host's <see cref="CliContext"/>.
/// </summary>
internal static class CliCommandLine
{
    /// <summary>Exit code of a bad command line or configuration.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a command that failed on a file it was given (missing folder, no permission, full disk).</summary>
    public const int Failed = 1;

    /// <summary>Exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>Response files (<c>@file</c>) are off: a file name starting with '@' is an argument like any other.</summary>
    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    /// <summary>Sets what <paramref name="command"/> runs: the parsed line, the host's context, and Ctrl-C/SIGTERM as the token.</summary>
    public static void SetCliAction(this Command command, Func<ParseResult, CliContext, CancellationToken, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(action);
        command.Action = new ContextAction(action);
    }

    /// <summary>A root command named <c>ztstream</c> whose <c>--help</c> (<c>-h</c>) also applies to every sub-command.</summary>
    public static Command CreateRoot(string description) => new("ztstream", description) { new HelpOption { Recursive = true } };

    /// <summary>
    /// Words beside <c>--help</c> that name no command nor argument (<c>ztstream moon --help</c>): the parser drops its errors
    /// for help, which would then be the nearest command's, exit 0, as if the word were a command. Said as the same
    /// usage error as without <c>--help</c> instead (exit 2). Unknown options beside <c>--help</c> still get the help asked for.
    /// </summary>
    private static string[] UnknownWordsBesideHelp(ParseResult parsed) =>
        parsed.Action is HelpAction ? [.. parsed.UnmatchedTokens.Where(token => !token.StartsWith('-'))] : [];

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs what they ask for; returns the exit code.</summary>
    /// <param name="createContext">Builds the context once the line parsed (the configuration depends on its switches); adds to the list what is wrong.</param>
    public static async Task<int> InvokeAsync(
        Command root,
        IReadOnlyList<string> args,
        TextWriter stdout,
        TextWriter stderr,
        Func<ParseResult, ICollection<string>, CliContext> createContext,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(createContext);
        var parsed = root.Parse(args, Parser);
        if (parsed.Errors.Count > 0 && parsed.Action is null or ParseErrorAction or ContextAction)
        {
            return await UsageAsync(stderr, parsed, parsed.Errors.Select(e => e.Message));
        }

        if (UnknownWordsBesideHelp(parsed) is [_, ..] unknown)
        {
            return await UsageAsync(stderr, parsed, unknown.Select(word => $"Unrecognized command or argument '{word}'."));
        }

        if (parsed.Action is not ContextAction action)
        {
            // --help, or a command that only groups others.
            var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await parsed.InvokeAsync(invocation, cancellationToken);
        }

        var problems = new List<string>();
        // The command's own lines on stderr carry the same prefix as the runner's (CliContext.ErrorAsync).
        var context = createContext(parsed, problems) with { Command = PathOf(parsed.CommandResult.Command) };
        if (problems.Count > 0)
        {
            return await FailAsync(stderr, problems);
        }

        try
        {
            return await action.Run(parsed, context, cancellationToken);
        }
        catch (OptionsValidationException e)
        {
            // A command resolved options that failed their validator: the same answer as at start.
            return await FailAsync(stderr, e.Failures);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A path the user gave that cannot be written or read (a missing folder, no permission, a full disk): the
            // runtime's message names the path; a stack trace would bury it.
            await context.ErrorAsync(e.Message);
            return Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM in a command that stops by throwing: stopped as asked, not a crash.
            await context.ErrorAsync("stopped");
            return Interrupted;
        }
    }

    /// <summary>Accepts only whole numbers from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Between(this Option<int> option, int min, int max) => Whole(option, min, max, value => (int)value);

    /// <summary>Accepts only whole numbers from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<long> Between(this Option<long> option, long min, long max) => Whole(option, min, max, value => value);

    /// <summary>Accepts only whole numbers from <paramref name="min"/> to <paramref name="max"/>; absent is null.</summary>
    public static Option<long?> Between(this Option<long?> option, long min, long max) => Whole(option, min, max, value => (long?)value);

    /// <summary>
    /// An option of a number of seconds (fractions allowed): positive, or also zero with <paramref name="allowZero"/>; absent
    /// is null. Anything else is one line naming the option, not the parser's message about a CLR type.
    /// </summary>
    public static Option<double?> Seconds(string name, string description, bool allowZero)
    {
        var option = new Option<double?>(name) { Description = description, HelpName = "SECONDS" };
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && (value > 0 || (allowZero && value == 0)))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a {(allowZero ? "" : "positive ")}number of seconds");
            return null;
        };
        return option;
    }

    private static Option<T> Whole<T>(Option<T> option, long min, long max, Func<long, T> convert)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return convert(value);
            }

            result.AddError($"{option.Name} must be a whole number from {min} to {max} (got '{text}')");
            return default!;
        };
        return option;
    }

    /// <summary>Runs one command with a given context, as the host would (tests, and hosts that embed a command).</summary>
    public static Task<int> RunAsync(this ICliCommand command, IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var built = command.Build();
        var root = CreateRoot("ztstream");
        root.Add(built);
        return InvokeAsync(root, [built.Name, .. args], context.Out, context.Error, (_, _) => context, cancellationToken);
    }

    /// <summary>Configuration problems: one line each, exit 2.</summary>
    public static async Task<int> FailAsync(TextWriter stderr, IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync($"configuration error: {problem}");
        }

        return UsageError;
    }

    /// <summary>Usage problems of the command <paramref name="parsed"/> reached: one line each, then its usage line; exit 2.</summary>
    public static async Task<int> UsageAsync(TextWriter stderr, ParseResult parsed, IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(problems);
        var command = parsed.CommandResult.Command;
        var path = PathOf(command);
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync(CliContext.Line(path, problem));
        }

        await stderr.WriteLineAsync($"usage: {Usage(command, path)} (see '{path} --help')");
        return UsageError;
    }

    private static string PathOf(Command command)
    {
        var names = new List<string> { command.Name };
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, parent.Name);
        }

        return string.Join(' ', names);
    }

    private static string Usage(Command command, string path)
    {
        var parts = new List<string> { path };
        if (command.Subcommands.Any(c => !c.Hidden))
        {
            parts.Add("<command>");
        }

        parts.AddRange(command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.HelpName ?? a.Name}>"));
        if (command.Options.Any(o => !o.Hidden && o is not HelpOption))
        {
            parts.Add("[options]");
        }

        return string.Join(' ', parts);
    }

    /// <summary>The action <see cref="SetCliAction"/> sets; <see cref="InvokeAsync"/> runs it with the context it built.</summary>
    private sealed class ContextAction(Func<ParseResult, CliContext, CancellationToken, Task<int>> run) : AsynchronousCommandLineAction
    {
        public Func<ParseResult, CliContext, CancellationToken, Task<int>> Run { get; } = run;

        public override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("a ztstream command runs through CliCommandLine.InvokeAsync, which gives it its context");
    }
}
