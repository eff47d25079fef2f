namespace ZtStream.TestSupport;

/// <summary>
/// The running test's cancellation token, imported into every test project as a static using so a test writes
/// <c>Ct</c> where it would otherwise repeat <c>TestContext.Current.CancellationToken</c> or declare its own property.
/// </summary>
public static class TestCancellation
{
    /// <summary>Cancelled when the test run is aborted or the test times out.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
