namespace ZtStream.Responder.Drivers;

/// <summary>
/// A driver could not do its work. <see cref="Permanent"/> failures (bad credentials, a workload that does not
/// exist, a request the other side rejects) are not worth retrying; the rest (timeouts, 5xx) are.
/// The message is what the analyst reads on the failed action.
/// </summary>
internal sealed class DriverFailedException : Exception
{
    public DriverFailedException(string driver, string reason, bool permanent, Exception? inner = null)
        : base($"{driver}: {reason}", inner)
    {
        Driver = driver;
        Permanent = permanent;
    }

    public string Driver { get; }

    public bool Permanent { get; }
}
