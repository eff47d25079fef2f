namespace ZtStream.TestSupport.Services;

/// <summary>
/// What a test does when the service it needs cannot be had: skip naming what is missing, or — when
/// <c>ZTSTREAM_TEST_REQUIRE_SERVICES=1</c>, as CI sets it — fail.
/// </summary>
public static class ServiceRequirement
{
    public const string RequireVariable = "ZTSTREAM_TEST_REQUIRE_SERVICES";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Skips the current test (or fails it when services are required) because <paramref name="what"/> is missing.</summary>
    public static void Unavailable(string service, string why)
    {
        var message = $"{service} is not available: {why}";
        if (Required)
        {
            throw new InvalidOperationException($"{message} ({RequireVariable}=1, so this fails instead of skipping)");
        }

        Assert.Skip(message);
    }
}
