namespace ZtStream.Ingest.Tests.Sources;

/// <summary>Files under Sources/TestData, copied next to the test assembly.</summary>
internal static class TestData
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Sources", "TestData", .. parts]);

    public static byte[] K8sTrace(string name) => File.ReadAllBytes(Path("k8s-audit", name));

    public static IEnumerable<string> K8sTraceNames() =>
        Directory.EnumerateFiles(Path("k8s-audit"), "*.json").Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static byte[] Falco(string name) => File.ReadAllBytes(Path("falco", name));
}
