using System.CommandLine;

namespace ZtStream.Responder.Audit;

/// <summary>
/// <c>ztstream audit verify [--head SEQ:HASH]</c>: walks the audit trail's hash chain in the store the configuration
/// names and reports the first broken link. Exit 0 when intact (the last line is the head, <c>SEQ:HASH</c>, to keep
/// elsewhere and pass as <c>--head</c> next time), 1 when broken, 2 for a bad command line or configuration.
/// </summary>
internal sealed class AuditCommand : ICliCommand
{
    public Command Build()
    {
        var head = new Option<AuditAnchor?>("--head")
        {
            Description = "a head printed by an earlier verify (SEQ:HASH); the trail must still hold that row with that hash",
            HelpName = "SEQ:HASH",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                if (TryParseAnchor(text, out var anchor))
                {
                    return anchor;
                }

                result.AddError($"--head must be SEQ:HASH (a row number and its 64 hex digit hash), got '{text}'");
                return null;
            },
        };
        var verify = new Command("verify", "check the audit trail's hash chain; names the first edited, deleted or missing row") { head };
        verify.SetCliAction((parsed, context, ct) =>
            CliStore.RunAsync(context, [new ResponderMigrations()], (store, c) => VerifyAsync(new AuditLog(store, context.Time), parsed.GetValue(head), context, c), ct));
        return new Command("audit", "The Responder's audit trail: audit verify [--head SEQ:HASH]") { verify };
    }

    internal static bool TryParseAnchor(string text, out AuditAnchor anchor)
    {
        anchor = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || text.Length - colon - 1 != 64 || !text[(colon + 1)..].All(Uri.IsHexDigit)
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 1)
        {
            return false;
        }

        anchor = new AuditAnchor(seq, text[(colon + 1)..].ToLowerInvariant());
        return true;
    }

    private static async Task<int> VerifyAsync(AuditLog audit, AuditAnchor? anchor, CliContext context, CancellationToken cancellationToken)
    {
        var result = await audit.VerifyAsync(anchor, cancellationToken);
        if (!result.Intact)
        {
            await context.Out.WriteLineAsync($"audit trail BROKEN after {result.ChainedRows} intact row(s): {result.Problem}");
            return 1;
        }

        var legacy = result.UnchainedRows > 0 ? $"; {result.UnchainedRows} older row(s) predate the chain and are not covered" : "";
        await context.Out.WriteLineAsync($"audit trail intact: {result.ChainedRows} row(s) chained{legacy}{(anchor is { } a ? $"; anchor seq {a.Seq} matches" : "")}");
        await context.Out.WriteLineAsync($"head {result.HeadSeq}:{result.HeadHash}");
        return 0;
    }
}
