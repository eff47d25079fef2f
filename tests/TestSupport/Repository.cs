namespace ZtStream.TestSupport;

/// <summary>The repository a test runs in: its shipped configuration and its documentation's examples are test inputs.</summary>
public static class Repository
{
    /// <summary>The folder holding Directory.Packages.props, above the test's output folder.</summary>
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
