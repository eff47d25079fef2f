namespace ZtStream.Verifier.Replay;

/// <summary>
/// A recording a command scores offline (<c>replay</c>, <c>rules backtest</c>): a file, a pipe or standard input
/// (<c>-</c>), read by its source's reader — mapped with the configured <c>Ingest</c> section and validated as live
/// ingestion would — one event at a time, so a recording of any length streams. Every item the reader refuses is told
/// on stderr by a <see cref="SkipReport"/> under the command's path, and where events without a time of their own took
/// theirs from is counted.
/// </summary>
internal sealed class RecordedInput(IReadOnlyDictionary<string, SourceFileReader> readers)
{
    /// <summary>FILE that names standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>The formats a recording may be in: canonical NDJSON first, then each source's.</summary>
    public IEnumerable<string> Formats => [SourceFileFormats.Canonical, .. readers.Keys.Where(k => k != SourceFileFormats.Canonical)];

    /// <summary>What is wrong with FILE (named as <paramref name="what"/>) and FORMAT, one line each, before anything is read.</summary>
    public IEnumerable<string> Problems(string file, string format, string what)
    {
        if (file != StandardInput && UserFiles.StreamProblem(file, what) is { } problem)
        {
            yield return problem;
        }

        if (!readers.ContainsKey(format))
        {
            yield return $"--format must be one of {string.Join("|", Formats)} (got '{format}')";
        }
    }

    /// <summary>
    /// Reads the recording, handing each event the reader accepts to <paramref name="each"/>, and writes the summary of
    /// what was refused. <see cref="Read.NotJson"/> is the usage problem when the input is no JSON at all (told from its
    /// first line, before any event: a compressed or binary file, CSV, a text log).
    /// </summary>
    public async Task<Read> ReadAsync(string file, string format, CliContext context, Func<AccessEvent, Task> each, CancellationToken cancellationToken)
    {
        var fromStandardInput = file == StandardInput;
        var name = fromStandardInput ? "standard input" : file;
        using var refused = new SkipReport(context, name);
        long events = 0;
        await using var stream = fromStandardInput
            ? UserFiles.OpenStandardInput(cancellationToken)
            : await UserFiles.OpenReadAsync(
                file, () => context.ErrorAsync($"{file} is a named pipe: waiting for a writer to open it"), context.Time, cancellationToken);
        var readAt = context.Time.GetUtcNow();
        try
        {
            foreach (var e in readers[format](stream, readAt, refused.Add, context.Configuration, now: readAt))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (e.Attributes?.GetValueOrDefault(SourceAttributes.TimeSource) is { ValueKind: JsonValueKind.String } timeSource)
                {
                    refused.TimeFrom(timeSource.GetString()!);
                }

                events++;
                await each(e);
            }
        }
        catch (InputNotJsonException e)
        {
            return new Read(events, refused.Skipped, $"{(fromStandardInput ? name : $"file '{file}'")} is {e.Message}");
        }

        await refused.WriteAsync(events);
        return new Read(events, refused.Skipped, null);
    }

    /// <summary>What a read gave: events handed on, items refused, and the usage problem of an input that is no JSON.</summary>
    public sealed record Read(long Events, int Refused, string? NotJson)
    {
        /// <summary>
        /// The exit code of a command that read all of it: 1 when an item was refused, so a script cannot take a result
        /// that dropped input for the whole recording's (the summary on stderr says what was dropped); else 0.
        /// </summary>
        public int ExitCode => Refused > 0 ? 1 : 0;
    }
}
