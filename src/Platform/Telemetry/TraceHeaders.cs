namespace ZtStream.Platform.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) in event-log record headers, so a trace follows an event
/// from Ingest through the log to the Verifier and its alert to the Responder — on Kafka (record headers) and on the
/// embedded logs (which keep headers with the record) alike.
/// </summary>
internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>Writes <paramref name="activity"/>'s context into <paramref name="headers"/>; nothing without an activity.</summary>
    public static void Inject(Activity? activity, IDictionary<string, string> headers)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is null)
        {
            return;
        }

        // Activity.Id in the W3C format is exactly the traceparent value (version-traceid-spanid-flags).
        headers[TraceParent] = activity.Id;
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            headers[TraceState] = activity.TraceStateString;
        }
    }

    /// <summary>Headers carrying <paramref name="activity"/>'s context, or null without one (no allocation then).</summary>
    public static Dictionary<string, string>? For(Activity? activity)
    {
        if (activity is not { IdFormat: ActivityIdFormat.W3C })
        {
            return null;
        }

        var headers = new Dictionary<string, string>(2, StringComparer.Ordinal);
        Inject(activity, headers);
        return headers;
    }

    /// <summary>The remote parent carried by <paramref name="headers"/>, or default when they carry none (or a malformed one).</summary>
    public static ActivityContext Extract(IReadOnlyDictionary<string, string> headers)
    {
        if (headers.Count == 0 || !headers.TryGetValue(TraceParent, out var parent))
        {
            return default;
        }

        headers.TryGetValue(TraceState, out var state);
        return ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }
}
