using ZtStream.Contracts;

namespace ZtStream.Platform.EventLog.DeadLetters;

/// <summary>
/// <c>ztstream dlq list|show|replay TOPIC</c>: what went to a dead-letter topic and why, and sending it back. TOPIC is
/// the dead-letter topic or the topic it belongs to (<c>zt.events.v1</c> means <c>zt.events.dlq.v1</c>). The log is
/// the one section <c>EventLog</c> of the same configuration names. <c>replay</c> appends each record to the topic it
/// came from (its <c>zt-dlq-topic</c> header) with its key, value and original headers, and remembers how far it got
/// as the committed offset of group <see cref="ReplayGroup"/>, so running it again replays only what arrived since;
/// given PARTITION:OFFSET positions it replays exactly those. Handlers are idempotent by event id, so a record
/// replayed twice does no harm.
/// </summary>
internal sealed class DlqCommand : ICliCommand
{
    public const string ReplayGroup = "ztstream-dlq-replay";
    public const string ReplayedFromHeader = "zt-dlq-replayed-from";

    private static readonly string[] OwnTopics = [Topics.Events, Topics.Alerts, Topics.Feedback];

    public Command Build()
    {
        var listTopic = TopicArgument();
        var limit = new Option<int>("--limit") { Description = "records per partition, newest last", HelpName = "N", DefaultValueFactory = _ => 100 }.Between(1, 1_000_000);
        var list = new Command("list", "one line per dead-lettered record: position, time, key, where it came from, replayed or waiting, and why") { listTopic, limit };
        list.SetCliAction((parsed, context, ct) => RunAsync(context, writable: false, (_, browser) => ListAsync(browser, DeadLetterTopic(parsed.GetValue(listTopic)!), parsed.GetValue(limit), context, ct)));

        var showTopic = TopicArgument();
        var position = PositionsArgument<string>(ArgumentArity.ExactlyOne);
        var show = new Command("show", "one record: its headers and its value") { showTopic, position };
        show.SetCliAction((parsed, context, ct) => RunAsync(context, writable: false, (_, browser) => ShowAsync(browser, DeadLetterTopic(parsed.GetValue(showTopic)!), Position(parsed.GetValue(position)!), context, ct)));

        var replayTopic = TopicArgument();
        var positions = PositionsArgument<string[]>(ArgumentArity.ZeroOrMore);
        var replay = new Command("replay", "append records back to the topic they came from: those not replayed yet, or the given ones (a file log must not be in use)") { replayTopic, positions };
        replay.SetCliAction((parsed, context, ct) => RunAsync(context, writable: true, (log, browser) =>
            ReplayAsync(log, browser, DeadLetterTopic(parsed.GetValue(replayTopic)!), [.. (parsed.GetValue(positions) ?? []).Select(Position)], context, ct)));

        return new Command("dlq", "Dead-lettered records: dlq list TOPIC | dlq show TOPIC PARTITION:OFFSET | dlq replay TOPIC [PARTITION:OFFSET ...]") { list, show, replay };
    }

    private static Argument<string> TopicArgument() => new("TOPIC")
    {
        Description = "a dead-letter topic, or the topic it belongs to (zt.events.v1 means zt.events.dlq.v1)",
    };

