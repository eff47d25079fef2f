namespace ZtStream.Responder.Actions;

internal static class Revokers
{
    /// <summary>Every revoker gets every revocation; any failure fails the attempt (the others are idempotent on retry).</summary>
    public static async Task<WorkDone> RunAsync(IEnumerable<ITokenRevoker> revokers, Func<ITokenRevoker, Task<DriverResult>> call)
    {
        var details = new List<string>();
        var changed = false;
        foreach (var revoker in revokers)
        {
            using var span = ResponderTelemetry.StartDriver(revoker.Name);
            var result = await call(revoker);
            span?.SetTag("ztstream.driver.changed", result.Changed);
            changed |= result.Changed;
            details.Add($"{revoker.Name}: {result.Detail}");
        }

        if (details.Count == 0)
        {
            throw new ActionRejectedException("no token revoker is registered");
        }

        return new WorkDone(string.Join("; ", details), changed);
    }
}