    private static Argument<T> PositionsArgument<T>(ArgumentArity arity)
    {
        var positions = new Argument<T>("PARTITION:OFFSET") { Description = "a record's position, e.g. 0:42", Arity = arity };
        positions.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!TryParsePosition(token.Value, out _))
                {
                    result.AddError($"'{token.Value}' is not a PARTITION:OFFSET position (e.g. 0:42)");
                }
            }
        });
        return positions;
    }

    private static string DeadLetterTopic(string topic) =>
        topic.Contains(".dlq", StringComparison.Ordinal) ? topic : DeadLetterHeaders.TopicFor(topic);

    private static (int Partition, long Offset) Position(string text) =>
        TryParsePosition(text, out var position) ? position : throw new ArgumentException($"'{text}' is not a PARTITION:OFFSET position", nameof(text));

    /// <summary>Opens the log section <c>EventLog</c> names (a file log read-only unless <paramref name="writable"/>), runs <paramref name="verb"/>, closes it.</summary>
    private static async Task<int> RunAsync(CliContext context, bool writable, Func<IEventLog, IEventLogBrowser, Task<int>> verb)
    {
        var options = EventLogServiceCollectionExtensions.BindEventLogOptions(context.Configuration);
        var invalid = EventLogOptionsValidator.Validate(options);
        if (invalid.Count > 0)
        {
            return await CliCommandLine.FailAsync(context.Error, invalid);
        }

        if (options.NormalizedKind == EventLogOptions.Memory)
        {
            await context.ErrorAsync("the memory event log lives only inside the process that runs it; there is nothing to inspect from here");
            return CliCommandLine.UsageError;
        }

        if (options.NormalizedKind == EventLogOptions.File && options.Path is { } path && !Directory.Exists(path))
        {
            // Opened writable (replay), a file log would be created here and "replayed 0 record(s)" would read as all
            // being well: a folder that holds no log is most likely the wrong folder, for every verb.
            await context.ErrorAsync($"no event log at {Path.GetFullPath(path)}");
            return 1;
        }

        IEventLog log;
        try
        {
            // Reading needs no ownership of a file log's folder, so it works beside a running ztstream.
            log = EventLogServiceCollectionExtensions.Create(options, context.Time, NullLoggerFactory.Instance, writable: writable);
        }
        catch (EventLogLockedException e)
        {
            await context.ErrorAsync($"{e.Message}. Stop it to replay, then start it again: replayed records are read from there.");
            return 1;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or StorageUnusableException)
        {
            await context.ErrorAsync(e.Message);
            return 1;
        }

        try
        {
            return await verb(log, (IEventLogBrowser)log);
        }
        finally
        {
            (log as IDisposable)?.Dispose();
        }
    }

    private static bool TryParsePosition(string text, out (int Partition, long Offset) position)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0
            && int.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            && long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            position = (partition, offset);
            return true;
        }

        position = default;
        return false;
    }

    private static async Task<int> ListAsync(IEventLogBrowser log, string topic, int limit, CliContext context, CancellationToken cancellationToken)
    {
        var partitions = await log.PartitionsAsync(topic, cancellationToken);
        if (partitions.Count == 0 && !IsOwnDeadLetterTopic(topic))
        {
            return await UnknownTopicAsync(topic, context);
        }

        var total = 0;
        foreach (var partition in partitions)
        {
            var from = Math.Max(partition.Start, partition.End - limit);
            var replayedBelow = await log.CommittedOffsetAsync(ReplayGroup, topic, partition.Partition, cancellationToken) ?? partition.Start;
            foreach (var record in await log.ReadAsync(topic, partition.Partition, from, limit, cancellationToken))
            {
                total++;
                var origin = record.Headers.TryGetValue(DeadLetterHeaders.OriginalTopic, out var t)
                    ? $"{t}/{record.Headers.GetValueOrDefault(DeadLetterHeaders.OriginalPartition, "?")}@{record.Headers.GetValueOrDefault(DeadLetterHeaders.OriginalOffset, "?")}"
                    : "?";
                var replayed = record.Offset < replayedBelow ? "replayed" : "waiting";
                await context.Out.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{record.Partition}:{record.Offset}\t{record.Timestamp:yyyy-MM-ddTHH:mm:ssZ}\t{record.Key}\t{origin}\t{replayed}\t{record.Headers.GetValueOrDefault(DeadLetterHeaders.Reason, "")}"));
            }
        }

        var held = partitions.Sum(p => p.End - p.Start);
        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{topic}: {held} record(s) held, {total} listed"));
        return 0;
    }

    private static async Task<int> ShowAsync(IEventLogBrowser log, string topic, (int Partition, long Offset) position, CliContext context, CancellationToken cancellationToken)
    {
        var record = await FindAsync(log, topic, position, context, cancellationToken);
        if (record is null)
        {
            return 1;
        }

        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{record.Topic}/{record.Partition}@{record.Offset}  {record.Timestamp:O}  key {record.Key}"));
        foreach (var (name, value) in record.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            await context.Out.WriteLineAsync($"{name}: {value}");
        }

        await context.Out.WriteLineAsync();
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(record.Value.Span);
        }
        catch (DecoderFallbackException)
        {
            text = "base64:" + Convert.ToBase64String(record.Value.Span);
        }

        await context.Out.WriteLineAsync(text);
        return 0;
    }

    private static async Task<int> ReplayAsync(IEventLog log, IEventLogBrowser browser, string topic, List<(int Partition, long Offset)> positions, CliContext context, CancellationToken cancellationToken)
    {
        var replayed = 0;
        if (positions.Count > 0)
        {
            foreach (var position in positions)
            {
                var record = await FindAsync(browser, topic, position, context, cancellationToken);
                if (record is null)
                {
                    return 1;
                }

                replayed += await SendBackAsync(log, [record], context, cancellationToken);
            }
        }
        else
        {
            var partitions = await browser.PartitionsAsync(topic, cancellationToken);
            if (partitions.Count == 0 && !IsOwnDeadLetterTopic(topic))
            {
                return await UnknownTopicAsync(topic, context);
            }

            foreach (var partition in partitions)
            {
                var cursor = Math.Max(partition.Start, await browser.CommittedOffsetAsync(ReplayGroup, topic, partition.Partition, cancellationToken) ?? partition.Start);
                while (cursor < partition.End)
                {
                    var batch = await browser.ReadAsync(topic, partition.Partition, cursor, 256, cancellationToken);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    replayed += await SendBackAsync(log, batch, context, cancellationToken);
                    cursor = batch[^1].Offset + 1;

                    // After the appends are acknowledged: a crash in between replays the batch again, never skips it.
                    await browser.CommitOffsetAsync(ReplayGroup, topic, partition.Partition, cursor, cancellationToken);
                }
            }
        }

        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"replayed {replayed} record(s) from {topic}"));
        return 0;
    }

    /// <summary>
    /// A dead-letter topic of ZtStream's own topics exists only once something was dead-lettered there, so its absence is
    /// "nothing held". Any other topic the log does not hold is most likely a typo, and answering "0 record(s) held" would
    /// tell the operator all is well.
    /// </summary>
    private static bool IsOwnDeadLetterTopic(string topic) =>
        OwnTopics.Any(own => string.Equals(DeadLetterHeaders.TopicFor(own), topic, StringComparison.Ordinal));

    private static async Task<int> UnknownTopicAsync(string topic, CliContext context)
    {
        await context.ErrorAsync(
            $"the log holds no topic {topic}; ZtStream's dead-letter topics are {string.Join(", ", OwnTopics.Select(DeadLetterHeaders.TopicFor))} (or name the topic they belong to)");
        return 1;
    }

    /// <summary>Appends dead-lettered records back to the topics they came from; returns how many.</summary>
    private static async Task<int> SendBackAsync(IEventLog log, IReadOnlyList<ConsumedRecord> records, CliContext context, CancellationToken cancellationToken)
    {
        foreach (var byTopic in records.GroupBy(OriginOf, StringComparer.Ordinal))
        {
            var batch = byTopic.Select(record =>
            {
                var headers = record.Headers
                    .Where(h => !h.Key.StartsWith("zt-dlq-", StringComparison.Ordinal))
                    .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
                headers[ReplayedFromHeader] = string.Create(CultureInfo.InvariantCulture, $"{record.Topic}/{record.Partition}@{record.Offset}");
                return new LogRecord(record.Key, record.Value, headers);
            }).ToList();
            await log.AppendAsync(byTopic.Key, batch, cancellationToken);
            foreach (var record in byTopic)
            {
                await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{record.Partition}:{record.Offset} → {byTopic.Key}"));
            }
        }

        return records.Count;
    }

    /// <summary>Where a dead-lettered record came from: its header, else the dead-letter topic's own topic.</summary>
    private static string OriginOf(ConsumedRecord record) =>
        record.Headers.TryGetValue(DeadLetterHeaders.OriginalTopic, out var topic) && topic.Length > 0
            ? topic
            : record.Topic.Replace(".dlq", string.Empty, StringComparison.Ordinal);

    /// <summary>The record at <paramref name="position"/>, or null once the error output says there is none.</summary>
    private static async Task<ConsumedRecord?> FindAsync(
        IEventLogBrowser log, string topic, (int Partition, long Offset) position, CliContext context, CancellationToken cancellationToken)
    {
        var found = await log.ReadAsync(topic, position.Partition, position.Offset, 1, cancellationToken);
        if (found.Count == 1 && found[0].Offset == position.Offset)
        {
            return found[0];
        }

        await context.ErrorAsync($"{topic} has no record at {position.Partition}:{position.Offset}");
        return null;
    }
}
